"""Export the procedure catalogue as JSON or CSV (format in tinhso/procedures/FORMAT.md)."""

import shutil
from pathlib import Path

from django.core.management.base import BaseCommand

from tinhso.procedures.catalogue import export_document, to_csv, to_json
from tinhso.procedures.models import RequiredDocument


class Command(BaseCommand):
    help = "Export every procedure with its fees, documents and e-form to stdout or a file."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument(
            "--output", help="Write to this file; document templates are copied beside it, into mau/."
        )

    def handle(self, *args, **options):
        document = export_document()
        text = to_json(document) if options["format"] == "json" else to_csv(document)
        output = options.get("output")
        if not output:
            self.stdout.write(text, ending="")
            return
        path = Path(output)
        path.write_text(text, encoding="utf-8")
        templates = RequiredDocument.objects.exclude(template="")
        if templates.exists():
            folder = path.parent / "mau"
            folder.mkdir(exist_ok=True)
            for document_row in templates:
                with (
                    document_row.template.open("rb") as source,
                    open(folder / Path(document_row.template.name).name, "wb") as target,
                ):
                    shutil.copyfileobj(source, target)
        self.stderr.write(f"Đã xuất {len(document['procedures'])} thủ tục vào {path}.")
