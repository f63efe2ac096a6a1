"""Import a procedure catalogue file (JSON or CSV, see tinhso/procedures/FORMAT.md), all or nothing."""

from django.core.management.base import BaseCommand, CommandError

from tinhso.procedures.actions import import_catalogue
from tinhso.procedures.catalogue import CatalogueError, read_catalogue


class Command(BaseCommand):
    help = "Import procedures from a JSON or CSV catalogue file: every procedure or none."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the catalogue (.json or .csv).")

    def handle(self, *args, **options):
        import_file(self, options["file"])


def import_file(command: BaseCommand, path: str) -> None:
    try:
        catalogue = read_catalogue(path)
    except CatalogueError as exc:
        raise CommandError(
            "Không nhập được danh mục thủ tục; chưa có gì được ghi.\n" + "\n".join(exc.messages)
        ) from exc
    saved = import_catalogue(None, catalogue, source=str(path))
    created = sum(1 for _procedure, was_created in saved if was_created)
    command.stdout.write(
        f"Đã nhập {len(saved)} thủ tục ({created} mới, {len(saved) - created} cập nhật) từ {path}."
    )
