import time

from django.core.management.base import BaseCommand

from tinhso.accounts.oidc_local import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    PERSONAL_NUMBER_CLAIM,
    LocalIdentityProvider,
)
from tinhso.national.population_server import DEMO_CITIZENS


class Command(BaseCommand):
    help = (
        "Run the local national identity provider (VNeID played by a small OpenID Connect server) "
        "for the demo: the demo's citizens choose who they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8040)
        parser.add_argument("--client-id", default=DEMO_CLIENT_ID)
        parser.add_argument("--client-secret", default=DEMO_CLIENT_SECRET)

    def handle(self, *args, **options):
        people = [
            {
                "sub": f"vneid-{citizen['personalNumber']}",
                "name": citizen["fullName"],
                PERSONAL_NUMBER_CLAIM: citizen["personalNumber"],
            }
            for citizen in DEMO_CITIZENS
        ]
        provider = LocalIdentityProvider(
            options["client_id"], options["client_secret"], port=options["port"], people=people
        ).start()
        self.stdout.write(f"Local national identity (VNeID) at {provider.issuer}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            provider.stop()
