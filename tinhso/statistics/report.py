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

from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from tinhso.agencies.models import Agency
from tinhso.dossiers.models import Channel, Dossier, DossierRating
from tinhso.dossiers.status import Status
from tinhso.statistics.models import (
    COUNTERS,
    AgencyDailyRollup,
    AgencyMonthlyRollup,
    DailyRollup,
    MonthlyRollup,
)

OPEN = (Status.ACCEPTED, Status.PROCESSING, Status.SUPPLEMENT, Status.PAYMENT)
SATISFIED_STARS = 4


def _month_after(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _sum(scope: Q, first: datetime.date | None, last: datetime.date, by_procedure: bool) -> dict:
    """Counters summed over the days ``first``–``last`` (``first`` None: since the beginning),
    per channel: whole months from the monthly rollup, the rest from the daily one; from the
    rollups by procedure when ``scope`` filters on it (``by_procedure``), else by agency."""
    daily_rollup, monthly_rollup = (
        (DailyRollup, MonthlyRollup) if by_procedure else (AgencyDailyRollup, AgencyMonthlyRollup)
    )
    months_from = first if first is None or first.day == 1 else _month_after(first)
    months_to = (
        _month_after(last) if _month_after(last) - datetime.timedelta(days=1) == last else last.replace(day=1)
    )
    queries = []
    if months_from is None or months_from < months_to:
        monthly = Q(day__lt=months_to) & (Q() if months_from is None else Q(day__gte=months_from))
        queries.append(monthly_rollup.objects.filter(scope & monthly))
        daily = Q(day__gte=months_to, day__lte=last)
        if months_from is not None:
            daily |= Q(day__gte=first, day__lt=months_from)
    else:
        daily = Q(day__gte=first, day__lte=last)
    queries.append(daily_rollup.objects.filter(scope & daily))
    totals: dict = defaultdict(lambda: defaultdict(int))
    for query in queries:
        for row in query.values("channel").annotate(**{name: Sum(name) for name in COUNTERS}):
            for name in COUNTERS:
                totals[row["channel"]][name] += row[name] or 0
    return totals


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


def satisfaction(dossiers, date_from: datetime.date, date_to: datetime.date) -> dict:
    """The ratings given from ``date_from`` to ``date_to`` (local days) on ``dossiers``: how many,
    the share (%) of 4–5 stars and the average number of stars (None without ratings)."""
    ratings = DossierRating.objects.filter(
        dossier__in=dossiers,
        rated_at__gte=_start_of(date_from),
        rated_at__lt=_start_of(date_to + datetime.timedelta(days=1)),
    ).aggregate(
        count=Count("pk"), satisfied=Count("pk", filter=Q(stars__gte=SATISFIED_STARS)), average=Avg("stars")
    )
    average = ratings["average"]
    return {
        "ratings": ratings["count"],
        "satisfied": _rate(ratings["satisfied"], ratings["count"]),
        "average_stars": round(float(average), 2) if average is not None else None,
    }


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
    scope = Q()
    in_scope = Dossier.objects.all()
    if agency is not None:
        if include_children:
            scope &= Q(agency__path__startswith=agency.path)
            in_scope = in_scope.filter(receiving_agency__path__startswith=agency.path)
        else:
            scope &= Q(agency=agency)
            in_scope = in_scope.filter(receiving_agency=agency)
    if procedure is not None:
        scope &= Q(procedure=procedure)
        in_scope = in_scope.filter(procedure=procedure)
    elif field is not None:
        scope &= Q(procedure__field=field)
        in_scope = in_scope.filter(procedure__field=field)
    dossiers = in_scope.filter(status__in=OPEN, received_at__isnull=False)

    by_procedure = procedure is not None or field is not None
    before = _sum(scope, None, date_from - datetime.timedelta(days=1), by_procedure)
    period = _sum(scope, date_from, date_to, by_procedure)
    carried_over = _total(before, "received") - _closed(before)
    received = _total(period, "received")
    in_progress = carried_over + received - _closed(period)
    if date_to >= today:
        overdue = dossiers.filter(due_at__lt=timezone.now()).count()
    else:
        end = _start_of(date_to + datetime.timedelta(days=1))
        overdue = (
            dossiers.filter(due_at__lt=end).count()
            + _total(before, "overdue_from")
            + _total(period, "overdue_from")
            - _total(before, "closed_late")
            - _total(period, "closed_late")
        )
    early, on_time, late = (_total(period, f"resolved_{name}") for name in ("early", "on_time", "late"))
    resolved = early + on_time + late
    by_channel = {channel: period[channel]["received"] for channel in Channel.values}
    full_process = _total(period, "received_full_process")
    rated = satisfaction(in_scope, date_from, date_to)
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
    }
