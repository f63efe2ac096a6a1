import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tinhso.agencies.codes import InvalidAgencyCode
from tinhso.documents import axis, axis_server

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run the local national document axis (for the demo and tests) on a port, with its own "
        "SQLite storage. --demo registers this installation (the settings' code and secret), the "
        "Government Office as an agency outside it that answers what it receives, and a small directory."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8010)
        parser.add_argument("--data", default="var/local-axis.sqlite3", help="the axis's storage file")
        parser.add_argument(
            "--system", action="append", default=[], help="CODE:SECRET:PREFIX[,PREFIX…], repeatable"
        )
        parser.add_argument("--agency", action="append", default=[], help="CODE:NAME, repeatable")
        parser.add_argument("--demo", action="store_true")
        parser.add_argument("--answer-every", type=float, default=5.0, help="seconds (with --demo)")

    def handle(self, *args, **options):
        try:
            if options["demo"]:
                store = axis_server.demo_store(
                    options["data"],
                    settings.DOCUMENTS_AXIS_AGENCY_CODE or "H20",
                    settings.DOCUMENTS_AXIS_SECRET or axis.DEMO_SECRET,
                    "Ủy ban nhân dân tỉnh",
                )
            else:
                store = axis_server.AxisStore(options["data"])
            for spec in options["system"]:
                code, secret, prefixes = spec.split(":", 2)
                store.add_system(code, secret, prefixes.split(","))
            for spec in options["agency"]:
                code, name = spec.split(":", 1)
                store.add_agency(code, name)
        except (ValueError, InvalidAgencyCode) as exc:
            raise CommandError(f"Bad --system or --agency: {exc}") from None
        server = axis_server.serve(store, port=options["port"], quiet=options["verbosity"] < 2)
        url = f"http://127.0.0.1:{server.server_port}"
        self.stdout.write(f"Local national axis at {url} (storage {options['data']})")
        code, secret, name = axis_server.DEMO_PEER
        peer = axis_server.AxisPeer(url, code, secret, name) if options["demo"] else None
        try:
            while True:
                time.sleep(options["answer_every"])
                if peer is not None:
                    try:
                        peer.answer()
                    except Exception:  # the demo's other side must keep answering
                        logger.exception("The demo agency outside could not answer")
        except KeyboardInterrupt:
            server.shutdown()
