"""``manage.py run_gateway --port 8320 [--host 0.0.0.0] [--certfile F --keyfile F --client-ca F]``."""

import uvicorn
from django.core.management.base import BaseCommand

from tinhso.lgsp.server import config


class Command(BaseCommand):
    help = "Run the integration gateway (X-Road message protocol for REST)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, required=True)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--certfile", default="", help="TLS: the gateway's certificate (PEM).")
        parser.add_argument("--keyfile", default="", help="TLS: the gateway's private key (PEM).")
        parser.add_argument("--client-ca", default="", help="TLS: the CA that issues client certificates.")

    def handle(self, *args, **options):
        self.stdout.write(
            f"LGSP gateway on {'https' if options['certfile'] else 'http'}://{options['host']}:{options['port']}/r1/"
        )
        uvicorn.Server(
            config(
                options["port"],
                options["host"],
                certfile=options["certfile"],
                keyfile=options["keyfile"],
                client_ca=options["client_ca"],
            )
        ).run()
