"""The national portal sync: every status change of a dossier (the outbox ``DossierEvent``,
statuses 1–10) sent to the national public service portal as it happens, in order per dossier,
exactly once.

The task worker (``tasks.sync_portal``, woken when a dossier action commits an outbox event, and
``manage.py sync_national_portal`` from cron for retries) sends the first unconfirmed event of
each dossier, with a sync id made from the installation and the event: the portal keeps each id
once, so a retry after a lost answer, or two workers sending the same change, is not a second
change. No transaction is held while the portal answers (the demo's SQLite has one writer). The
event's ``published_at`` is set when the portal confirmed it. A failure is tried again after
``RETRY_DELAYS``; a later change of the same dossier waits for it (order); after the last
attempt it stays in the failure list (``PortalSync.dead``) until an administrator sends it
again. The share of dossiers synchronised is indicator 1.4 of Decision 766/QĐ-TTg
(``tinhso.statistics.index766``).
"""

import datetime
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from tinhso.core.wake import Waker
from tinhso.dossiers.models import DossierEvent, DossierEventKind
from tinhso.national import protocol
from tinhso.national.models import PortalSync

logger = logging.getLogger(__name__)

RETRY_DELAYS = [datetime.timedelta(minutes=minutes) for minutes in (1, 5, 30, 120, 480)]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
BATCH = 100
WAKE_WINDOW = datetime.timedelta(seconds=1)


def unsent() -> QuerySet[DossierEvent]:
    return DossierEvent.objects.filter(kind=DossierEventKind.STATUS, published_at__isnull=True)


def due(now: datetime.datetime) -> QuerySet[DossierEvent]:
    """The first unconfirmed status change of each dossier, unless it waits for a retry or is
    in the failure list."""
    earlier = unsent().filter(dossier_id=OuterRef("dossier_id"), pk__lt=OuterRef("pk"))
    return (
        unsent()
        .exclude(Exists(earlier))
        .exclude(Exists(PortalSync.objects.filter(event=OuterRef("pk"), dead=True)))
        .exclude(Exists(PortalSync.objects.filter(event=OuterRef("pk"), next_attempt_at__gt=now)))
    )


def sync_id(config: protocol.PortalConfig, event: DossierEvent) -> str:
    return f"{config.system}-{event.pk}"


def send_one(client: protocol.PortalClient, now: datetime.datetime | None = None) -> bool:
    """Send the next due status change and record the outcome in a short transaction (no lock
    is held while the portal answers); False when none is due."""
    now = now or timezone.now()
    event = due(now).select_related("dossier__procedure").order_by("pk").first()
    if event is None:
        return False
    message = protocol.status_message(
        sync_id(client.config, event),
        event.code,
        event.status,
        event.agency_code,
        event.dossier.procedure.code,
        event.occurred_at,
    )
    try:
        client.send_status(message)
    except protocol.ConnectorError as exc:
        logger.warning("Status change %s not synchronised: %s", event.pk, exc)
        with transaction.atomic():
            PortalSync.objects.get_or_create(event=event)
            record = PortalSync.objects.select_for_update().get(event=event)
            record.attempts += 1
            record.last_error = str(exc)[:500]
            if record.attempts >= MAX_ATTEMPTS:
                record.dead, record.next_attempt_at = True, None
            else:
                record.next_attempt_at = now + RETRY_DELAYS[record.attempts - 1]
            record.save()
    else:
        with transaction.atomic():
            DossierEvent.objects.filter(pk=event.pk, published_at__isnull=True).update(published_at=now)
            PortalSync.objects.filter(event=event).update(next_attempt_at=None, last_error="")
    return True


def sync_due(limit: int = BATCH, now: datetime.datetime | None = None) -> int:
    """Send up to ``limit`` due status changes; how many were tried. Off (0) when no portal is
    configured."""
    config = protocol.portal_config()
    if config is None:
        return 0
    client = protocol.PortalClient(config)
    done = 0
    while done < limit and send_one(client, now):
        done += 1
    return done


portal_waker = Waker(WAKE_WINDOW)


def wake_on_commit(sender=None, **kwargs) -> None:
    """Receiver of ``dossiers.signals.outbox_written``: ask the task worker to sync once the
    action's transaction commits (at most once per ``WAKE_WINDOW`` per process; cron's
    ``sync_national_portal`` picks up retries and anything a lost wake-up left)."""
    if protocol.portal_config() is not None:
        transaction.on_commit(_wake, robust=True)


def _wake() -> None:
    from tinhso.national.tasks import sync_portal

    portal_waker.wake(sync_portal)


def failures() -> QuerySet[PortalSync]:
    """The failure list: status changes the portal has not taken after every attempt."""
    return PortalSync.objects.filter(dead=True).select_related("event__dossier").order_by("event_id")


def sync_rate(since: datetime.datetime | None = None) -> dict:
    """Status changes (since ``since``) confirmed by the portal, waiting, failed, and the share
    confirmed (None when there were none)."""
    events = DossierEvent.objects.filter(kind=DossierEventKind.STATUS)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    total = events.count()
    sent = events.filter(published_at__isnull=False).count()
    failed = events.filter(published_at__isnull=True, portal_sync__dead=True).count()
    return {
        "total": total,
        "sent": sent,
        "failed": failed,
        "waiting": total - sent - failed,
        "rate": round(100 * sent / total, 2) if total else None,
    }
