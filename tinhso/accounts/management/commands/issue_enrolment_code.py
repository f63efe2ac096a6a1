"""Issue a one-time enrolment code on the server's console: for the first administrator, who has
nobody above them to issue one on a page."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tinhso.accounts import actions
from tinhso.accounts.models import User


class Command(BaseCommand):
    help = "Print a one-time code with which an officer or administrator sets up two-step verification."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account with the username {username!r}.")
        try:
            code = actions.issue_enrolment_code(None, user, from_console=True)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(code)
