from django.core.management.base import BaseCommand

from tinhso.events.webhooks import deliver_due


class Command(BaseCommand):
    help = "Turn the event feed's new events into webhook deliveries and send those due (every minute)."

    def handle(self, *args, **options):
        tried = 0
        while True:
            done = deliver_due()
            tried += done
            if done == 0:
                break
        self.stdout.write(f"{tried} webhook deliveries tried")
