from django.conf import settings
from django.core.management.base import BaseCommand

from tinhso.core import retention


class Command(BaseCommand):
    help = (
        "Delete or anonymise the records past their retention period (settings.RETENTION_DAYS; "
        "Law 91/2025/QH15 art. 14(1)). Statistics stay the same. Run it nightly; --dry-run only counts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what is past its time, change nothing."
        )

    def handle(self, *args, dry_run, **options):
        done = retention.apply(dry_run=dry_run)
        for kind in retention.KINDS:
            verb = f"would be {kind.treatment}d" if dry_run else f"{kind.treatment}d"
            days = settings.RETENTION_DAYS[kind.key]
            self.stdout.write(f"{kind.label} (older than {days} days): {done[kind.key]} {verb}.")
