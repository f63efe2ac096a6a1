"""``manage.py lgsp_assertion --client ID --key FILE``: print a fresh signed client assertion
(one call's worth: its ``jti`` is refused a second time), for trying the gateway with curl."""

from pathlib import Path

from django.core.management.base import BaseCommand

from tinhso.lgsp.client import client_assertion


class Command(BaseCommand):
    help = "Print a fresh JWT client assertion for the gateway."

    def add_arguments(self, parser):
        parser.add_argument("--client", required=True, help="INSTANCE/CLASS/MEMBER/SUBSYSTEM")
        parser.add_argument("--key", required=True, help="The client's private key (PEM).")

    def handle(self, *args, client, key, **options):
        self.stdout.write(client_assertion(client, Path(key).read_bytes()))
