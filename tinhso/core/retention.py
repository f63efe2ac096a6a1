"""The retention schedule: how long each kind of record is kept, and the job that deletes or
anonymises what is past its time (``manage.py apply_retention``, run nightly by a systemd timer).

Law 91/2025/QH15 on personal data protection, art. 14(1): personal data is deleted or destroyed
when the purpose of processing is fulfilled or the retention period set by law ends; art. 2(1):
data that was de-identified is no longer personal data. The periods are settings
(``RETENTION_DAYS``); the defaults are the platform's choices, not periods set by a text:

- drafts never submitted (90 days): no procedure was started, nothing counts them;
- failed public-tracking attempts and failed sign-ins (30 days): counters against guessing,
  useless once their window is over;
- feedback reports closed or rejected (730 days): the sender's contact details and account link
  are removed; the report, its answers and dates stay, so every statistic is unchanged.

Kept on purpose, not handled here:
- submitted and finished dossiers, their attachments, payments and receipts: they are
  administrative records kept under the archive rules (Law on Archives 2024 and the retention
  periods of the records of one-stop procedures); the exact periods per procedure could not be
  verified and are left to the province's archive list;
- the audit trail, including the personal-data read log: it is append-only and hash-chained
  (tinhso.audit) and is the evidence Law 91/2025/QH15 and Decree 356/2025/NĐ-CP ask the
  controller to keep of its processing; no period for it could be verified in the texts;
- statistics rollups: they hold counts only, never personal data.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    treatment: str  # "delete" or "anonymise"


KINDS = [
    Kind("draft_dossiers", "drafts never submitted", "delete"),
    Kind("tracking_failures", "failed public tracking attempts", "delete"),
    Kind("sign_in_throttles", "failed sign-in counters", "delete"),
    Kind("closed_feedback_contacts", "senders of closed feedback reports", "anonymise"),
]


def cutoff(kind: str, now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=settings.RETENTION_DAYS[kind])


def due(kind: str, now: datetime.datetime | None = None):
    """The records of ``kind`` past their time (a queryset)."""
    from tinhso.accounts.models import SignInThrottle
    from tinhso.dossiers.models import Dossier, TrackingFailure
    from tinhso.feedback.actions import FINISHED_STATES
    from tinhso.feedback.models import Report

    before = cutoff(kind, now)
    if kind == "draft_dossiers":
        return Dossier.objects.filter(is_draft=True, updated_at__lt=before)
    if kind == "tracking_failures":
        return TrackingFailure.objects.filter(window_ends__lt=before)
    if kind == "sign_in_throttles":
        return SignInThrottle.objects.filter(last_failure_at__lt=before).exclude(
            locked_until__gt=now or timezone.now()
        )
    if kind == "closed_feedback_contacts":
        named = Report.objects.exclude(contact_name="", contact_phone="", contact_email="", reporter=None)
        return named.filter(state__in=FINISHED_STATES, closed_at__lt=before)
    raise ValueError(f"Unknown kind of record: {kind}")


def apply(now: datetime.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Delete or anonymise every record past its time; the count per kind (what would be done
    with ``dry_run``)."""
    from tinhso.accounts.actions import forget_sign_in_throttles
    from tinhso.dossiers.actions import expire_draft, forget_tracking_failures
    from tinhso.feedback.actions import anonymise_report

    now = now or timezone.now()
    done = {}
    for kind in KINDS:
        records = due(kind.key, now)
        if dry_run:
            done[kind.key] = records.count()
        elif kind.key == "draft_dossiers":
            done[kind.key] = sum(expire_draft(draft) for draft in records.only("pk").iterator())
        elif kind.key == "tracking_failures":
            done[kind.key] = forget_tracking_failures(cutoff(kind.key, now))
        elif kind.key == "sign_in_throttles":
            done[kind.key] = forget_sign_in_throttles(cutoff(kind.key, now))
        else:
            done[kind.key] = sum(anonymise_report(report) for report in records.only("pk").iterator())
    return done
