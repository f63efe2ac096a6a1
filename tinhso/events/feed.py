"""The one ordered, resumable feed over the outboxes, as CloudEvents 1.0 (JSON format).

How one order is made. A trigger on each source outbox (migration 0002) writes a ``FeedEntry``
in the transaction that writes the outbox row, carrying that transaction's id
(``pg_current_xact_id()``). Entries are read in (transaction id, entry id) order, and only those
of transactions older than the oldest transaction of this database still running at the
reader's snapshot (its ``xip`` list, less the transactions ``pg_stat_activity`` shows in other
databases of the cluster): every such transaction has ended, so no entry can appear later before the
reader's cursor. Ordering by entry id alone would not do: a transaction that took id 7 and
commits after another took id 8 and committed would be skipped by a reader that already saw 8.
The price is latency: a long transaction holds the feed back (never makes it skip) until it ends.
SQLite (the demo) lets one transaction write at a time, so there the entry id is the order.

The cursor is "<transaction id>.<entry id>" of the last entry read; a reader stores it and asks
for what follows. An event's id ("dossier-42") is stable: the same event has the same id in the
feed and in every webhook delivery, so a subscriber drops a duplicate by its id.

The data carry what any subscriber of the province may know: dossier codes, statuses, agency
codes, document references, feedback reference codes and categories, times. Never a name, an
identity number, an address, a note or an officer's text. A dossier event carries what its outbox
row recorded then; a feedback or document event shows the report's agency and the document's
reference as they are when read (their outboxes keep no copy).
"""

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection

from tinhso.core.sql import sql
from tinhso.documents.models import DocumentEvent
from tinhso.dossiers.models import DossierEvent, DossierEventKind
from tinhso.events.models import FeedEntry, PrunedHorizon, Source
from tinhso.feedback.models import State as FeedbackState
from tinhso.feedback.models import StateChange

TYPE_PREFIX = "vn.gov.tinhso."
MAX_LIMIT = 500
CURSOR_PATTERN = re.compile(r"^(\d{1,18})\.(\d{1,18})$")

# Every event type the feed publishes, for the subscription forms and the API's documentation.
EVENT_TYPES = (
    [f"{TYPE_PREFIX}dossier.status_changed", f"{TYPE_PREFIX}dossier.paid"]
    + [f"{TYPE_PREFIX}document.{kind}" for kind in DocumentEvent.Kind.values]
    + [f"{TYPE_PREFIX}feedback.{state}" for state in FeedbackState.values]
)

FEED_SQL = {
    "postgresql": sql(
        "SELECT {e.id}, {e.txid}, {e.source}, {e.source_id} FROM {e} WHERE ({e.txid}, {e.id}) > (%s, %s)"
        " AND {e.txid} < ("
        # The oldest transaction running at the reader's snapshot, leaving out those known to run
        # in another database of the cluster (they never write this feed; left in, another
        # database's long transactions would hold the feed back). A transaction of another
        # database that ended before pg_stat_activity is read stays in: it only delays.
        "  SELECT LEAST(pg_snapshot_xmax(snap)::text::bigint, ("
        "    SELECT min(running::text::bigint) FROM pg_snapshot_xip(snap) AS running"
        "    WHERE (running::text::bigint & 4294967295) NOT IN ("
        "      SELECT backend_xid::text::bigint FROM pg_stat_activity"
        "      WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database())))"
        "  FROM (SELECT pg_current_snapshot() AS snap) AS s)"
        " ORDER BY {e.txid}, {e.id} LIMIT %s",
        e=FeedEntry,
    ),
    "sqlite": sql(
        "SELECT {e.id}, {e.txid}, {e.source}, {e.source_id} FROM {e} WHERE ({e.txid}, {e.id}) > (%s, %s)"
        " ORDER BY {e.txid}, {e.id} LIMIT %s",
        e=FeedEntry,
    ),
}


# Source row id -> (the agency concerned, the CloudEvent).
Rendered = dict[int, tuple[str | None, dict[str, Any]]]


class CursorExpired(ValueError):
    """Events after the cursor were deleted by the retention schedule: the reader missed them."""


class BadCursor(ValueError):
    """The cursor is not one the feed gave out."""


@dataclasses.dataclass(frozen=True, order=True)
class Cursor:
    txid: int = 0
    entry_id: int = 0

    def __str__(self) -> str:
        return f"{self.txid}.{self.entry_id}"

    @classmethod
    def parse(cls, text: str | None) -> "Cursor":
        """The cursor ``text`` names; empty: the start of the feed."""
        if not text:
            return cls()
        match = CURSOR_PATTERN.match(text)
        if match is None:
            raise BadCursor(text)
        return cls(int(match[1]), int(match[2]))


@dataclasses.dataclass(frozen=True)
class Event:
    """A rendered event: its cursor, the agency it concerns (for filters) and the CloudEvent."""

    entry_id: int
    cursor: Cursor
    agency: str | None
    cloudevent: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.cloudevent["type"])


def entries(after: Cursor, limit: int) -> list[tuple[int, Cursor, str, int]]:
    """The next ``limit`` finished entries after ``after``: (entry id, cursor, source, source id)."""
    with connection.cursor() as cursor:
        cursor.execute(FEED_SQL[connection.vendor], [after.txid, after.entry_id, limit])
        return [(row[0], Cursor(row[1], row[0]), row[2], row[3]) for row in cursor.fetchall()]


def _cloudevent(source: str, source_id: int, type_: str, subject: str, time: Any, data: dict) -> dict:
    return {
        "specversion": "1.0",
        "id": f"{source}-{source_id}",
        "source": f"urn:tinhso:{settings.PROVINCE_CODE}:{source}",
        "type": TYPE_PREFIX + type_,
        "subject": subject,
        "time": time.isoformat(),
        "datacontenttype": "application/json",
        "data": data,
    }


def _dossiers(ids: list[int]) -> Rendered:
    found: Rendered = {}
    for event in DossierEvent.objects.filter(pk__in=ids).order_by():
        kind = "paid" if event.kind == DossierEventKind.PAID else "status_changed"
        data = {
            "code": event.code,
            "status": event.status,
            "agency": event.agency_code,
            "occurred_at": event.occurred_at.isoformat(),
        }
        found[event.pk] = (
            event.agency_code,
            _cloudevent(Source.DOSSIER, event.pk, f"dossier.{kind}", event.code, event.occurred_at, data),
        )
    return found


def _documents(ids: list[int]) -> Rendered:
    found: Rendered = {}
    events = (
        DocumentEvent.objects.filter(pk__in=ids).select_related("agency", "outgoing", "incoming").order_by()
    )
    for event in events:
        if event.outgoing is not None:
            direction, document_id, reference = "outgoing", event.outgoing_id, event.outgoing.reference
        elif event.incoming is not None:
            direction, document_id, reference = "incoming", event.incoming_id, event.incoming.reference
        else:
            direction, document_id, reference = "", None, ""
        data = {
            "kind": event.kind,
            "agency": event.agency.code,
            "direction": direction,
            "document_id": document_id,
            "reference": reference,
            "status_code": event.status_code,
            "delivery_id": event.delivery_id,
            "occurred_at": event.occurred_at.isoformat(),
        }
        subject = f"{direction}/{document_id}" if direction else f"delivery/{event.delivery_id}"
        found[event.pk] = (
            event.agency.code,
            _cloudevent(
                Source.DOCUMENT, event.pk, f"document.{event.kind}", subject, event.occurred_at, data
            ),
        )
    return found


def _feedback(ids: list[int]) -> Rendered:
    found: Rendered = {}
    changes = (
        StateChange.objects.filter(pk__in=ids)
        .select_related("report__category", "report__assigned_agency")
        .order_by()
    )
    for change in changes:
        report = change.report
        agency = report.assigned_agency.code if report.assigned_agency else None
        data = {
            "code": report.code,
            "state": change.to_state,
            "from_state": change.from_state,
            "category": report.category.service_code,
            "agency": agency,
            "occurred_at": change.at.isoformat(),
        }
        found[change.pk] = (
            agency,
            _cloudevent(
                Source.FEEDBACK, change.pk, f"feedback.{change.to_state}", report.code or "", change.at, data
            ),
        )
    return found


RENDERERS = {Source.DOSSIER: _dossiers, Source.DOCUMENT: _documents, Source.FEEDBACK: _feedback}


def render(rows: Iterable[tuple[int, Cursor, str, int]]) -> list[Event]:
    """The events of ``rows`` (from ``entries``), in their order. An entry whose source row was
    deleted since (a dossier removed at the end of its retention) is left out."""
    rows = list(rows)
    by_source: dict[str, list[int]] = {}
    for _entry_id, _cursor, source, source_id in rows:
        by_source.setdefault(source, []).append(source_id)
    rendered = {source: RENDERERS[Source(source)](ids) for source, ids in by_source.items()}
    events = []
    for entry_id, cursor, source, source_id in rows:
        found = rendered[source].get(source_id)
        if found is not None:
            events.append(Event(entry_id, cursor, found[0], found[1]))
    return events


def read(after: Cursor, limit: int = 100) -> tuple[list[Event], Cursor]:
    """Up to ``limit`` events after ``after`` and the cursor to resume from (``after`` itself
    when there is nothing new); ``CursorExpired`` when the retention schedule deleted events
    after ``after`` (reading from the start, the empty cursor, always works)."""
    if after != Cursor():
        horizon = PrunedHorizon.objects.filter(pk=1).values_list("txid", "entry_id").first()
        if horizon is not None and (after.txid, after.entry_id) < horizon:
            raise CursorExpired(str(Cursor(*horizon)))
    rows = entries(after, max(1, min(limit, MAX_LIMIT)))
    return render(rows), (rows[-1][1] if rows else after)
