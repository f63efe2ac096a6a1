from django.core.management.base import BaseCommand

from tinhso.statistics.rollup import drain, rebuild


class Command(BaseCommand):
    help = "Update the statistics rollups from the dossier outbox (--rebuild: recompute them all)."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Recompute from the dossier tables.")
        parser.add_argument("--batch", type=int, default=1000)

    def handle(self, *args, **options):
        if options["rebuild"]:
            rebuild()
            self.stdout.write("Statistics rebuilt.")
        else:
            self.stdout.write(f"{drain(options['batch'])} events counted.")
