"""Import old three-tier administrative units from a CSV file (format: tinhso/units/legacy.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tinhso.units.legacy import LegacyImportError, import_legacy_units


class Command(BaseCommand):
    help = "Import old (pre-July-2025) administrative units and their successors from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, e.g. tinhso/units/data/legacy_sample.csv")

    def handle(self, *args, file, **options):
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc}) from exc
        try:
            result = import_legacy_units(text)
        except LegacyImportError as exc:
            raise CommandError(_("Nothing was imported:") + "\n" + "\n".join(exc.errors)) from exc
        self.stdout.write(
            _("%(created)d units created, %(updated)d updated.")
            % {"created": result.created, "updated": result.updated}
        )
