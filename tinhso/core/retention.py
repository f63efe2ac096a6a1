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
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone


@dataclass(frozen=True)
class Kind:
    """One kind of record on the schedule, registered by the app that owns it (from its
    ``apps.py ready()``), so that this module imports no app above it.

    ``due(before, now)`` gives the records past their time; ``apply(records, before)`` deletes or
    anonymises them through the owning app's action and gives how many."""

    key: str
    label: str
    treatment: str  # "delete" or "anonymise"
    due: Callable[[datetime.datetime, datetime.datetime], QuerySet]
    apply: Callable[[QuerySet, datetime.datetime], int]
    position: int  # where the kind stands in the job's report


KINDS: list[Kind] = []


def register(kind: Kind) -> None:
    """Add ``kind`` to the schedule (once: a second ``ready()`` replaces it)."""
    KINDS[:] = sorted([known for known in KINDS if known.key != kind.key] + [kind], key=lambda k: k.position)


def kind_of(key: str) -> Kind:
    for kind in KINDS:
        if kind.key == key:
            return kind
    raise ValueError(f"Unknown kind of record: {key}")


def cutoff(kind: str, now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=settings.RETENTION_DAYS[kind])


def due(kind: str, now: datetime.datetime | None = None):
    """The records of ``kind`` past their time (a queryset)."""
    now = now or timezone.now()
    return kind_of(kind).due(cutoff(kind, now), now)


def apply(now: datetime.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Delete or anonymise every record past its time; the count per kind (what would be done
    with ``dry_run``)."""
    now = now or timezone.now()
    done = {}
    for kind in KINDS:
        records = kind.due(cutoff(kind.key, now), now)
        done[kind.key] = records.count() if dry_run else kind.apply(records, cutoff(kind.key, now))
    return done
