"""Keeping the rollups: draining the dossier outbox, and rebuilding from the dossier tables.

The outbox (``dossiers.DossierEvent``) has one ``published_at`` flag, which belongs to the
national-portal sync. This consumer never touches it: it records the ids it has counted in
``ProcessedEvent`` (primary key = event id) and keeps a low-water mark in ``RollupCursor``.
A batch is claimed with ``FOR UPDATE SKIP LOCKED`` (workers share the work) and inserted into
``ProcessedEvent`` with ``ON CONFLICT DO NOTHING``: only the ids this worker inserted are counted,
so no event is counted twice even if two workers read it. ``advance_cursor`` moves the mark
over events counted more than ``CURSOR_LAG`` ago and deletes their ``ProcessedEvent`` rows; an
event whose transaction stays open longer than that could be missed (``--rebuild`` repairs it).

The Decision 766 counters (``models.INDEX_COUNTERS``) depend on more than the event: a signed
result, a payment, the files. Each batch recomputes the ``IndexRow`` of the dossiers it touches
(``index766.index_rows``, the rows locked in key order) and adds the difference to the rollups,
so any later event of a dossier corrects what it counted before.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, Max, Min, OuterRef
from django.utils import timezone

from tinhso.core.sql import sql
from tinhso.dossiers.models import (
    Attachment,
    Dossier,
    DossierEvent,
    DossierEventKind,
    DossierStatusChange,
    DueTimeChange,
    DueTimeChangeKind,
    SupplementRequest,
)
from tinhso.dossiers.status import Status
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.procedures.models import Fee, OnlineLevel, Procedure
from tinhso.signing.models import SignedDocument
from tinhso.statistics.index766 import contributions, index_rows
from tinhso.statistics.models import (
    COUNTERS,
    INDEX_COUNTERS,
    AgencyDailyRollup,
    AgencyMonthlyRollup,
    DailyRollup,
    IndexRow,
    MonthlyRollup,
    ProcessedEvent,
    ProvinceDailyRollup,
    ProvinceMonthlyRollup,
    RollupCursor,
)
from tinhso.workflows.actions import classify_result

CURSOR_LAG = datetime.timedelta(hours=1)
# A withdrawal (7) is only the applicant's request: the dossier closes when it is stopped (8),
# counted as withdrawn when the stop granted that request.
CLOSING = {Status.FINISHED, Status.STOPPED}
ROLLUPS = (
    DailyRollup,
    MonthlyRollup,
    AgencyDailyRollup,
    AgencyMonthlyRollup,
    ProvinceDailyRollup,
    ProvinceMonthlyRollup,
)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _cursor_row(lock: str) -> RollupCursor:
    """The cursor row, locked ``share`` by drainers and ``update`` by ``advance_cursor``."""
    RollupCursor.objects.get_or_create(pk=1)
    if _postgres():
        with connection.cursor() as cursor:
            cursor.execute(
                sql("SELECT {c.low_water} FROM {c} WHERE {c.id} = 1 FOR {lock}", c=RollupCursor, lock=lock)
            )
            return RollupCursor(pk=1, low_water=cursor.fetchone()[0])
    return RollupCursor.objects.get(pk=1)


CLAIM_SQL = sql(
    "SELECT e.{e.id} FROM {e} e WHERE e.{e.id} > %s AND NOT EXISTS "
    "(SELECT 1 FROM {p} p WHERE p.{p.event_id} = e.{e.id}) ORDER BY e.{e.id} LIMIT %s",
    e=DossierEvent,
    p=ProcessedEvent,
)
CLAIMED_SQL = sql(
    "INSERT INTO {p} ({p.event_id}, {p.processed_at}) SELECT unnest(%s::bigint[]), %s "
    "ON CONFLICT ({p.event_id}) DO NOTHING RETURNING {p.event_id}",
    p=ProcessedEvent,
)
CLAIMED_ONE_SQL = sql(
    "INSERT INTO {p} ({p.event_id}, {p.processed_at}) VALUES (%s, %s) ON CONFLICT ({p.event_id}) DO NOTHING",
    p=ProcessedEvent,
)


def _claim(low_water: int, batch: int) -> list[int]:
    """Ids of uncounted events this worker now owns (locked, and marked as counted)."""
    with connection.cursor() as cursor:
        cursor.execute(
            CLAIM_SQL + (" FOR UPDATE OF e SKIP LOCKED" if _postgres() else ""), [low_water, batch]
        )
        ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return []
        now = timezone.now()
        if _postgres():
            cursor.execute(CLAIMED_SQL, [ids, now])
            return sorted(row[0] for row in cursor.fetchall())
        claimed = []
        for event_id in ids:
            cursor.execute(CLAIMED_ONE_SQL, [event_id, now])
            if cursor.rowcount:
                claimed.append(event_id)
        return claimed


def _contributions(event_ids: list[int]) -> dict:
    """{(day, agency_id, procedure_id, channel): {counter: n}} for the given events."""
    events = list(
        DossierEvent.objects.filter(pk__in=event_ids).select_related("dossier", "dossier__procedure")
    )
    dossier_ids = {event.dossier_id for event in events}
    first_acceptance = dict(
        DossierEvent.objects.filter(
            dossier_id__in=dossier_ids, kind=DossierEventKind.STATUS, status=Status.ACCEPTED
        )
        .values("dossier_id")
        .annotate(first=Min("id"))
        .values_list("dossier_id", "first")
    )
    first_upload = dict(
        Attachment.objects.filter(dossier_id__in=dossier_ids)
        .values("dossier_id")
        .annotate(first=Min("uploaded_at"))
        .values_list("dossier_id", "first")
    )
    due_before_stop = dict(
        DueTimeChange.objects.filter(dossier_id__in=dossier_ids, kind=DueTimeChangeKind.STOP)
        .order_by("dossier_id", "pk")
        .values_list("dossier_id", "old_due_at")
    )
    withdrawn = set(
        DossierStatusChange.objects.filter(
            dossier_id__in=dossier_ids, from_status=Status.WITHDRAWN, to_status=Status.STOPPED
        ).values_list("dossier_id", flat=True)
    )
    paid_online = _paid_online(dossier_ids)
    deltas: dict = defaultdict(lambda: defaultdict(int))
    for event in events:
        dossier = event.dossier
        key = (dossier.receiving_agency_id, dossier.procedure_id, dossier.channel)
        day = timezone.localdate(event.occurred_at)
        accepted_id = first_acceptance.get(dossier.pk)
        counts = deltas[(day, *key)]
        if event.kind == DossierEventKind.PAID:
            counts["fee_paid"] += 1
            counts["paid_online"] += dossier.pk in paid_online
        elif event.status == Status.ACCEPTED and accepted_id == event.pk:
            counts["received"] += 1
            if dossier.procedure.online_level == OnlineLevel.FULL:
                counts["received_full_process"] += 1
                counts["received_full_process_online"] += dossier.channel == "online"
            upload = first_upload.get(dossier.pk)
            counts["digitised"] += upload is not None and upload <= event.occurred_at
        elif event.status == Status.REFUSED:
            counts["refused"] += 1
        elif event.status == Status.RETURNED:
            counts["returned"] += 1
        elif event.status in CLOSING and accepted_id is not None and accepted_id < event.pk:
            due = due_before_stop.get(dossier.pk) if event.status == Status.STOPPED else dossier.due_at
            if event.status == Status.FINISHED:
                counts[f"resolved_{classify_result(event.occurred_at, due)}"] += 1
            else:
                counts["withdrawn" if dossier.pk in withdrawn else "stopped"] += 1
            if due is not None and event.occurred_at > due:
                counts["closed_late"] += 1
                deltas[(timezone.localdate(due), *key)]["overdue_from"] += 1
    return deltas


def _paid_online(dossier_ids) -> set[int]:
    return set(
        Payment.objects.filter(dossier_id__in=dossier_ids, status=PaymentStatus.PAID).values_list(
            "dossier_id", flat=True
        )
    )


def _coarser(deltas: dict, monthly: bool, by_procedure: bool, by_agency: bool = True) -> dict:
    """``deltas`` added up by month (``monthly``) and/or over all procedures, all agencies."""
    coarse: dict = defaultdict(lambda: defaultdict(int))
    for (day, agency, procedure, channel), counts in deltas.items():
        key = (
            day.replace(day=1) if monthly else day,
            *([agency] if by_agency else []),
            *([procedure] if by_procedure else []),
            channel,
        )
        for name, value in counts.items():
            coarse[key][name] += value
    return coarse


def _upsert(deltas: dict, daily_only: bool = False) -> None:
    """Add ``deltas`` to the daily and monthly rows, with and without the procedure (only to the
    daily rows by procedure with ``daily_only``), in key order (no deadlock between workers)."""
    fine, coarse = "day, agency_id, procedure_id, channel", "day, agency_id, channel"
    tables = (
        (DailyRollup, fine, deltas),
        (MonthlyRollup, fine, _coarser(deltas, monthly=True, by_procedure=True)),
        (AgencyDailyRollup, coarse, _coarser(deltas, monthly=False, by_procedure=False)),
        (AgencyMonthlyRollup, coarse, _coarser(deltas, monthly=True, by_procedure=False)),
        (ProvinceDailyRollup, "day, channel", _coarser(deltas, False, by_procedure=False, by_agency=False)),
        (ProvinceMonthlyRollup, "day, channel", _coarser(deltas, True, by_procedure=False, by_agency=False)),
    )
    columns = ", ".join(COUNTERS)
    updates = ", ".join(f"{name} = {{table}}.{name} + excluded.{name}" for name in COUNTERS)
    with connection.cursor() as cursor:
        for model, key_columns, rows in tables[:1] if daily_only else tables:
            table = model._meta.db_table
            placeholders = ", ".join(["%s"] * (key_columns.count(",") + 1 + len(COUNTERS)))
            sql = (
                f"INSERT INTO {table} ({key_columns}, {columns}) "  # noqa: S608
                f"VALUES ({placeholders}) ON CONFLICT ({key_columns}) "
                f"DO UPDATE SET {updates.format(table=table)}"
            )
            cursor.executemany(
                sql,
                [
                    [*key, *(int(counts.get(name, 0)) for name in COUNTERS)]
                    for key, counts in sorted(rows.items())
                ],
            )


def apply_pending_events(batch: int = 1000) -> int:
    """Count up to ``batch`` outbox events not counted yet, in one transaction; returns how many.
    Safe with several workers at once."""
    with transaction.atomic():
        low_water = _cursor_row("SHARE").low_water
        event_ids = _claim(low_water, batch)
        if event_ids:
            deltas = _contributions(event_ids)
            dossier_ids = DossierEvent.objects.filter(pk__in=event_ids).values_list("dossier_id", flat=True)
            _add(deltas, _index_deltas(set(dossier_ids)))
            _upsert(deltas)
    return len(event_ids)


def _add(deltas: dict, more: dict, sign: int = 1) -> None:
    for key, counts in more.items():
        for name, value in counts.items():
            deltas[key][name] += sign * value


def _index_deltas(dossier_ids: set[int]) -> dict:
    """What the index counters change by since the dossiers' ``IndexRow`` were last computed;
    the rows are replaced by the new ones (locked first, in key order, so that two workers
    counting events of the same dossier take turns)."""
    IndexRow.objects.bulk_create(
        [IndexRow(dossier_id=pk) for pk in sorted(dossier_ids)], ignore_conflicts=True
    )
    old = list(IndexRow.objects.select_for_update().filter(pk__in=dossier_ids).order_by("pk"))
    new = index_rows(dossier_ids)
    deltas: dict = defaultdict(lambda: defaultdict(int))
    for row in old:
        _add(deltas, contributions(row), -1)
    for row in new:
        _add(deltas, contributions(row))
    IndexRow.objects.filter(pk__in=dossier_ids).delete()
    IndexRow.objects.bulk_create(new)
    return deltas


# The index rows of the dossiers the simple rules of 766 item 2.1 decide (no supplement during
# processing): set-based, as ``index766.index_rows`` computes them; the others go through it.
INDEX_ROWS_SQL = """
INSERT INTO {IndexRow} (dossier_id, agency_id, procedure_id, channel, received_day, closed_day,
    finished_day, digitised, full_process, full_process_online, fee_due, paid_online, any_fee,
    closed_on_time, has_result, e_result, finished_seconds)
SELECT d.id, d.receiving_agency_id, d.procedure_id, d.channel,
       (d.received_at AT TIME ZONE %(tz)s)::date,
       (COALESCE(d.finished_at, d.stopped_at) AT TIME ZONE %(tz)s)::date,
       (d.finished_at AT TIME ZONE %(tz)s)::date,
       d.has_files AND (d.finished_at IS NULL OR d.e_result),
       d.online_level = 'full',
       d.online_level = 'full' AND d.channel = 'online' AND (d.finished_at IS NULL OR d.e_result),
       d.paid_at IS NOT NULL OR d.fixed_fee,
       d.paid_online, d.any_fee,
       COALESCE(d.finished_at, d.stopped_at) IS NOT NULL
           AND (d.due IS NULL OR COALESCE(d.finished_at, d.stopped_at) <= d.due),
       COALESCE(d.result_type, '') <> '', d.e_result,
       COALESCE(trunc(extract(epoch FROM d.finished_at - d.received_at)), 0)::bigint
FROM (
    SELECT d.*, p.online_level, p.result_type,
        CASE WHEN d.status IN (3, 8) THEN (SELECT max(s.at) FROM {DossierStatusChange} s
             WHERE s.dossier_id = d.id AND s.to_status IN (3, 8)) END AS stopped_at,
        CASE WHEN d.status = 8 AND EXISTS (SELECT 1 FROM {DueTimeChange} t WHERE t.dossier_id = d.id
                  AND t.kind = 'stop' AND t.at >= d.received_at)
             THEN (SELECT t.old_due_at FROM {DueTimeChange} t WHERE t.dossier_id = d.id
                  AND t.kind = 'stop' AND t.at >= d.received_at ORDER BY t.at, t.id LIMIT 1)
             ELSE d.due_at END AS due,
        EXISTS (SELECT 1 FROM {Payment} y WHERE y.dossier_id = d.id AND y.status = 'paid') AS paid_online,
        EXISTS (SELECT 1 FROM {SignedDocument} g WHERE g.dossier_id = d.id) AS e_result,
        EXISTS (SELECT 1 FROM {Attachment} a WHERE a.dossier_id = d.id) AS has_files,
        EXISTS (SELECT 1 FROM {Fee} f WHERE f.procedure_id = d.procedure_id AND f.amount > 0
                AND f.kind <> 'by_option') AS fixed_fee,
        EXISTS (SELECT 1 FROM {Fee} f WHERE f.procedure_id = d.procedure_id
                AND (f.amount > 0 OR f.kind = 'by_option')) AS any_fee
    FROM {Dossier} d JOIN {Procedure} p ON p.id = d.procedure_id
    WHERE NOT d.is_draft AND d.received_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM {SupplementRequest} r WHERE r.dossier_id = d.id AND r.from_status <> 1)
      AND NOT EXISTS (SELECT 1 FROM {DueTimeChange} t WHERE t.dossier_id = d.id AND t.kind = 'supplement'
                      AND t.at >= d.received_at)
) d
"""
# What the index rows add to the daily rollups by procedure, on their three days.
INDEX_ROLLUP_SQL = """
INSERT INTO {DailyRollup} (day, agency_id, procedure_id, channel, {columns})
SELECT day, agency_id, procedure_id, channel, {sums} FROM (
    SELECT received_day AS day, agency_id, procedure_id, channel, 1 AS idx_received,
           digitised::int AS idx_digitised, full_process::int AS idx_full_process,
           full_process_online::int AS idx_full_process_online, fee_due::int AS idx_fee_due,
           (fee_due AND paid_online)::int AS idx_paid_online, any_fee::int AS idx_any_fee,
           (any_fee AND paid_online)::int AS idx_any_fee_paid_online, 0 AS idx_closed,
           0 AS idx_closed_on_time, 0 AS idx_result, 0 AS idx_e_result, 0 AS idx_finished,
           0::bigint AS idx_finished_seconds
    FROM {IndexRow} WHERE received_day IS NOT NULL
    UNION ALL
    SELECT closed_day, agency_id, procedure_id, channel, 0, 0, 0, 0, 0, 0, 0, 0, 1,
           closed_on_time::int, 0, 0, 0, 0
    FROM {IndexRow} WHERE closed_day IS NOT NULL
    UNION ALL
    SELECT finished_day, agency_id, procedure_id, channel, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           has_result::int, (has_result AND e_result)::int, 1, finished_seconds
    FROM {IndexRow} WHERE finished_day IS NOT NULL
) parts GROUP BY day, agency_id, procedure_id, channel
ON CONFLICT (day, agency_id, procedure_id, channel) DO UPDATE SET {updates}
"""


def _rebuild_index(batch: int = 2000) -> None:
    """Every received dossier's ``IndexRow`` afresh, added to the daily rollups by procedure
    (PostgreSQL rebuild; the coarser rollups are summed from them afterwards): set-based for the
    dossiers without a supplement request during processing, through ``index_rows`` for those."""
    with connection.cursor() as cursor:
        cursor.execute(
            sql(
                INDEX_ROWS_SQL,
                IndexRow,
                Dossier,
                Procedure,
                DossierStatusChange,
                DueTimeChange,
                Payment,
                SignedDocument,
                Attachment,
                Fee,
                SupplementRequest,
            ),
            {"tz": settings.TIME_ZONE},
        )
    supplemented = (
        Dossier.objects.filter(is_draft=False, received_at__isnull=False)
        .filter(
            Exists(SupplementRequest.objects.filter(dossier=OuterRef("pk")).exclude(from_status=Status.NEW))
            | Exists(
                DueTimeChange.objects.filter(
                    dossier=OuterRef("pk"), kind=DueTimeChangeKind.SUPPLEMENT, at__gte=OuterRef("received_at")
                )
            )
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    last = 0
    while chunk := list(supplemented.filter(pk__gt=last)[:batch]):
        last = chunk[-1]
        IndexRow.objects.bulk_create(index_rows(chunk))
    with connection.cursor() as cursor:
        cursor.execute(
            sql(
                INDEX_ROLLUP_SQL,
                DailyRollup,
                IndexRow,
                columns=", ".join(COUNTERS),
                sums=", ".join(f"sum({name})" if name in INDEX_COUNTERS else "0" for name in COUNTERS),
                updates=", ".join(f"{name} = excluded.{name}" for name in INDEX_COUNTERS),
            )
        )


def drain(batch: int = 1000) -> int:
    """Apply pending events until none is left, then move the low-water mark."""
    total = 0
    while count := apply_pending_events(batch):
        total += count
    advance_cursor()
    return total


def counted_event() -> Exists:
    """Whether the outbox event of the row at hand has been counted: NOT EXISTS, an anti-join
    whatever the size. As ``NOT IN (the counted ids)`` PostgreSQL compares every event with every
    counted id once the ids outgrow ``work_mem`` (about 100,000 events behind, after an outage or
    an import): hours instead of a fraction of a second."""
    return Exists(ProcessedEvent.objects.filter(event_id=OuterRef("pk")))


def advance_cursor(lag: datetime.timedelta = CURSOR_LAG) -> int:
    """Move the low-water mark over the contiguous run of events counted more than ``lag`` ago
    (an event still being written then would have a transaction open for ``lag``) and forget
    their ``ProcessedEvent`` rows. Returns the new mark."""
    with transaction.atomic():
        cursor_row = _cursor_row("UPDATE")
        low_water = cursor_row.low_water
        uncounted = (
            DossierEvent.objects.filter(pk__gt=low_water)
            .filter(~counted_event())
            .aggregate(first=Min("pk"))["first"]
        )
        counted = ProcessedEvent.objects.filter(event_id__gt=low_water, processed_at__lt=timezone.now() - lag)
        if uncounted is not None:
            counted = counted.filter(event_id__lt=uncounted)
        new_mark = counted.aggregate(last=Max("event_id"))["last"]
        if new_mark is None:
            return low_water
        RollupCursor.objects.filter(pk=1).update(low_water=new_mark)
        ProcessedEvent.objects.filter(event_id__lte=new_mark).delete()
    return new_mark


# The set-based rebuild (PostgreSQL only): one statement over the dossier tables instead of the
# outbox counted event by event. Table names come from the models (``sql``); the columns are the
# fields' own names (no ``db_column``), which ``test_plain_sql_columns_are_the_field_names`` holds to.
REBUILD_SQL = """
WITH d AS (
    SELECT d.id, d.receiving_agency_id AS agency, d.procedure_id AS proc, d.channel, d.status,
           d.received_at, d.finished_at, d.returned_at, d.paid_at,
           (p.online_level = 'full') AS full_process,
           CASE WHEN d.status = 8 THEN (SELECT t.old_due_at FROM {DueTimeChange} t
                WHERE t.dossier_id = d.id AND t.kind = 'stop' ORDER BY t.id LIMIT 1)
                ELSE d.due_at END AS due,
           CASE WHEN d.status IN (3, 8) THEN COALESCE((SELECT max(s.at)
                FROM {DossierStatusChange} s WHERE s.dossier_id = d.id AND s.to_status = d.status),
                d.updated_at) END AS ended_at,
           (d.status = 8 AND EXISTS (SELECT 1 FROM {DossierStatusChange} s
                WHERE s.dossier_id = d.id AND s.from_status = 7 AND s.to_status = 8)) AS withdrawn
    FROM {Dossier} d JOIN {Procedure} p ON p.id = d.procedure_id
    WHERE NOT d.is_draft
), closed AS (
    SELECT d.*, COALESCE(d.finished_at, d.ended_at) AS closed_at FROM d
    WHERE d.received_at IS NOT NULL AND (d.finished_at IS NOT NULL OR d.status = 8)
), parts AS (
    SELECT (received_at AT TIME ZONE %(tz)s)::date AS day, agency, proc, channel,
           1 AS received, full_process::int AS received_full_process,
           (full_process AND channel = 'online')::int AS received_full_process_online,
           (EXISTS (SELECT 1 FROM {Attachment} a
                    WHERE a.dossier_id = d.id AND a.uploaded_at <= d.received_at))::int AS digitised,
           0 AS resolved_early, 0 AS resolved_on_time, 0 AS resolved_late, 0 AS withdrawn,
           0 AS stopped, 0 AS refused, 0 AS returned, 0 AS fee_paid, 0 AS paid_online,
           0 AS closed_late, 0 AS overdue_from
    FROM d WHERE received_at IS NOT NULL
    UNION ALL
    SELECT (paid_at AT TIME ZONE %(tz)s)::date, agency, proc, channel, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
           (EXISTS (SELECT 1 FROM {Payment} y WHERE y.dossier_id = d.id AND y.status = 'paid'))::int,
           0, 0
    FROM d WHERE paid_at IS NOT NULL
    UNION ALL
    SELECT (closed_at AT TIME ZONE %(tz)s)::date, agency, proc, channel, 0, 0, 0, 0,
           (finished_at IS NOT NULL AND due IS NOT NULL AND finished_at <= due
            AND (finished_at AT TIME ZONE %(tz)s)::date < (due AT TIME ZONE %(tz)s)::date)::int,
           (finished_at IS NOT NULL AND (due IS NULL OR (finished_at <= due
            AND (finished_at AT TIME ZONE %(tz)s)::date >= (due AT TIME ZONE %(tz)s)::date)))::int,
           COALESCE(finished_at IS NOT NULL AND finished_at > due, false)::int,
           (finished_at IS NULL AND withdrawn)::int, (finished_at IS NULL AND NOT withdrawn)::int, 0, 0,
           0, 0, COALESCE(closed_at > due, false)::int, 0
    FROM closed
    UNION ALL
    SELECT (due AT TIME ZONE %(tz)s)::date, agency, proc, channel,
           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    FROM closed WHERE closed_at > due
    UNION ALL
    SELECT (ended_at AT TIME ZONE %(tz)s)::date, agency, proc, channel,
           0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0
    FROM d WHERE status = 3
    UNION ALL
    SELECT (returned_at AT TIME ZONE %(tz)s)::date, agency, proc, channel,
           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0
    FROM d WHERE returned_at IS NOT NULL
)
INSERT INTO {DailyRollup} (day, agency_id, procedure_id, channel, {columns})
SELECT day, agency, proc, channel, {sums} FROM parts GROUP BY day, agency, proc, channel
"""

COARSER_SQL = (
    """
INSERT INTO {MonthlyRollup} (day, agency_id, procedure_id, channel, {columns})
SELECT date_trunc('month', day)::date, agency_id, procedure_id, channel, {sums}
FROM {DailyRollup} GROUP BY 1, agency_id, procedure_id, channel
""",
    """
INSERT INTO {AgencyDailyRollup} (day, agency_id, channel, {columns})
SELECT day, agency_id, channel, {sums} FROM {DailyRollup} GROUP BY day, agency_id, channel
""",
    """
INSERT INTO {AgencyMonthlyRollup} (day, agency_id, channel, {columns})
SELECT date_trunc('month', day)::date, agency_id, channel, {sums}
FROM {AgencyDailyRollup} GROUP BY 1, agency_id, channel
""",
    """
INSERT INTO {ProvinceDailyRollup} (day, channel, {columns})
SELECT day, channel, {sums} FROM {AgencyDailyRollup} GROUP BY day, channel
""",
    """
INSERT INTO {ProvinceMonthlyRollup} (day, channel, {columns})
SELECT day, channel, {sums} FROM {AgencyMonthlyRollup} GROUP BY day, channel
""",
)


def rebuild() -> None:
    """Recompute every rollup from the dossier tables. On PostgreSQL this is set-based SQL;
    elsewhere (the SQLite demo) the whole outbox is counted again."""
    with transaction.atomic():
        _cursor_row("UPDATE")
        for model in ROLLUPS:
            model.objects.all().delete()
        ProcessedEvent.objects.all().delete()
        IndexRow.objects.all().delete()
        last_event = DossierEvent.objects.aggregate(last=Max("pk"))["last"] or 0
        if not _postgres():
            RollupCursor.objects.filter(pk=1).update(low_water=0)
        else:
            base = [name for name in COUNTERS if name not in INDEX_COUNTERS]
            columns, sums = ", ".join(base), ", ".join(f"sum({name})" for name in base)
            with connection.cursor() as cursor:
                tables = (
                    Dossier,
                    DossierStatusChange,
                    DueTimeChange,
                    Procedure,
                    Attachment,
                    Payment,
                    *ROLLUPS,
                )
                cursor.execute(
                    sql(REBUILD_SQL, *tables, columns=columns, sums=sums), {"tz": settings.TIME_ZONE}
                )
            _rebuild_index()
            columns = ", ".join(COUNTERS)
            sums = ", ".join(f"sum({name})" for name in COUNTERS)
            with connection.cursor() as cursor:
                for statement in COARSER_SQL:
                    cursor.execute(sql(statement, *ROLLUPS, columns=columns, sums=sums))
            RollupCursor.objects.filter(pk=1).update(low_water=last_event)
    if not _postgres():
        drain()
