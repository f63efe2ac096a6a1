"""The numbers of the leaders' page, for the province or one agency and everything under it.

Public services are the statistics app's definitions: each number is a figure of
``tinhso.statistics.report.one_stop_report`` and opens its list on the statistics pages
(``tinhso.statistics.figures``), which the XLSX export uses too; "due soon" is defined here.
Feedback and documents are counted here on their apps' records, each number being the length of
the list it opens (``feedback_reports``, ``document_records``).

Definitions (``now``: the moment of the computation; "this month": the 1st to today):

- average time to resolve: the one-stop report's (the mean of result time − reception time, in
  calendar days, over the dossiers resolved this month: the statistics' "resolved" list);
- due soon: received dossiers still open (``report.OPEN``) due from now to ``DUE_SOON_DAYS``
  working days later;
- feedback, by the agency the report is assigned to (a report not routed yet counts for the
  province only): new = received this month; open = received, assigned, in progress or reopened;
  overdue = open with a due time before now; answered = answered this month, on time when
  answered by its due time; rated / satisfied = rated this month / with 4 or 5 stars; the
  reports received this month by commune (with the commune's point for the map) and category;
  the categories rising against the same days of last month (levels of ``fb_rising``, as data);
- satisfaction of applicants: the one-stop report's, opening the dossiers rated this month
  (``rated_dossiers``);
- documents, by the agency whose register holds them: incoming not handled = waiting to be
  registered, registered or assigned; overdue handling = assigned with a handling deadline before
  now; failed exchanges = deliveries of outgoing documents failed (retrying) or given up;
  unsent exchanges = deliveries still queued (not handed to the axis) an hour after they were
  made (``UNSENT_AFTER``; the sender hands them over within seconds when the axis answers); late
  acknowledgement = incoming documents registered later than the next working day after they
  arrived, or still waiting past it (Decree 30/2020/NĐ-CP Art. 21–23: the văn thư receives and
  registers incoming documents and presents them within the day, at the latest the next working
  day; the exact wording of Art. 23(1) could not be checked here).
- data sharing (the integration platform's operational records, ``tinhso.lgsp``), for an
  agency the calls made by its systems or to its services (those of the members of the agency
  and the agencies under it), for the province every call, refused ones included: calls today =
  operational records with ``request_in_ts`` from the start of today to now; failed = with a
  fault (an X-Road error of the gateway) or a status of 500 or more (a 4xx answer of the provider,
  e.g. "unknown citizen", is an answer, not a failure); p95 = the nearest-rank 95th percentile of
  the durations (``response_out_ts`` − ``request_in_ts``) of today's calls, opening the calls
  that took as long or longer; services (active ones of the scope) whose last call failed, and
  those without a successful call for longer than their own expected quiet time
  (``Service.quiet_after``, 24 hours unless its provider set it; services not watched are left
  out). Counted on the indexes of the exchange log: ``request_in_ts`` (the day's range) and
  ``lgsp_exchange_service_ts`` (a service's last call).
"""

import datetime
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tinhso.agencies.models import Agency
from tinhso.documents.models import Delivery, IncomingDocument
from tinhso.dossiers.models import Dossier, DossierEvent, DossierRating
from tinhso.feedback.geo import commune_points
from tinhso.feedback.models import OPEN_STATES, Rating, Report
from tinhso.ioc.models import Threshold
from tinhso.lgsp.models import Exchange, Service, Subsystem
from tinhso.lgsp.operations import DURATION
from tinhso.procedures.models import Procedure
from tinhso.statistics.figures import in_scope
from tinhso.statistics.forms import DATE_FORMAT
from tinhso.statistics.index766 import index_766
from tinhso.statistics.models import RollupCursor
from tinhso.statistics.report import (
    MONTHLY_TOTALS,
    OPEN,
    SATISFIED_STARS,
    monthly_totals,
    one_stop_report,
    received_in,
)
from tinhso.statistics.rollup import counted_event
from tinhso.worktime.calendar import add_working_days

DUE_SOON_DAYS = 2
UNSENT_AFTER = datetime.timedelta(hours=1)  # a package still queued this long after it was made
HIGHER, LOWER = "higher", "lower"  # which way an indicator gets worse
RED, AMBER, OK, NONE = "red", "amber", "ok", "none"
TREND_MONTHS = 12
TOP_ROWS = 10


@dataclass(frozen=True)
class Indicator:
    key: str
    area: str
    title: Promise
    percent: bool = False
    worse: str = HIGHER
    amber: float | None = None  # default levels; a ``Threshold`` row replaces them
    red: float | None = None
    days: bool = False  # a duration in days (one decimal)


SERVICES, FEEDBACK, DOCUMENTS, SHARING = "services", "feedback", "documents", "sharing"
AREAS = {
    SERVICES: _("Public services"),
    FEEDBACK: _("Citizen feedback"),
    DOCUMENTS: _("Official documents"),
    SHARING: _("Data sharing (LGSP)"),
}
INDICATORS = (
    Indicator("received_today", SERVICES, _("Dossiers received today")),
    Indicator("received_month", SERVICES, _("Dossiers received this month")),
    Indicator("in_progress", SERVICES, _("Dossiers in progress")),
    Indicator("due_soon", SERVICES, _("Dossiers due within two working days"), amber=20, red=50),
    Indicator("overdue", SERVICES, _("Overdue dossiers"), amber=1, red=10),
    Indicator("on_time_rate", SERVICES, _("Resolved on time this month"), True, LOWER, 95, 85),
    Indicator("online_rate", SERVICES, _("Received online this month"), True, LOWER, 50, 30),
    Indicator(
        "full_process_online_rate",
        SERVICES,
        _("Full-process online procedures: received online"),
        True,
        LOWER,
        50,
        30,
    ),
    Indicator("average_days", SERVICES, _("Average time to resolve this month"), days=True),
    Indicator("paid_online_rate", SERVICES, _("Fees paid online this month"), True, LOWER, 50, 30),
    Indicator("digitised_rate", SERVICES, _("Received with their documents as files"), True, LOWER, 80, 60),
    Indicator("satisfaction", SERVICES, _("Applicants satisfied this month"), True, LOWER, 90, 80),
    Indicator(
        "index_766", SERVICES, _("Decision 766 index: share of the measurable points"), True, LOWER, 80, 60
    ),
    Indicator("fb_new", FEEDBACK, _("Reports received this month")),
    Indicator("fb_open", FEEDBACK, _("Reports open")),
    Indicator("fb_overdue", FEEDBACK, _("Reports overdue"), amber=1, red=5),
    Indicator("fb_on_time_rate", FEEDBACK, _("Reports answered on time this month"), True, LOWER, 90, 75),
    Indicator("fb_satisfaction", FEEDBACK, _("Reporters satisfied this month"), True, LOWER, 80, 60),
    Indicator("doc_open", DOCUMENTS, _("Incoming documents not handled")),
    Indicator("doc_overdue", DOCUMENTS, _("Incoming documents overdue"), amber=1, red=5),
    Indicator("doc_failed", DOCUMENTS, _("Exchanges failed or given up"), amber=1, red=3),
    Indicator("doc_unsent", DOCUMENTS, _("Exchanges not sent within an hour"), amber=1, red=5),
    Indicator("doc_late_ack", DOCUMENTS, _("Incoming documents registered late"), amber=1, red=5),
    Indicator("lgsp_calls", SHARING, _("Data-sharing calls today")),
    Indicator("lgsp_failed", SHARING, _("Data-sharing calls failed today"), amber=1, red=10),
    Indicator(
        "lgsp_p95", SHARING, _("Duration of the slowest 5% of today's calls (ms)"), amber=1000, red=3000
    ),
    Indicator("lgsp_failing", SHARING, _("Services whose last call failed"), amber=1, red=2),
    Indicator("lgsp_silent", SHARING, _("Services quiet for longer than expected"), amber=1, red=3),
)
# Not a number on the page: the levels (%) at which a feedback category counts as rising.
RISING = Indicator(
    "fb_rising",
    FEEDBACK,
    _("Rise of a feedback category against the same days of last month (%)"),
    amber=25,
    red=50,
)
RISING_MINIMUM = 3  # reports this month, so that one report more is not a trend
BY_KEY = {indicator.key: indicator for indicator in (*INDICATORS, RISING)}

# The lists the feedback and documents numbers open (``/ioc/ho-so/<figure>/``), with their titles.
DOSSIER_FIGURES = {"due_soon": _("Dossiers due within two working days")}
RATING_FIGURES = {
    "rated": _("Dossiers rated by their applicants this month"),
    "rated_satisfied": _("Dossiers rated 4 or 5 stars this month"),
}
FEEDBACK_FIGURES = {
    "fb_new": _("Reports received this month"),
    "fb_open": _("Reports open"),
    "fb_overdue": _("Reports overdue"),
    "fb_answered": _("Reports answered this month"),
    "fb_answered_on_time": _("Reports answered on time this month"),
    "fb_rated": _("Reports rated this month"),
    "fb_satisfied": _("Reports rated 4 or 5 stars this month"),
}
DOCUMENT_FIGURES = {
    "doc_open": _("Incoming documents not handled"),
    "doc_overdue": _("Incoming documents overdue"),
    "doc_failed": _("Exchanges failed or given up"),
    "doc_unsent": _("Exchanges not sent within an hour"),
    "doc_late_ack": _("Incoming documents registered late"),
}

SHARING_FIGURES = {
    "lgsp_calls": _("Data-sharing calls today"),
    "lgsp_failed": _("Data-sharing calls failed today"),
    "lgsp_slow": _("Calls today as slow as the slowest 5% or slower"),
}
SERVICE_FIGURES = {
    "lgsp_failing": _("Services whose last call failed"),
    "lgsp_silent": _("Services quiet for longer than expected"),
}


def levels() -> dict[str, tuple[float | None, float | None]]:
    """Each indicator's (amber, red) levels: its ``Threshold`` row, else its defaults."""
    found = {row.indicator: (float(row.amber), float(row.red)) for row in Threshold.objects.all()}
    return {i.key: found.get(i.key, (i.amber, i.red)) for i in BY_KEY.values()}


def status(indicator: Indicator, value: float | None, amber: float | None, red: float | None) -> str:
    """red, amber or ok against the levels (``NONE`` without a value or levels)."""
    if value is None or amber is None or red is None:
        return NONE
    if indicator.worse == HIGHER:
        return RED if value >= red else AMBER if value >= amber else OK
    return RED if value < red else AMBER if value < amber else OK


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _counts(rows: QuerySet, conditions: dict[str, Q]) -> dict[str, int]:
    """How many of ``rows`` meet each condition, in one statement."""
    return rows.aggregate(**{name: Count("pk", filter=condition) for name, condition in conditions.items()})


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# Public services ------------------------------------------------------------------------------


def open_dossiers(agency: Agency | None) -> QuerySet[Dossier]:
    """The received dossiers of the scope still open (``report.OPEN``), the statistics'
    ``in_scope`` with the agencies given by their ids, so that the indexes of open dossiers by
    due time (per agency for an agency) read only the entries asked for."""
    dossiers = Dossier.objects.filter(is_draft=False, received_at__isnull=False, status__in=OPEN)
    if agency is None:
        return dossiers
    under = Agency.objects.filter(path__startswith=agency.path).values_list("pk", flat=True)
    return dossiers.filter(receiving_agency__in=list(under))


def due_soon_dossiers(agency: Agency | None, now: datetime.datetime) -> QuerySet[Dossier]:
    return open_dossiers(agency).filter(due_at__gte=now, due_at__lt=add_working_days(now, DUE_SOON_DAYS))


def rated_dossiers(figure: str, agency: Agency | None, now: datetime.datetime) -> QuerySet[Dossier]:
    """The dossiers behind the satisfaction number (a key of ``RATING_FIGURES``; KeyError
    otherwise): those of the scope rated this month, by ``rated_at``, as the one-stop report
    counts them; ``rated_satisfied`` those with 4 or 5 stars."""
    today = timezone.localdate(now)
    ratings = {
        "rated_at__gte": _start_of(today.replace(day=1)),
        "rated_at__lt": _start_of(today + datetime.timedelta(days=1)),
    }
    stars = {"rated": 1, "rated_satisfied": SATISFIED_STARS}[figure]
    rated = DossierRating.objects.filter(**ratings, stars__gte=stars)
    return in_scope(agency).filter(pk__in=rated.values("dossier_id"))


def statistics_url(
    figure: str, agency: Agency | None, date_from: datetime.date, date_to: datetime.date
) -> str:
    """The statistics list of ``figure`` for the scope and period (the statistics page's query),
    its back link returning to this page of the same scope (``next``); the report itself keeps
    its own links back."""
    query = {
        "agency": agency.pk if agency else "",
        "include_children": "on",
        "date_from": date_from.strftime(DATE_FORMAT),
        "date_to": date_to.strftime(DATE_FORMAT),
    }
    if figure == "report":
        return reverse("statistics:report") + "?" + urlencode(query)
    query["next"] = dashboard_path(agency)
    if figure == "overdue":
        return reverse("statistics:overdue") + "?" + urlencode(query)
    return reverse("statistics:figure", args=[figure]) + "?" + urlencode(query)


def dashboard_path(agency: Agency | None) -> str:
    return reverse("ioc:dashboard") + (f"?agency={agency.pk}" if agency else "")


def ioc_url(figure: str, agency: Agency | None, **extra) -> str:
    query = {"agency": agency.pk if agency else "", **extra}
    return reverse("ioc:records", args=[figure]) + "?" + urlencode(query)


def _services(agency, today, now) -> tuple[dict, dict]:
    month = today.replace(day=1)
    report = one_stop_report(agency, date_from=month, date_to=today)
    index = index_766(agency, date_from=month, date_to=today)
    counts = report["counts"]
    resolved = report["resolved"]

    def url(figure, first=month):
        return statistics_url(figure, agency, first, today)

    def part(figure, value):
        return {"value": value, "url": url(figure)}

    values = {
        "received_today": (received_in(agency, today, today), url("received", today), []),
        "received_month": (report["received"]["total"], url("received"), []),
        "in_progress": (report["in_progress"]["total"], url("in_progress"), []),
        "due_soon": (due_soon_dossiers(agency, now).count(), ioc_url("due_soon", agency), []),
        "overdue": (report["in_progress"]["overdue"], url("overdue"), []),
        "on_time_rate": (
            report["rates"]["on_time"],
            "",
            [
                part("resolved_early", resolved["early"]),
                part("resolved_on_time", resolved["on_time"]),
                part("resolved", resolved["total"]),
            ],
        ),
        "online_rate": (
            report["rates"]["online"],
            "",
            [part("received_online", counts["received_online"]), part("received", counts["received"])],
        ),
        "full_process_online_rate": (
            report["rates"]["full_process_online"],
            "",
            [
                part("full_process_online", counts["full_process_online"]),
                part("full_process", counts["full_process"]),
            ],
        ),
        "paid_online_rate": (
            report["indicators_766"]["online_payment"],
            "",
            [part("paid_online", counts["paid_online"]), part("fee_paid", counts["fee_paid"])],
        ),
        "digitised_rate": (
            report["indicators_766"]["digitisation"],
            "",
            [part("digitised", counts["digitised"]), part("received", counts["received"])],
        ),
        "satisfaction": (
            report["satisfaction"]["satisfied"],
            "",
            [
                {
                    "value": rated_dossiers("rated_satisfied", agency, now).count(),
                    "url": ioc_url("rated_satisfied", agency),
                },
                {"value": report["satisfaction"]["ratings"], "url": ioc_url("rated", agency)},
            ],
        ),
        "average_days": (report["average_days"], "", [part("resolved", resolved["total"])]),
        "index_766": (index["total"]["share"], url("report") + "#index-766", []),
    }
    extra = {
        "ratings": report["satisfaction"]["ratings"],
        "index": index,
        "report": report,
        "overdue_list": list(
            open_dossiers(agency)
            .filter(due_at__lt=now)
            .select_related("procedure", "receiving_agency")
            .order_by("due_at", "pk")[:TOP_ROWS]
        ),
        "agencies": _agency_ranking(index, agency, month, today),
        "procedures": _overdue_by_procedure(agency, month, today, now),
    }
    return values, extra


def _overdue_by_procedure(agency, month, today, now) -> list[dict]:
    """The procedures with the most overdue dossiers now, each opening the statistics' overdue
    list of that procedure (counted from the index of open dossiers alone, then named)."""
    overdue = open_dossiers(agency).filter(due_at__lt=now)
    counts = dict(
        overdue.order_by()
        .values("procedure_id")
        .annotate(count=Count("*"))
        .values_list("procedure_id", "count")
    )
    names = dict(Procedure.objects.filter(pk__in=counts).values_list("pk", "name"))
    rows = sorted(counts.items(), key=lambda row: (-row[1], names[row[0]]))[:TOP_ROWS]
    return [
        {
            "procedure": names[pk],
            "count": count,
            "url": statistics_url("overdue", agency, month, today) + f"&procedure={pk}",
        }
        for pk, count in rows
    ]


def _agency_ranking(index: dict, agency, month, today) -> list[dict]:
    """The 766 index per receiving agency, the best first, each on-time rate opening its list."""
    rows = []
    query = {
        "agency": agency.pk if agency else "",
        "include_children": "on",
        "date_from": month.strftime(DATE_FORMAT),
        "date_to": today.strftime(DATE_FORMAT),
        "next": dashboard_path(agency),
    }
    for card in index["agencies"]:
        on_time = next(r for g in card["groups"] for r in g["indicators"] if r["code"] == "2.1")
        rows.append(
            {
                "rank": card["rank"],
                "agency": card["agency"],
                "share": card["share"],
                "points": card["points"],
                "measured_max": card["measured_max"],
                "on_time": on_time["rate"],
                "url": reverse("statistics:index_figure", args=["on_time"])
                + "?"
                + urlencode({**query, "receiving_agency": card["agency_id"]}),
            }
        )
    return rows


def trend(agency: Agency | None, today: datetime.date, months: int = TREND_MONTHS) -> list[dict]:
    """The last ``months`` months (this one so far): received, resolved, on-time and online
    rates, each month as its one-stop report counts it, read in one statement from the monthly
    rollup (``report.monthly_totals``)."""
    first = today.replace(day=1)
    starts = [first]
    for _month in range(months - 1):
        starts.insert(0, (starts[0] - datetime.timedelta(days=1)).replace(day=1))
    totals = monthly_totals(agency, starts[0], today)
    rows = []
    for start in starts:
        end = min((start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1), today)
        counts = totals.get(start, dict.fromkeys(MONTHLY_TOTALS, 0))
        in_time = counts["resolved_early"] + counts["resolved_on_time"]
        resolved = in_time + counts["resolved_late"]
        rows.append(
            {
                "month": start,
                "received": counts["received"],
                "received_url": statistics_url("received", agency, start, end),
                "resolved": resolved,
                "resolved_url": statistics_url("resolved", agency, start, end),
                "on_time": _rate(in_time, resolved),
                "online": _rate(counts["received_online"], counts["received"]),
            }
        )
    return rows


# Feedback -------------------------------------------------------------------------------------


def _reports(agency: Agency | None) -> QuerySet[Report]:
    reports = Report.objects.all()
    if agency is not None:
        reports = reports.filter(assigned_agency__path__startswith=agency.path)
    return reports


def feedback_reports(
    figure: str, agency: Agency | None, now: datetime.datetime, category=None, commune=None
) -> QuerySet[Report]:
    """The reports counted by ``figure`` (a key of ``FEEDBACK_FIGURES``; KeyError otherwise)."""
    reports = _reports(agency)
    if category is not None:
        reports = reports.filter(category=category)
    if commune is not None:
        reports = reports.filter(commune=commune)
    return reports.filter(_feedback_conditions(now)[figure])


def _feedback_conditions(now: datetime.datetime) -> dict[str, Q]:
    """The condition on a report of each of ``FEEDBACK_FIGURES``: one definition for the list a
    figure opens and for the count of all the figures in one statement."""
    month = _start_of(timezone.localdate(now).replace(day=1))
    answered = Q(answered_at__gte=month, answered_at__lte=now)
    rated = Rating.objects.filter(answer__report=OuterRef("pk"), created_at__gte=month, created_at__lte=now)
    return {
        "fb_new": Q(received_at__gte=month, received_at__lte=now),
        "fb_open": Q(state__in=OPEN_STATES),
        "fb_overdue": Q(state__in=OPEN_STATES, due_at__lt=now),
        "fb_answered": answered,
        "fb_answered_on_time": answered & Q(answered_at__lte=F("due_at")),
        "fb_rated": Q(Exists(rated)),
        "fb_satisfied": Q(Exists(rated.filter(stars__gte=SATISFIED_STARS))),
    }


def _feedback(agency, now, bounds) -> tuple[dict, dict]:
    counts = _counts(_reports(agency), _feedback_conditions(now))

    def part(figure):
        return {"value": counts[figure], "url": ioc_url(figure, agency)}

    values = {
        "fb_new": (counts["fb_new"], ioc_url("fb_new", agency), []),
        "fb_open": (counts["fb_open"], ioc_url("fb_open", agency), []),
        "fb_overdue": (counts["fb_overdue"], ioc_url("fb_overdue", agency), []),
        "fb_on_time_rate": (
            _rate(counts["fb_answered_on_time"], counts["fb_answered"]),
            "",
            [part("fb_answered_on_time"), part("fb_answered")],
        ),
        "fb_satisfaction": (
            _rate(counts["fb_satisfied"], counts["fb_rated"]),
            "",
            [part("fb_satisfied"), part("fb_rated")],
        ),
    }
    new = feedback_reports("fb_new", agency, now)
    extra = {"communes": _communes(new, agency), "rising": _rising(new, agency, now, bounds[RISING.key])}
    return values, extra


def _communes(new: QuerySet[Report], agency: Agency | None) -> list[dict]:
    """This month's reports by commune, the most first, each with its categories (the most
    first) and the commune's point on the map when known; every count opens its list."""
    points = commune_points()
    by_commune: dict = {}
    for (pk, name, code, category_pk, category), count in Counter(
        new.values_list("commune_id", "commune__name", "commune__code", "category_id", "category__name")
    ).items():
        point = points.get(code)
        row = by_commune.setdefault(
            pk,
            {
                "commune": name,
                "count": 0,
                "url": ioc_url("fb_new", agency, commune=pk),
                "lat": f"{point[0]:.5f}" if point else "",
                "lng": f"{point[1]:.5f}" if point else "",
                "categories": [],
            },
        )
        row["count"] += count
        row["categories"].append(
            {
                "category": category,
                "count": count,
                "url": ioc_url("fb_new", agency, commune=pk, category=category_pk),
            }
        )
    rows = sorted(by_commune.values(), key=lambda row: (-row["count"], row["commune"]))
    for row in rows:
        row["categories"].sort(key=lambda part: (-part["count"], part["category"]))
    return rows


def _rising(
    new: QuerySet[Report],
    agency: Agency | None,
    now: datetime.datetime,
    levels: tuple[float | None, float | None],
) -> list[dict]:
    """The categories whose reports this month rose against the same days of the last month by
    at least the amber level of ``fb_rising`` (%, red from its red level), counting only
    categories with ``RISING_MINIMUM`` reports or more this month; the steepest first. A category
    with none last month rises by 100% per report."""
    month = timezone.localdate(now).replace(day=1)
    previous_start = _start_of((month - datetime.timedelta(days=1)).replace(day=1))
    previous_end = previous_start + (now - _start_of(month))
    before = Counter(
        _reports(agency)
        .filter(received_at__gte=previous_start, received_at__lt=previous_end)
        .values_list("category_id", flat=True)
    )
    amber, red = levels
    rows: list[dict[str, Any]] = []
    for (pk, name), count in Counter(new.values_list("category_id", "category__name")).items():
        rise = round(100 * (count - before[pk]) / max(before[pk], 1), 1)
        level = status(RISING, rise, amber, red)
        if count >= RISING_MINIMUM and level in (RED, AMBER):
            rows.append(
                {
                    "category": name,
                    "now": count,
                    "before": before[pk],
                    "rise": rise,
                    "status": level,
                    "url": ioc_url("fb_new", agency, category=pk),
                }
            )
    return sorted(rows, key=lambda row: (-row["rise"], row["category"]))[:TOP_ROWS]


# Documents ------------------------------------------------------------------------------------


def _late_acknowledgements(incoming: QuerySet[IncomingDocument], now: datetime.datetime) -> list[int]:
    """Ids of the documents registered after the next working day from their arrival, or still
    waiting past it (only those more than a day apart are looked at on the calendar)."""
    day = datetime.timedelta(days=1)
    candidates = incoming.filter(
        Q(registered_at__gt=F("arrived_at") + day)
        | Q(state=IncomingDocument.State.PENDING, arrived_at__lt=now - day)
    ).values_list("pk", "arrived_at", "registered_at")
    return [
        pk for pk, arrived, registered in candidates if (registered or now) > add_working_days(arrived, 1)
    ]


def _document_scopes(agency: Agency | None) -> tuple[QuerySet[IncomingDocument], QuerySet[Delivery]]:
    incoming = IncomingDocument.objects.all()
    deliveries = Delivery.objects.all()
    if agency is not None:
        incoming = incoming.filter(agency__path__startswith=agency.path)
        deliveries = deliveries.filter(document__agency__path__startswith=agency.path)
    return incoming, deliveries


def _document_conditions(now: datetime.datetime) -> tuple[dict[str, Q], dict[str, Q]]:
    """The condition of each of ``DOCUMENT_FIGURES`` read in the database, on an incoming
    document and on a delivery: one definition for the list a figure opens and for the counts."""
    state = IncomingDocument.State
    return (
        {
            "doc_open": Q(state__in=(state.PENDING, state.REGISTERED, state.ASSIGNED)),
            "doc_overdue": Q(state=state.ASSIGNED, handling_due_at__lt=now),
        },
        {
            "doc_failed": Q(transport__in=(Delivery.Transport.FAILED, Delivery.Transport.DEAD)),
            "doc_unsent": Q(transport=Delivery.Transport.QUEUED, created_at__lt=now - UNSENT_AFTER),
        },
    )


def document_records(figure: str, agency: Agency | None, now: datetime.datetime) -> QuerySet:
    """The incoming documents or deliveries counted by ``figure`` (a key of
    ``DOCUMENT_FIGURES``; KeyError otherwise)."""
    incoming, deliveries = _document_scopes(agency)
    if figure == "doc_late_ack":
        return incoming.filter(pk__in=_late_acknowledgements(incoming, now))
    of_incoming, of_deliveries = _document_conditions(now)
    if figure in of_incoming:
        return incoming.filter(of_incoming[figure])
    return deliveries.filter(of_deliveries[figure])


def _documents(agency, now) -> tuple[dict, dict]:
    incoming, deliveries = _document_scopes(agency)
    of_incoming, of_deliveries = _document_conditions(now)
    counts = {
        **_counts(incoming, of_incoming),
        **_counts(deliveries, of_deliveries),
        "doc_late_ack": len(_late_acknowledgements(incoming, now)),
    }
    return {figure: (counts[figure], ioc_url(figure, agency), []) for figure in DOCUMENT_FIGURES}, {}


# Data sharing ---------------------------------------------------------------------------------

FAILED = Q(fault_code__gt="") | Q(status_code__gte=500)


def sharing_systems(agency: Agency) -> tuple[list[str], list[str]]:
    """The identifiers of the scope's subsystems (as clients) and of their services."""
    subsystems = list(
        Subsystem.objects.select_related("member").filter(member__agency__path__startswith=agency.path)
    )
    services = Service.objects.select_related("subsystem__member").filter(subsystem__in=subsystems)
    return [s.identifier for s in subsystems], [s.identifier for s in services]


def _calls_today(agency: Agency | None, now: datetime.datetime) -> QuerySet[Exchange]:
    calls = Exchange.objects.filter(
        request_in_ts__gte=_start_of(timezone.localdate(now)), request_in_ts__lte=now
    )
    if agency is not None:
        clients, services = sharing_systems(agency)
        calls = calls.filter(Q(client__in=clients) | Q(service__in=services))
    return calls.defer("request_headers", "response_headers", "request_body", "response_body")


def p95_duration(calls: QuerySet[Exchange], count: int | None = None) -> datetime.timedelta | None:
    """The nearest-rank 95th percentile of the calls' durations (None without calls); ``count``:
    how many calls there are, when the caller counted them."""
    if count is None:
        count = calls.count()
    if not count:
        return None
    ordered = calls.annotate(duration=DURATION).order_by("duration").values_list("duration", flat=True)
    return ordered[math.ceil(0.95 * count) - 1]


def sharing_calls(figure: str, agency: Agency | None, now: datetime.datetime) -> QuerySet[Exchange]:
    """The operational records counted by ``figure`` (a key of ``SHARING_FIGURES``; KeyError
    otherwise)."""
    calls = _calls_today(agency, now)
    if figure == "lgsp_slow":
        return _as_slow_as(calls, p95_duration(calls))
    return {"lgsp_calls": calls, "lgsp_failed": calls.filter(FAILED)}[figure]


def _as_slow_as(calls: QuerySet[Exchange], p95: datetime.timedelta | None) -> QuerySet[Exchange]:
    return calls.annotate(duration=DURATION).filter(duration__gte=p95) if p95 is not None else calls.none()


def sharing_services(figure: str, agency: Agency | None, now: datetime.datetime) -> QuerySet[Service]:
    """The active services of the scope counted by ``figure`` (a key of ``SERVICE_FIGURES``;
    KeyError otherwise), each with its last call's time, status and fault."""
    services = Service.objects.filter(is_active=True).annotate(
        identifier_text=Concat(
            Value(settings.LGSP_INSTANCE + "/"),
            "subsystem__member__member_class",
            Value("/"),
            "subsystem__member__code",
            Value("/"),
            "subsystem__code",
            Value("/"),
            "code",
        )
    )
    if agency is not None:
        services = services.filter(subsystem__member__agency__path__startswith=agency.path)
    of_service = Exchange.objects.filter(
        service_code=OuterRef("code"), service=OuterRef("identifier_text"), request_in_ts__lte=now
    )
    last = of_service.order_by("-request_in_ts", "-sequence")
    services = services.annotate(
        quiet_since=ExpressionWrapper(Value(now) - F("quiet_after"), output_field=DateTimeField()),
        last_at=Subquery(last.values("request_in_ts")[:1]),
        last_status=Subquery(last.values("status_code")[:1]),
        last_fault=Subquery(last.values("fault_code")[:1]),
    )
    queries = {
        "lgsp_failing": lambda: services.filter(Q(last_fault__gt="") | Q(last_status__gte=500)),
        "lgsp_silent": lambda: services.filter(quiet_after__isnull=False).exclude(
            Exists(of_service.filter(request_in_ts__gte=OuterRef("quiet_since")).exclude(FAILED))
        ),
    }
    return queries[figure]()


def _sharing(agency, now) -> tuple[dict, dict]:
    calls = _calls_today(agency, now)
    counts = calls.aggregate(lgsp_calls=Count("pk"), lgsp_failed=Count("pk", filter=FAILED))
    p95 = p95_duration(calls, counts["lgsp_calls"])
    values: dict[str, tuple[Any, str, list]] = {
        figure: (count, ioc_url(figure, agency), []) for figure, count in counts.items()
    }
    values["lgsp_p95"] = (
        None if p95 is None else round(p95.total_seconds() * 1000),
        "",
        [
            {"value": _as_slow_as(calls, p95).count(), "url": ioc_url("lgsp_slow", agency)},
            {"value": counts["lgsp_calls"], "url": ioc_url("lgsp_calls", agency)},
        ],
    )
    for figure in SERVICE_FIGURES:
        values[figure] = (sharing_services(figure, agency, now).count(), ioc_url(figure, agency), [])
    return values, {}


# The page -------------------------------------------------------------------------------------


def data_as_of(now: datetime.datetime) -> datetime.datetime:
    """The moment the dossier figures are complete up to: now, or the time of the oldest change
    of a dossier the rollups have not counted yet."""
    low_water = RollupCursor.objects.filter(pk=1).values_list("low_water", flat=True).first() or 0
    oldest = (
        DossierEvent.objects.filter(pk__gt=low_water)
        .filter(~counted_event())
        .order_by("pk")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return min(oldest, now) if oldest is not None else now


def dashboard(agency: Agency | None, now: datetime.datetime | None = None) -> dict:
    """Every indicator of the leaders' page for ``agency`` (None: the province) with its value,
    status against its levels, the list it opens, and the exceptions (red, then amber) first."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    bounds = levels()
    services, service_extra = _services(agency, today, now)
    feedback, feedback_extra = _feedback(agency, now, bounds)
    documents, _extra = _documents(agency, now)
    sharing, _extra = _sharing(agency, now)
    found = {**services, **feedback, **documents, **sharing}
    tiles = []
    for indicator in INDICATORS:
        value, url, parts = found[indicator.key]
        amber, red = bounds[indicator.key]
        tiles.append(
            {
                "key": indicator.key,
                "area": indicator.area,
                "title": indicator.title,
                "value": value,
                "percent": indicator.percent,
                "kind": "percent" if indicator.percent else "days" if indicator.days else "count",
                "url": url,
                "parts": parts,
                "status": status(indicator, value, amber, red),
                "amber": amber,
                "red": red,
                "worse": indicator.worse,
            }
        )
    order = {RED: 0, AMBER: 1}
    exceptions = sorted((t for t in tiles if t["status"] in order), key=lambda t: order[t["status"]])
    return {
        "agency": agency,
        "computed_at": now,
        "data_as_of": data_as_of(now),
        "month": today.replace(day=1),
        "today": today,
        "tiles": tiles,
        "areas": [
            {"key": key, "title": title, "tiles": [t for t in tiles if t["area"] == key]}
            for key, title in AREAS.items()
        ],
        "exceptions": exceptions,
        "rising_levels": bounds[RISING.key],
        "ratings": service_extra["ratings"],
        "index": service_extra["index"],
        "overdue_list": service_extra["overdue_list"],
        "agencies": service_extra["agencies"],
        "procedures": service_extra["procedures"],
        **feedback_extra,
    }
