"""``manage.py register_population_service --provider-url URL --key FILE [--agency H20]``: the
national population database on the province's gateway, with the platform's own subsystem
(``POPULATION_XROAD_CLIENT``) granted its lookup; the platform's private key (P-256, PEM) is
written to FILE when absent. Once: a second run changes nothing."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tinhso.agencies.models import Agency
from tinhso.lgsp.keys import public_key_pem
from tinhso.national import actions


class Command(BaseCommand):
    help = "Register the national population database's lookup on the gateway, granted to the platform."

    def add_arguments(self, parser):
        parser.add_argument("--provider-url", required=True, help="The population database's own address.")
        parser.add_argument("--key", required=True, help="Where the platform's private key (PEM) is kept.")
        parser.add_argument("--agency", default="", help="The province's agency code (default: the root).")

    def handle(self, *args, provider_url, key, agency, **options):
        province = (
            Agency.objects.filter(code=agency).first()
            if agency
            else Agency.objects.filter(parent=None).first()
        )
        if province is None:
            raise CommandError("The province's agency is not found.")
        public_pem = public_key_pem(Path(key))
        service, client = actions.register_population_service(province, provider_url, public_pem)
        if client.identifier != settings.POPULATION_XROAD_CLIENT:
            self.stderr.write(f"POPULATION_XROAD_CLIENT should be {client.identifier}.")
        gateway = settings.LGSP_GATEWAY_URL.rstrip("/")
        self.stdout.write(
            f"CSDL dân cư qua cổng liên thông / population database: {gateway}/r1/{service.identifier}"
        )
