"""The standard one-stop report (Decree 118/2025/NĐ-CP, columns of the Circular 01/2018/TT-VPCP
report) and the Decision 766/QĐ-TTg indicators the data allows, read from the rollups.

Definitions (a "received" dossier is one accepted for processing, status 2; the period is
``date_from``–``date_to`` inclusive, local days):

- carried over: received before ``date_from`` and not closed (finished, withdrawn or stopped)
  before it; newly received: received in the period, by channel;
- resolved: finished (status 9) in the period: early (on a day before the due day), on time,
  late (after the due time);
- in progress: carried over + newly received − closed in the period; of them overdue: still
  open at the end of the period with a due time before it. For a period ending today or later
  "now" is the end: open dossiers past their due time now. For a past period: open dossiers
  whose current due time is before the end, plus dossiers closed late after the end that were
  due before it (the ``overdue_from`` and ``closed_late`` counters). A due time moved later
  (extension, supplement) after the end is taken as it is now;
- average days to resolve: the mean of (result time − reception time), in calendar days (to the
  second), over the received dossiers finished in the period (the "resolved" list), from the
  rollups' ``idx_finished`` and ``idx_finished_seconds``;
- on-time rate: (early + on time) / resolved; online rate: online / newly received;
  full-process online rate: received online / received, for full-process online procedures;
- satisfaction (Decision 766/QĐ-TTg, criterion "mức độ hài lòng": the rate of satisfied people
  in receiving and resolving procedures): of the ratings applicants gave in the period (by
  ``rated_at``, 1–5 stars, one per dossier, in scope by the dossier's receiving agency and
  procedure), the share of 4 or 5 stars ("satisfied" or "very satisfied"), with the average
  number of stars and how many ratings there were. None when nobody rated.
"""

import datetime
from collections import defaultdict

from django.db import connection
from django.utils import timezone

from tinhso.agencies.models import Agency
from tinhso.core.sql import sql
from tinhso.dossiers.models import Channel, Dossier, DossierRating
from tinhso.dossiers.status import Status
from tinhso.procedures.models import Procedure
from tinhso.statistics.models import (
    COUNTERS,
    AgencyDailyRollup,
    AgencyMonthlyRollup,
    DailyRollup,
    MonthlyRollup,
    ProvinceDailyRollup,
    ProvinceMonthlyRollup,
)

# A dossier whose applicant asked to withdraw it (7) stays open until the request is decided.
OPEN = (Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT, Status.PAYMENT, Status.WITHDRAWN)
SATISFIED_STARS = 4


def _month_after(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _spans(first: datetime.date | None, last: datetime.date) -> tuple[list, list]:
    """The days ``first``–``last`` (``first`` None: since the beginning) as whole months (read
    from the monthly rollup) and the remaining days (from the daily one): two lists of
    ``(from, to_exclusive)`` ranges, None meaning unbounded."""
    months_from = first if first is None or first.day == 1 else _month_after(first)
    end = last + datetime.timedelta(days=1)
    months_to = end if end.day == 1 else last.replace(day=1)
    if months_from is not None and months_from >= months_to:
        return [], [(first, end)]
    days = [(months_to, end)] + ([(first, months_from)] if months_from is not None else [])
    return [(months_from, months_to)], days


def _scope_sql(agency, include_children: bool, field, procedure, agency_column="agency_id"):
    """The report's scope as a condition on a rollup row (or, with ``receiving_agency_id``, on a
    dossier), with its parameters."""
    conditions, params = ["TRUE"], []
    if agency is not None and include_children:
        conditions.append(
            sql("{column} IN (SELECT {a.id} FROM {a} WHERE {a.path} LIKE %s)", a=Agency, column=agency_column)
        )
        params.append(agency.path + "%")  # paths are digits and slashes
    elif agency is not None:
        conditions.append(f"{agency_column} = %s")
        params.append(agency.pk)
    if procedure is not None:
        conditions.append("procedure_id = %s")
        params.append(procedure.pk)
    elif field is not None:
        conditions.append(sql("procedure_id IN (SELECT {p.id} FROM {p} WHERE {p.field} = %s)", p=Procedure))
        params.append(field.pk)
    return " AND ".join(conditions), params


def _sums(scope: tuple[str, list], date_from: datetime.date, date_to: datetime.date, rollups: tuple):
    """Counters per channel before ``date_from`` (since the beginning) and over
    ``date_from``–``date_to``, in one statement: whole months from the monthly rollup, the other
    days from the daily one (``rollups``: the monthly and the daily model)."""
    monthly, daily = rollups
    condition, scope_params = scope
    columns = ", ".join(COUNTERS)
    branches, params = [], []
    for part, (first, last) in (
        ("before", (None, date_from - datetime.timedelta(days=1))),
        ("period", (date_from, date_to)),
    ):
        for model, ranges in zip((monthly, daily), _spans(first, last), strict=True):
            for low, high in ranges:
                days = ("day >= %s AND " if low is not None else "") + "day < %s"
                branches.append(
                    f"SELECT '{part}' AS part, channel, {columns} "  # noqa: S608 - names from COUNTERS
                    f"FROM {model._meta.db_table} WHERE {condition} AND {days}"
                )
                params += [*scope_params, *([low] if low is not None else []), high]
    sums = ", ".join(f"COALESCE(SUM({name}), 0)" for name in COUNTERS)
    totals: dict = {
        "before": defaultdict(lambda: defaultdict(int)),
        "period": defaultdict(lambda: defaultdict(int)),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT part, channel, {sums} FROM ({' UNION ALL '.join(branches)}) AS spans "  # noqa: S608
            "GROUP BY part, channel",
            params,
        )
        for part, channel, *values in cursor.fetchall():
            totals[part][channel] = defaultdict(int, zip(COUNTERS, values, strict=True))
    return totals["before"], totals["period"]


def _total(per_channel: dict, name: str) -> int:
    return sum(counts[name] for counts in per_channel.values())


def _closed(per_channel: dict) -> int:
    return sum(
        _total(per_channel, name)
        for name in ("resolved_early", "resolved_on_time", "resolved_late", "withdrawn", "stopped")
    )


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _open_and_rated(
    scope: tuple[str, list],
    overdue_before: datetime.datetime,
    date_from: datetime.date,
    date_to: datetime.date,
) -> tuple[int, dict]:
    """In one statement: the dossiers in ``scope`` still open (received, not closed) with a due
    time before ``overdue_before``; and the ratings given from ``date_from`` to ``date_to``
    (local days) on dossiers in ``scope``: how many, the share (%) of 4–5 stars and the average
    number of stars (None without ratings)."""
    condition, params = scope
    open_statuses = ", ".join(str(int(status)) for status in OPEN)
    rated_dossiers = (
        ""
        if condition == "TRUE"
        else sql(
            " AND {r.dossier} IN (SELECT {d.id} FROM {d} WHERE {condition})",
            r=DossierRating,
            d=Dossier,
            condition=condition,
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql(
                "SELECT (SELECT COUNT(*) FROM {d} WHERE {condition} AND {d.received_at} IS NOT NULL "
                "AND {d.status} IN ({open_statuses}) AND {d.due_at} < %s), COUNT(*), "
                "COALESCE(SUM(CASE WHEN {r.stars} >= {satisfied} THEN 1 ELSE 0 END), 0), AVG({r.stars}) "
                "FROM {r} WHERE {r.rated_at} >= %s AND {r.rated_at} < %s{rated_dossiers}",
                d=Dossier,
                r=DossierRating,
                condition=condition,
                open_statuses=open_statuses,
                satisfied=SATISFIED_STARS,
                rated_dossiers=rated_dossiers,
            ),
            [
                *params,
                overdue_before,
                _start_of(date_from),
                _start_of(date_to + datetime.timedelta(days=1)),
                *(params if rated_dossiers else []),
            ],
        )
        overdue, ratings, satisfied, average = cursor.fetchone()
    return overdue, {
        "ratings": ratings,
        "satisfied": _rate(satisfied, ratings),
        "average_stars": round(float(average), 2) if average is not None else None,
    }


def overdue_before(date_to: datetime.date) -> datetime.datetime:
    """The moment "overdue" is judged at for a report ending ``date_to``: now, or the end of a
    period that is over."""
    return (
        _start_of(date_to + datetime.timedelta(days=1)) if date_to < timezone.localdate() else timezone.now()
    )


def received_in(agency: Agency | None, date_from: datetime.date, date_to: datetime.date) -> int:
    """How many dossiers ``agency`` (None: the province), its children included, received from
    ``date_from`` to ``date_to``: the report's "received", read from the same rollups without
    the report's count of open dossiers."""
    rollups = (
        (AgencyMonthlyRollup, AgencyDailyRollup)
        if agency is not None
        else (ProvinceMonthlyRollup, ProvinceDailyRollup)
    )
    _before, period = _sums(_scope_sql(agency, True, None, None), date_from, date_to, rollups)
    return _total(period, "received")


def one_stop_report(
    agency: Agency | None = None,
    include_children: bool = True,
    field=None,
    procedure=None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> dict:
    """The one-stop report for ``agency`` (None: the whole province), with or without its
    children, optionally one field or one procedure, over ``date_from``–``date_to``
    (default: this year to today). Reads rollups, plus one indexed count of open dossiers."""
    today = timezone.localdate()
    date_to = date_to or today
    date_from = date_from or date_to.replace(month=1, day=1)
    # The coarsest rollups that still tell the scope apart.
    if procedure is not None or field is not None:
        rollups = (MonthlyRollup, DailyRollup)
    elif agency is not None:
        rollups = (AgencyMonthlyRollup, AgencyDailyRollup)
    else:
        rollups = (ProvinceMonthlyRollup, ProvinceDailyRollup)
    before, period = _sums(
        _scope_sql(agency, include_children, field, procedure), date_from, date_to, rollups
    )
    carried_over = _total(before, "received") - _closed(before)
    received = _total(period, "received")
    in_progress = carried_over + received - _closed(period)
    past = date_to < today
    open_overdue, rated = _open_and_rated(
        _scope_sql(agency, include_children, field, procedure, agency_column="receiving_agency_id"),
        overdue_before(date_to),
        date_from,
        date_to,
    )
    if not past:
        overdue = open_overdue
    else:
        overdue = (
            open_overdue
            + _total(before, "overdue_from")
            + _total(period, "overdue_from")
            - _total(before, "closed_late")
            - _total(period, "closed_late")
        )
    early, on_time, late = (_total(period, f"resolved_{name}") for name in ("early", "on_time", "late"))
    resolved = early + on_time + late
    by_channel = {channel: period[channel]["received"] for channel in Channel.values}
    full_process = _total(period, "received_full_process")
    finished = _total(period, "idx_finished")
    return {
        "agency": agency,
        "include_children": include_children,
        "field": field,
        "procedure": procedure,
        "date_from": date_from,
        "date_to": date_to,
        "carried_over": carried_over,
        "received": {"total": received, **by_channel},
        "to_process": carried_over + received,
        "resolved": {"total": resolved, "early": early, "on_time": on_time, "late": late},
        "average_days": round(int(_total(period, "idx_finished_seconds")) / finished / 86400, 1)
        if finished
        else None,
        "in_progress": {"total": in_progress, "not_yet_due": in_progress - overdue, "overdue": overdue},
        "withdrawn": _total(period, "withdrawn"),
        "stopped": _total(period, "stopped"),
        "refused": _total(period, "refused"),
        "returned": _total(period, "returned"),
        "rates": {
            "on_time": _rate(early + on_time, resolved),
            "online": _rate(by_channel[Channel.ONLINE], received),
            "full_process_online": _rate(_total(period, "received_full_process_online"), full_process),
        },
        "indicators_766": {
            "processing_progress": _rate(early + on_time, resolved),
            "online_service": _rate(by_channel[Channel.ONLINE], received),
            "online_payment": _rate(_total(period, "paid_online"), _total(period, "fee_paid")),
            "digitisation": _rate(_total(period, "digitised"), received),
            "satisfaction": rated["satisfied"],
        },
        "satisfaction": rated,
        # The parts of the rates, each a figure of ``tinhso.statistics.figures``.
        "counts": {
            "received": received,
            "received_online": by_channel[Channel.ONLINE],
            "full_process": full_process,
            "full_process_online": _total(period, "received_full_process_online"),
            "fee_paid": _total(period, "fee_paid"),
            "paid_online": _total(period, "paid_online"),
            "digitised": _total(period, "digitised"),
        },
    }


MONTHLY_TOTALS = ("received", "received_online", "resolved_early", "resolved_on_time", "resolved_late")


def monthly_totals(
    agency: Agency | None, first: datetime.date, last: datetime.date
) -> dict[datetime.date, dict]:
    """The counters ``MONTHLY_TOTALS`` of each month from ``first``'s to ``last``'s (keyed by the
    1st; months without a row are left out) for ``agency`` and everything under it (None: the
    province), in one statement on the monthly rollup: the same numbers as ``one_stop_report``
    of each month, as the monthly row of the month so far is kept with its daily rows."""
    monthly = ProvinceMonthlyRollup if agency is None else AgencyMonthlyRollup
    condition, params = _scope_sql(agency, True, None, None)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT day, COALESCE(SUM(received), 0), "  # noqa: S608 - the table's name from its model
            "COALESCE(SUM(received) FILTER (WHERE channel = %s), 0), COALESCE(SUM(resolved_early), 0), "
            "COALESCE(SUM(resolved_on_time), 0), COALESCE(SUM(resolved_late), 0) "
            f"FROM {monthly._meta.db_table} WHERE {condition} AND day >= %s AND day <= %s GROUP BY day",
            [Channel.ONLINE, *params, first.replace(day=1), last],
        )
        return {row[0]: dict(zip(MONTHLY_TOTALS, row[1:], strict=True)) for row in cursor.fetchall()}
