import datetime

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from tinhso.core.storage import orphan_files


class Command(BaseCommand):
    help = (
        "Delete the stored files no row points at (left by a process killed between writing a file "
        "and committing its row, or by rows deleted since), once older than the grace period. Run it "
        "nightly; --dry-run only lists them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List the orphan files, delete nothing.")
        parser.add_argument(
            "--grace-hours",
            type=float,
            default=24.0,
            help="Keep files younger than this, whatever points at them (default: %(default)s).",
        )

    def handle(self, *args, dry_run, grace_hours, **options):
        if grace_hours < 1:
            raise CommandError("--grace-hours must be at least 1: younger files may belong to running work.")
        count = size = 0
        for name in orphan_files(default_storage, datetime.timedelta(hours=grace_hours)):
            count += 1
            size += default_storage.size(name)
            if dry_run:
                self.stdout.write(name)
            else:
                default_storage.delete(name)
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(f"{count} orphan files ({size:,} bytes) {verb}.")
