from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tinhso.audit.verification import verify_trail


class Command(BaseCommand):
    help = (
        "Verify the whole audit trail: recompute every entry hash, check the links and sequences of every "
        "object's chain, every anchor and the anchor chain. Reports the first broken link and exits with "
        "status 1 when the trail was tampered with."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor",
            metavar="HASH",
            help="An anchor hash kept out of band, which must be found in the anchor chain.",
        )

    def handle(self, *args, **options):
        report = verify_trail(published_anchor=options["anchor"])
        if report.broken is not None:
            raise CommandError(report.broken.message())
        if report.published_anchor_found is False:
            raise CommandError(
                _("The published anchor %(hash)s is not in the anchor chain: the anchors were rewritten.")
                % {"hash": options["anchor"]}
            )
        self.stdout.write(
            _(
                "Checked %(entries)d entries of %(objects)d objects and %(anchors)d anchors: "
                "the audit trail is intact."
            )
            % {"entries": report.entries, "objects": report.objects, "anchors": report.anchors}
        )
        if report.unanchored:
            self.stdout.write(
                _("%(count)d entries are not anchored yet (run anchor_audit).") % {"count": report.unanchored}
            )
