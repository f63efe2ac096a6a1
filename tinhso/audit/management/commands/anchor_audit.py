from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tinhso.audit.services import anchor_trail
from tinhso.core.text import format_datetime


class Command(BaseCommand):
    help = (
        "Anchor the audit trail: chain the latest hash of every object changed since the previous anchor "
        "and print the anchor hash, to be kept out of band (printed, mailed, published). Production runs "
        f"it every AUDIT_ANCHOR_MINUTES minutes (now {settings.AUDIT_ANCHOR_MINUTES}), from cron or a "
        "systemd timer calling this command, or by enqueuing the task "
        "tinhso.audit.tasks.anchor_audit_trail for the workers."
    )

    def handle(self, *args, **options):
        anchor = anchor_trail()
        if anchor is None:
            self.stdout.write(_("No new audit entries since the previous anchor."))
            return
        self.stdout.write(
            _("Anchor #%(id)s at %(time)s covers %(entries)d new entries of %(objects)d objects.")
            % {
                "id": anchor.pk,
                "time": format_datetime(anchor.created_at),
                "entries": anchor.entries_count,
                "objects": len(anchor.heads),
            }
        )
        self.stdout.write(_("Anchor hash: %(hash)s") % {"hash": anchor.hash})
