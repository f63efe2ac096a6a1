"""The dossiers' part of the retention schedule (``tinhso.core.retention``): drafts never
submitted and failed public-tracking attempts are deleted."""

from tinhso.core import retention
from tinhso.dossiers.actions import expire_draft, forget_tracking_failures
from tinhso.dossiers.models import Dossier, TrackingFailure

retention.register(
    retention.Kind(
        "draft_dossiers",
        "drafts never submitted",
        "delete",
        due=lambda before, now: Dossier.objects.filter(is_draft=True, updated_at__lt=before),
        apply=lambda records, before: sum(expire_draft(draft) for draft in records.only("pk").iterator()),
        position=1,
    )
)
retention.register(
    retention.Kind(
        "tracking_failures",
        "failed public tracking attempts",
        "delete",
        due=lambda before, now: TrackingFailure.objects.filter(window_ends__lt=before),
        apply=lambda records, before: forget_tracking_failures(before),
        position=2,
    )
)
