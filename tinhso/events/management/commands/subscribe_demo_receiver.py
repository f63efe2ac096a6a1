"""Subscribe the demo's local webhook receiver (``run_webhook_receiver``) to every event, as the
demo's province administrator, through ``tinhso.events.actions``; the secret goes to
``--secret-file`` for the receiver. The events already in the feed (the demo's history) are
passed over first: the receiver gets what happens from now on."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tinhso.accounts.models import User
from tinhso.events import actions, webhooks
from tinhso.events.models import Subscription

NAME = "Hệ thống nhận thử (demo)"


class Command(BaseCommand):
    help = "Subscribe the demo's local webhook receiver to every event."

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True)
        parser.add_argument("--secret-file", required=True)

    def handle(self, *args, url, secret_file, **options):
        if Subscription.objects.filter(name=NAME, url=url).exists():
            self.stdout.write("The demo receiver is already subscribed.")
            return
        admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if admin is None:
            raise CommandError("Load the demo first: there is no administrator.")
        webhooks.dispatch()
        subscription, secret = actions.create_subscription(admin, name=NAME, url=url)
        Path(secret_file).write_text(secret + "\n")
        Path(secret_file).chmod(0o600)
        self.stdout.write(f"Subscribed {url} (subscription {subscription.pk}).")
