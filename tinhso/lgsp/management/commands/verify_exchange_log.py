"""``manage.py verify_exchange_log``: check the exchange log's chain and anchors; exit 1 and
report the first broken link when it was tampered with."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tinhso.lgsp.exchange_log import verify_log


class Command(BaseCommand):
    help = "Verify the hash chain of the gateway's exchange log."

    def handle(self, *args, **options):
        report = verify_log()
        if not report.intact:
            raise CommandError(report.broken)
        self.stdout.write(
            _("Exchange log intact: %(exchanges)s exchanges, %(anchors)s anchors.")
            % {"exchanges": report.exchanges, "anchors": report.anchors}
        )
