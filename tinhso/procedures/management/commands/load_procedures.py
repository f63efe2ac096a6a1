"""Load the demo catalogue of Đồng Tháp procedures (or FILE); safe to run again."""

from pathlib import Path

from django.core.management.base import BaseCommand

from tinhso.procedures.management.commands.import_procedures import import_file

DEMO_CATALOGUE = Path(__file__).resolve().parents[2] / "data" / "dong_thap.json"


class Command(BaseCommand):
    help = "Load the demo procedure catalogue (needs the demo agencies H20.*); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEMO_CATALOGUE), help="Catalogue file.")

    def handle(self, *args, **options):
        import_file(self, options["file"])
