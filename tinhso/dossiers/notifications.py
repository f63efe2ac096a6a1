"""Telling the applicant about their dossier by e-mail and SMS.

An action queues a ``Notification`` row in its own transaction (``queue_notification``). Once
that commits, the server process wakes the sender, the ``send_notifications`` task, which sends
every notification that is due, each in its own transaction. A process wakes it at most once per
``WAKE_WINDOW`` and defers it by that window: the task then starts after every notification the
process queued in the window had committed, and a surge of submissions costs the task worker one
task per window and process instead of one per message. Several workers share the work
(``FOR UPDATE SKIP LOCKED``). A channel that fails is tried again later (``RETRY_DELAYS``), the
channels already delivered are not sent twice, and after the last attempt the notification is
marked failed with its error. ``manage.py send_notifications`` (every minute from cron) sends the
retries that fall due and anything whose wake-up died with its process.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from tinhso.core import mailer
from tinhso.core.links import site_url
from tinhso.core.rows import insert
from tinhso.core.sms import get_provider
from tinhso.core.wake import Waker
from tinhso.dossiers.models import Dossier, Notification
from tinhso.dossiers.status import Status, status_label

logger = logging.getLogger(__name__)

WAKE_WINDOW = datetime.timedelta(seconds=1)
BATCH = 200
RETRY_DELAYS = [datetime.timedelta(minutes=minutes) for minutes in (1, 5, 30, 120)]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1

# What a notification's messages say of its dossier. The partial index on ``next_attempt_at`` of
# pending rows gives the due ones in order without reading the sent ones.
DUE_COLUMNS = (
    "id",
    "kind",
    "status",
    "attempts",
    "channels",
    "dossier__code",
    "dossier__submission_reference",
    "dossier__applicant_name",
    "dossier__applicant_email",
    "dossier__applicant_phone",
    "dossier__procedure__name",
    "dossier__receiving_agency__name",
)


@dataclass(frozen=True)
class Due:
    """A notification due, with the dossier as its messages speak of it (``code`` None before
    reception, ``reference`` None for a counter dossier)."""

    id: int
    kind: str
    status: int
    attempts: int
    channels: str
    code: str | None
    reference: str | None
    name: str
    email: str
    phone: str
    procedure: str
    agency: str


def queue_notification(dossier: Dossier, kind: str) -> None:
    """Owe the applicant a message that ``dossier`` (as it now stands) was submitted or changed
    status. Call it inside the action's transaction; nothing is queued for an applicant who gave
    neither an e-mail address nor a phone number."""
    if not (dossier.applicant_email or dossier.applicant_phone):
        return
    now = timezone.now()
    insert(
        Notification(dossier=dossier, kind=kind, status=dossier.status, created_at=now, next_attempt_at=now)
    )
    transaction.on_commit(wake_sender, robust=True)  # if waking fails, cron sends it


sender_waker = Waker(WAKE_WINDOW)


def wake_sender() -> None:
    """Enqueue ``send_notifications`` unless this process did so less than ``WAKE_WINDOW`` ago."""
    sender_waker.wake(send_notifications)


def tracking_url(code: str) -> str:
    base = site_url()
    return base + reverse("dossiers:track_code", args=[code])


def _message(due: Due) -> tuple[str, str, str]:
    """(email subject, email body, SMS text). The submission gives the submission reference; the
    reception gives the dossier code then issued (Decree 118/2025/NĐ-CP Art. 17(3) as amended by
    Decree 309/2026/NĐ-CP Art. 8(3)); later messages name the dossier by its code."""
    code = due.code or due.reference
    assert code, "a submitted dossier has a code or a reference (database constraint)"
    values = {
        "code": code,
        "reference": due.reference,
        "procedure": due.procedure,
        "agency": due.agency,
        "status": status_label(due.status),
        "url": tracking_url(code),
        "name": due.name,
    }
    if due.kind == Notification.Kind.SUBMITTED:
        subject = _("Dossier submitted, reference %(reference)s") % values
        body = (
            _(
                "Dear %(name)s,\n\nYour dossier for “%(procedure)s” has been submitted to %(agency)s.\n"
                "Submission reference: %(reference)s\nThe agency gives the dossier its code when it "
                "receives it; we will tell you the code then.\n\nTrack it at %(url)s with your phone "
                "number or the last digits of your citizen ID.\n"
            )
            % values
        )
        sms = _("Your dossier has been submitted, reference %(reference)s. Track it at %(url)s") % values
    elif due.status == Status.ACCEPTED and due.code and due.reference:
        subject = _("Dossier %(code)s received") % values
        body = (
            _(
                "Dear %(name)s,\n\n%(agency)s has received your dossier for “%(procedure)s” "
                "(submission reference %(reference)s).\nDossier code: %(code)s\n\nTrack it at %(url)s\n"
            )
            % values
        )
        sms = _("Dossier %(reference)s received, dossier code %(code)s. %(url)s") % values
    else:
        subject = _("Dossier %(code)s: %(status)s") % values
        body = (
            _(
                "Dear %(name)s,\n\nThe status of your dossier %(code)s (“%(procedure)s”) is now: "
                "%(status)s.\n\n"
                "Track it at %(url)s\n"
            )
            % values
        )
        sms = _("Dossier %(code)s: %(status)s. %(url)s") % values
    return subject, body, sms


def _deliver(due: Due, sms_provider) -> tuple[str, list[str]]:
    """Send the channels not delivered yet; returns (channels delivered so far, errors)."""
    subject, body, sms = _message(due)
    delivered = set(filter(None, due.channels.split(",")))
    errors = []
    if due.email and "email" not in delivered:
        try:
            mailer.send(subject, body, due.email)
            delivered.add("email")
        except Exception as exc:  # one bad address or a server refusal must not stop the batch
            logger.warning("E-mail for notification %s failed: %s", due.id, exc)
            errors.append(f"email: {type(exc).__name__}: {exc}")
    if due.phone and "sms" not in delivered:
        try:
            sms_provider.send(due.phone, sms)
            delivered.add("sms")
        except Exception as exc:
            logger.warning("SMS for notification %s failed: %s", due.id, exc)
            errors.append(f"sms: {type(exc).__name__}: {exc}")
    return ",".join(sorted(delivered)), errors


def _claim(now: datetime.datetime, batch: int) -> list[Due]:
    """The due notifications, locked for this worker (others skip them; SQLite has no locks)."""
    due = (
        Notification.objects.filter(state=Notification.State.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .select_for_update(skip_locked=True, of=("self",))
        .values_list(*DUE_COLUMNS)[:batch]
    )
    return [Due(*row) for row in due]


def send_batch(batch: int = BATCH) -> int:
    """Send up to ``batch`` due notifications and record how each went; returns how many were
    tried. Each is locked, sent and marked in its own transaction: a worker killed in the middle
    of a batch has committed every message it sent before, and sends again at most the one it
    was sending (``tests/test_crash.py``)."""
    tried = 0
    sms_provider = get_provider()
    with translation.override(settings.LANGUAGE_CODE):
        while tried < batch:
            with transaction.atomic():
                now = timezone.now()
                due = _claim(now, 1)
                if not due:
                    break
                _send_one(due[0], sms_provider, now)
            tried += 1
    return tried


def _send_one(notification: Due, sms_provider, now: datetime.datetime) -> None:
    channels, errors = _deliver(notification, sms_provider)
    if not errors:
        Notification.objects.filter(pk=notification.id).update(
            state=Notification.State.SENT, sent_at=now, channels=channels, attempts=F("attempts") + 1
        )
        return
    attempts = notification.attempts + 1
    given_up = attempts >= MAX_ATTEMPTS
    Notification.objects.filter(pk=notification.id).update(
        attempts=attempts,
        channels=channels,
        last_error="\n".join(errors),
        state=Notification.State.FAILED if given_up else Notification.State.PENDING,
        next_attempt_at=now if given_up else now + RETRY_DELAYS[attempts - 1],
    )


def send_pending(batch: int = BATCH) -> int:
    """Send every notification due, batch after batch; returns how many were tried."""
    total = 0
    while (count := send_batch(batch)) == batch:
        total += count
    return total + count


@task()
def send_notifications() -> int:
    return send_pending()
