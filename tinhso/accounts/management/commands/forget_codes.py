from django.core.management.base import BaseCommand
from django.utils import timezone

from tinhso.accounts import verification


class Command(BaseCommand):
    help = (
        "Delete the one-time codes (and the registration details kept with them) a day after they "
        "expired, and the rate-limit counts older than a day. Run it nightly."
    )

    def handle(self, *args, **options):
        codes, counts = verification.forget_old(timezone.now())
        self.stdout.write(f"{codes} codes and {counts} counts deleted.")
