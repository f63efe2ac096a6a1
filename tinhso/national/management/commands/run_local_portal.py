import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tinhso.national import population_server, portal_server, protocol


class Command(BaseCommand):
    help = (
        "Run the local national public service portal (for the demo and tests) on a port, with its "
        "own SQLite storage, and the local national population database on --population-port. "
        "--demo registers this installation (the settings' system code and secret) and the demo's "
        "citizens."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8030)
        parser.add_argument("--population-port", type=int, default=0, help="0: no population database")
        parser.add_argument("--data", default="var/local-portal.sqlite3", help="the portal's storage file")
        parser.add_argument("--system", action="append", default=[], help="CODE:SECRET, repeatable")
        parser.add_argument(
            "--client",
            action="append",
            default=[],
            help="an X-Road client id the population database answers",
        )
        parser.add_argument("--demo", action="store_true")

    def handle(self, *args, **options):
        store = portal_server.PortalStore(options["data"])
        clients = list(options["client"])
        if options["demo"]:
            store.add_system(
                settings.NATIONAL_PORTAL_SYSTEM or "H20",
                settings.NATIONAL_PORTAL_SECRET or protocol.PORTAL_DEMO_SECRET,
            )
            clients.append(settings.POPULATION_XROAD_CLIENT or "VN-DT/GOV/H20/TINHSO")
        for spec in options["system"]:
            code, sep, secret = spec.partition(":")
            if not (code and sep and secret):
                raise CommandError(f"Bad --system {spec!r}: CODE:SECRET")
            store.add_system(code, secret)
        quiet = options["verbosity"] < 2
        servers = [portal_server.serve(portal_server.LocalPortal(store), port=options["port"], quiet=quiet)]
        self.stdout.write(
            f"Local national portal at http://127.0.0.1:{servers[0].server_port} (storage {options['data']})"
        )
        if options["population_port"]:
            population = population_server.LocalPopulation(population_server.DEMO_CITIZENS, clients)
            servers.append(
                portal_server.serve(
                    population, port=options["population_port"], quiet=quiet, name="local-population"
                )
            )
            self.stdout.write(f"Local population database at http://127.0.0.1:{servers[1].server_port}")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            for server in servers:
                server.shutdown()
