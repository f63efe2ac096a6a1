from django.core.management.base import BaseCommand

from tinhso.dossiers.notifications import send_pending


class Command(BaseCommand):
    help = (
        "Send the applicants' e-mail and SMS notifications that are due: retries, and any whose "
        "wake-up was lost with its server process. Run it every minute."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"Notifications tried: {send_pending()}.")
