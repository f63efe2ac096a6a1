"""The service-quality index of Decision 766/QĐ-TTg (23/6/2022): five groups, 100 points —
publicity and transparency 18, progress and results 20, online services 22 (online submission 12,
online payment 10), digitisation 22, satisfaction 18 — per receiving agency and for the scope,
over any period, each indicator scored against its threshold. The counts come from the rollups
(``index_766``: a few rows per agency and day, plus the open dossiers that might be late and the
low ratings); the lists behind them from the dossiers (``index_dossier_ids``), with the same rules.

Sources: the indicators, their formulas and thresholds follow the national description "Mô tả
công thức tính chỉ số 766" (items cited below as "766 item x.y"); the points of each indicator
follow the published point table of the national service portal's 766 dashboard (1.1 = 6,
1.2 = 4, 1.3 = 2, 1.4 = 6; 2.1 = 20; online submission 12; payment 3.5 = 2, 3.5b = 2, 3.6 = 6;
4.1 = 6, 4.2 = 4, e-certified copies 2, 4.3 = 2, 4.4 = 4, 4.5b = 2, 4.5a = 2; 5.1 = 0, 5.2 = 6,
5.3 = 6, 5.4 = 6). Neither the official appendix of the Decision nor a replacement after Decree
309/2026/NĐ-CP could be read: the points are from a secondary source. Scoring (766 item notes):
with a threshold T, a rate R ≥ T earns the full points and R < T earns R × points / T; without one,
R × points / 100.

Where the platform holds no data for an indicator (the national database of procedures, the
national portal's synchronisation when no portal is configured, the national system for feedback
on regulations, …) the indicator says "no data" with the reason and earns no points; the total
is then given against the points that could be measured as well as against 100. Nothing is
estimated.

Definitions (period = ``date_from``–``date_to``, local days; "received" = accepted for
processing, ``received_at``):

- 2.1 on time: dossiers received before the end of the period and not closed (finished, stopped,
  refused) before its start. The end of processing is the closing time if within the period;
  else, with a supplement request pending then, the time of that request; else the end of the
  period (or now) — so a dossier in progress and not yet due counts as on time. Time waiting
  for a supplement (request → answer) is taken off; the due time compared is the one before the
  first supplement request (moved by later extensions and excluded payment time), else the
  current one (before the stop, for a stopped dossier). More than one supplement request during
  processing, or one made late (``SupplementRequest.is_late``), makes the dossier late.
- 1.4 (with a national portal configured, ``tinhso.national.sync``): of the dossiers received in
  the period, those whose every status change before the end of the period the portal had
  confirmed by then (the outbox's ``published_at``); scored without a threshold (the item's
  threshold could not be read). It depends on when the portal confirmed, not only on the dossier,
  so it is read from the outbox (one query over the period's dossiers), not from the rollups.
- online submission (12 points, scored as 766 item 3.3: 50% for the full points): of the dossiers
  received in the period for full-process online procedures, those submitted online, an online
  dossier already finished counting only with an electronic result. The national factor for
  the share synchronised to the portal is left out.
- 3.5b: of the fee-bearing procedures with dossiers received in the period, those with a
  dossier paid online. 3.6: of the dossiers received in the period that had to pay (fees paid,
  or a procedure with a fixed or per-copy fee), those paid through the online gateway.
- 4.1: of the dossiers finished in the period whose procedure gives a document result, those
  with a signed electronic result. 4.2: of the dossiers received in the period, those with their
  components as files and, once finished, an electronic result.
- 5.4: 100% − (late rate of 2.1 + rate of those dossiers rated 1 or 2 stars by the end of the
  period); complaints about a dossier are not recorded apart from ratings.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tinhso.agencies.models import Agency
from tinhso.dossiers.models import (
    Attachment,
    Dossier,
    DossierEvent,
    DossierEventKind,
    DossierRating,
    DossierStatusChange,
    DueTimeChange,
    DueTimeChangeKind,
    SupplementRequest,
)
from tinhso.dossiers.status import Status
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.procedures.models import Fee, FeeKind, OnlineLevel
from tinhso.signing.models import SignedDocument
from tinhso.statistics.models import (
    INDEX_COUNTERS,
    AgencyDailyRollup,
    AgencyMonthlyRollup,
    DailyRollup,
    IndexRow,
    MonthlyRollup,
)
from tinhso.statistics.report import OPEN, _scope_sql, _spans

DISLIKED_STARS = 2

NO_PROCEDURE_DATABASE = _(
    "The platform does not hold the province's decisions announcing procedures on the national "
    "database of administrative procedures."
)
NO_SYNC = _("This installation is not connected to the national public service portal.")
NO_NATIONAL_PAYMENT = _(
    "The platform's payment gateway is not the national portal's payment platform; integration "
    "with it is not recorded."
)
NO_CERTIFIED_COPIES = _("The platform does not issue electronic certified copies.")
NO_REUSE = _(
    "The platform does not record which documents of a dossier were reused from digitised data "
    "(a reused document is stored like an upload)."
)
NO_NATIONAL_STORE = _("The platform is not connected to the national portal's personal data store.")
NO_POPULATION_DB = _("The platform is not connected to the national population database or VNeID.")
NO_PAKN = _(
    "Feedback on administrative regulations is handled on the national feedback system, which "
    "the platform does not read (its own feedback reports are about the locality, not regulations)."
)


@dataclass(frozen=True)
class Indicator:
    code: str
    group: int
    title: object
    points: int
    threshold: int | None = None  # %: the rate that earns the full points
    no_data: object = None  # the reason the platform cannot compute it
    measured_when: str = ""  # a setting that, when set, lets the platform compute it after all

    def reason_for_no_data(self) -> object:
        if self.measured_when and getattr(settings, self.measured_when, ""):
            return None
        return self.no_data


GROUPS = {
    1: (_("Publicity and transparency"), 18),
    2: (_("Progress and results of handling"), 20),
    3: (pgettext_lazy("Decision 766 group", "Online public services"), 22),
    4: (_("Digitisation of dossiers"), 22),
    5: (_("Satisfaction"), 18),
}

INDICATORS = (
    Indicator("1.1", 1, _("Procedures announced on time"), 6, no_data=NO_PROCEDURE_DATABASE),
    Indicator("1.2", 1, _("Procedures updated and published on time"), 4, no_data=NO_PROCEDURE_DATABASE),
    Indicator("1.3", 1, _("Procedures published with all their parts"), 2, no_data=NO_PROCEDURE_DATABASE),
    Indicator(
        "1.4",
        1,
        _("Dossiers synchronised to the national portal"),
        6,
        no_data=NO_SYNC,
        measured_when="NATIONAL_PORTAL_URL",
    ),
    Indicator("2.1", 2, _("Dossiers handled early or on time"), 20),
    Indicator("3.3", 3, _("Full-process online dossiers submitted online"), 12, threshold=50),
    Indicator(
        "3.5",
        3,
        _("Fee-bearing procedures integrated for payment on the national portal"),
        2,
        threshold=80,
        no_data=NO_NATIONAL_PAYMENT,
    ),
    Indicator("3.5b", 3, _("Fee-bearing procedures with an online payment"), 2, threshold=80),
    Indicator("3.6", 3, _("Dossiers paid online"), 6),
    Indicator("4.1", 4, _("Dossiers with an electronic result"), 6),
    Indicator("4.2", 4, _("Dossiers digitised"), 4, threshold=80),
    Indicator("4.cc", 4, _("Electronic certified copies from originals"), 2, no_data=NO_CERTIFIED_COPIES),
    Indicator("4.3", 4, _("Dossiers reusing digitised data"), 2, threshold=80, no_data=NO_REUSE),
    Indicator(
        "4.4", 4, _("Digitised dossiers linked to the national data store"), 4, no_data=NO_NATIONAL_STORE
    ),
    Indicator("4.5b", 4, _("Dossiers using the population database"), 2, no_data=NO_POPULATION_DB),
    Indicator("4.5a", 4, _("Procedures connected to the population database"), 2, no_data=NO_POPULATION_DB),
    Indicator("5.1", 5, _("Feedback on regulations by classification (reference only)"), 0, no_data=NO_PAKN),
    Indicator("5.2", 5, _("Feedback on regulations handled on time"), 6, no_data=NO_PAKN),
    Indicator("5.3", 5, _("Satisfaction with the handling of feedback on regulations"), 6, no_data=NO_PAKN),
    Indicator("5.4", 5, _("Satisfaction with receiving and handling procedures"), 6, threshold=90),
)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def score(rate: float | None, indicator: Indicator) -> float | None:
    """The points ``rate`` (%) earns (766 item notes: "đạt từ T% trở lên sẽ đạt điểm tối đa; dưới
    T% = tỷ lệ × điểm tối đa / T%")."""
    if rate is None:
        return None
    threshold = indicator.threshold or 100
    return round(indicator.points * min(rate, threshold) / threshold, 2)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def _dossiers(agency, include_children: bool):
    dossiers = Dossier.objects.filter(is_draft=False, received_at__isnull=False)
    if agency is not None and include_children:
        dossiers = dossiers.filter(receiving_agency__path__startswith=agency.path)
    elif agency is not None:
        dossiers = dossiers.filter(receiving_agency=agency)
    return dossiers


def _first_by_dossier(rows) -> dict:
    first: dict = {}
    for dossier_id, *values in rows:
        first.setdefault(dossier_id, values)
    return first


def _on_time(row, requests, due_changes, stopped_at, end, bound) -> bool:
    """Whether the dossier of ``row`` counts as handled early or on time (766 item 2.1)."""
    closed = row["finished_at"] or stopped_at
    finish = closed if closed is not None and closed < end else bound
    in_processing = [r for r in requests if r[0] < finish]
    if len(in_processing) > 1 or any(late for _at, _answered, late in in_processing):
        return False
    pending = [at for at, answered, _late in in_processing if answered is None or answered >= finish]
    if pending:
        finish = pending[0]
    paused = sum(
        (
            answered - at
            for at, answered, _late in in_processing
            if answered is not None and answered < finish
        ),
        datetime.timedelta(0),
    )
    due = row["due_at"]
    supplement = next((c for c in due_changes if c[0] == DueTimeChangeKind.SUPPLEMENT), None)
    if supplement is not None:
        due = supplement[2]
        for kind, at, old, new in due_changes:
            if kind in (DueTimeChangeKind.EXTENSION, DueTimeChangeKind.PAID) and at > supplement[1]:
                due += new - old
    elif row["status"] == Status.STOPPED:
        stop = next((c for c in due_changes if c[0] == DueTimeChangeKind.STOP), None)
        due = stop[2] if stop is not None else due
    return due is None or finish - paused <= due


def _annotated(dossiers):
    """``dossiers`` with what the index asks of each: paid online, an electronic result, files,
    a fixed fee, any fee (the procedure's fees as they are now)."""
    return dossiers.annotate(
        paid_online=Exists(Payment.objects.filter(dossier=OuterRef("pk"), status=PaymentStatus.PAID)),
        e_result=Exists(SignedDocument.objects.filter(dossier=OuterRef("pk"))),
        has_files=Exists(Attachment.objects.filter(dossier=OuterRef("pk"))),
        fixed_fee=Exists(
            Fee.objects.filter(procedure=OuterRef("procedure"), amount__gt=0).exclude(kind=FeeKind.BY_OPTION)
        ),
        any_fee=Exists(
            Fee.objects.filter(procedure=OuterRef("procedure")).filter(
                Q(amount__gt=0) | Q(kind=FeeKind.BY_OPTION)
            )
        ),
    )


ROW_FIELDS = (
    "pk",
    "receiving_agency_id",
    "procedure_id",
    "channel",
    "status",
    "received_at",
    "finished_at",
    "paid_at",
    "due_at",
    "procedure__online_level",
    "procedure__result_type",
)


def _histories(rows: list[dict]) -> tuple[dict, dict, dict]:
    """For the dossiers of ``rows``: the time each was last stopped or refused, its supplement
    requests made during processing (in order) and its due time changes since reception."""
    ids = [row["pk"] for row in rows]
    stopped = _first_by_dossier(
        DossierStatusChange.objects.filter(dossier_id__in=ids, to_status__in=(Status.STOPPED, Status.REFUSED))
        .order_by("dossier_id", "-at")
        .values_list("dossier_id", "at")
    )
    requests = defaultdict(list)
    for dossier_id, *values in (
        SupplementRequest.objects.filter(dossier_id__in=ids)
        .exclude(from_status=Status.NEW)
        .order_by("requested_at", "pk")
        .values_list("dossier_id", "requested_at", "answered_at", "is_late")
    ):
        requests[dossier_id].append(values)
    received_at = {row["pk"]: row["received_at"] for row in rows}
    due_changes = defaultdict(list)
    for dossier_id, *values in (
        DueTimeChange.objects.filter(dossier_id__in=ids)
        .order_by("at", "pk")
        .values_list("dossier_id", "kind", "at", "old_due_at", "new_due_at")
    ):
        if values[1] >= received_at[dossier_id]:
            due_changes[dossier_id].append(values)
    return stopped, requests, due_changes


def _stopped_at(row, stopped) -> datetime.datetime | None:
    if row["status"] in (Status.STOPPED, Status.REFUSED):
        return stopped.get(row["pk"], [None])[0]
    return None


def _dossier_flags(agency, include_children: bool, date_from: datetime.date, date_to: datetime.date):
    """Each dossier of the scope the index looks at, with what it counts for: ``(receiving
    agency id, procedure id, flags)``, ``flags`` the counters it adds 1 to (``handled``,
    ``on_time``, ``disliked``, ``finished``, ``e_result``, ``received``, ``digitised``,
    ``full_process``, ``full_process_online``, ``had_to_pay``, ``paid_online``, ``any_fee``).
    The lists the index's numbers open come from here (a scan of the period's dossiers); the
    numbers themselves from the rollups (``index_766``), which ``test_index766`` holds equal."""
    start, end = _start_of(date_from), _start_of(date_to + datetime.timedelta(days=1))
    bound = min(end, timezone.now())
    rows = list(
        _annotated(
            _dossiers(agency, include_children)
            .filter(received_at__lt=end)
            .exclude(
                Q(finished_at__lt=start)
                | Q(status__in=(Status.STOPPED, Status.REFUSED), updated_at__lt=start)
            )
        )
        .annotate(
            disliked=Exists(
                DossierRating.objects.filter(
                    dossier=OuterRef("pk"), stars__lte=DISLIKED_STARS, rated_at__lt=end
                )
            ),
            synced=_synced_by(end),
        )
        .values(
            *ROW_FIELDS, "paid_online", "e_result", "has_files", "fixed_fee", "any_fee", "disliked", "synced"
        )
    )
    stopped, requests, due_changes = _histories(rows)
    for row in rows:
        stopped_at = _stopped_at(row, stopped)
        closed = row["finished_at"] or stopped_at
        if closed is not None and closed < start:
            continue
        finished_in_period = row["finished_at"] is not None and start <= row["finished_at"] < end
        flags = {"handled"}
        if _on_time(row, requests[row["pk"]], due_changes[row["pk"]], stopped_at, end, bound):
            flags.add("on_time")
        if row["disliked"]:
            flags.add("disliked")
        if finished_in_period and row["procedure__result_type"]:
            flags.add("finished")
            if row["e_result"]:
                flags.add("e_result")
        if row["received_at"] >= start:
            flags.update(_reception_flags(row))
            if row["synced"]:
                flags.add("synced")
        yield row["pk"], row["receiving_agency_id"], row["procedure_id"], row["paid_online"], flags


def _synced_by(end):
    """Whether every status change of the dossier before ``end`` was confirmed by the national
    portal before ``end`` (766 item 1.4)."""
    changes = DossierEvent.objects.filter(dossier=OuterRef("pk"), kind=DossierEventKind.STATUS)
    return Exists(changes.filter(published_at__lt=end)) & ~Exists(
        changes.filter(occurred_at__lt=end).exclude(published_at__lt=end)
    )


def _reception_flags(row) -> set[str]:
    """What a dossier counts for among those received in a period."""
    flags = {"received"}
    if row["has_files"] and (row["finished_at"] is None or row["e_result"]):
        flags.add("digitised")
    if row["procedure__online_level"] == OnlineLevel.FULL:
        flags.add("full_process")
        if row["channel"] == "online" and (row["finished_at"] is None or row["e_result"]):
            flags.add("full_process_online")
    if row["paid_at"] is not None or row["fixed_fee"]:
        flags.add("had_to_pay")
        if row["paid_online"]:
            flags.add("paid_online")
    if row["any_fee"]:
        flags.add("any_fee")
    return flags


def index_rows(dossier_ids) -> list[IndexRow]:
    """The ``IndexRow`` of each received dossier of ``dossier_ids``: what it adds to the index
    counters of the rollups, with the same rules as ``_dossier_flags``."""
    rows = list(
        _annotated(
            Dossier.objects.filter(pk__in=dossier_ids, is_draft=False, received_at__isnull=False)
        ).values(*ROW_FIELDS, "paid_online", "e_result", "has_files", "fixed_fee", "any_fee")
    )
    stopped, requests, due_changes = _histories(rows)
    never = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    result = []
    for row in rows:
        stopped_at = _stopped_at(row, stopped)
        closed = row["finished_at"] or stopped_at
        flags = _reception_flags(row)
        finished = row["finished_at"]
        result.append(
            IndexRow(
                dossier_id=row["pk"],
                agency_id=row["receiving_agency_id"],
                procedure_id=row["procedure_id"],
                channel=row["channel"],
                received_day=timezone.localdate(row["received_at"]),
                closed_day=timezone.localdate(closed) if closed is not None else None,
                finished_day=timezone.localdate(finished) if finished is not None else None,
                digitised="digitised" in flags,
                full_process="full_process" in flags,
                full_process_online="full_process_online" in flags,
                fee_due="had_to_pay" in flags,
                paid_online=row["paid_online"],
                any_fee=row["any_fee"],
                closed_on_time=closed is not None
                and _on_time(row, requests[row["pk"]], due_changes[row["pk"]], stopped_at, never, never),
                has_result=bool(row["procedure__result_type"]),
                e_result=row["e_result"],
                finished_seconds=int((finished - row["received_at"]).total_seconds()) if finished else 0,
            )
        )
    return result


def contributions(row: IndexRow) -> dict:
    """{(day, agency id, procedure id, channel): {counter: n}} that ``row`` adds to the rollups."""
    key = (row.agency_id, row.procedure_id, row.channel)
    added: dict = defaultdict(lambda: defaultdict(int))
    if row.received_day is not None:
        counts = added[(row.received_day, *key)]
        counts["idx_received"] += 1
        counts["idx_digitised"] += row.digitised
        counts["idx_full_process"] += row.full_process
        counts["idx_full_process_online"] += row.full_process_online
        counts["idx_fee_due"] += row.fee_due
        counts["idx_paid_online"] += row.fee_due and row.paid_online
        counts["idx_any_fee"] += row.any_fee
        counts["idx_any_fee_paid_online"] += row.any_fee and row.paid_online
    if row.closed_day is not None:
        counts = added[(row.closed_day, *key)]
        counts["idx_closed"] += 1
        counts["idx_closed_on_time"] += row.closed_on_time
    if row.finished_day is not None:
        counts = added[(row.finished_day, *key)]
        counts["idx_finished"] += 1
        counts["idx_finished_seconds"] += row.finished_seconds
        counts["idx_result"] += row.has_result
        counts["idx_e_result"] += row.has_result and row.e_result
    return added


# The indicators whose numbers count dossiers: code -> (numerator flag, denominator flag).
DOSSIER_COUNTS = {
    "1.4": ("synced", "received"),
    "2.1": ("on_time", "handled"),
    "3.3": ("full_process_online", "full_process"),
    "3.6": ("paid_online", "had_to_pay"),
    "4.1": ("e_result", "finished"),
    "4.2": ("digitised", "received"),
}


def _period(date_from, date_to) -> tuple[datetime.date, datetime.date]:
    date_to = date_to or timezone.localdate()
    return date_from or date_to.replace(month=1, day=1), date_to


def index_dossier_ids(
    flag: str,
    agency: Agency | None = None,
    include_children: bool = True,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    receiving_agency_id: int | None = None,
) -> list[int]:
    """The ids of the dossiers an indicator's number counts (``flag``: a numerator or
    denominator of ``DOSSIER_COUNTS``), for the scope or one receiving agency in it."""
    date_from, date_to = _period(date_from, date_to)
    return [
        pk
        for pk, agency_id, _procedure, _paid, flags in _dossier_flags(
            agency, include_children, date_from, date_to
        )
        if flag in flags and receiving_agency_id in (None, agency_id)
    ]


def _agency_sums(scope, date_from: datetime.date, date_to: datetime.date) -> tuple[dict, dict]:
    """The index counters per receiving agency before ``date_from`` and over the period, from the
    agency rollups (whole months from the monthly one, the other days from the daily one)."""
    condition, scope_params = scope
    columns = ", ".join(INDEX_COUNTERS)
    branches, params = [], []
    for part, (first, last) in (
        ("before", (None, date_from - datetime.timedelta(days=1))),
        ("period", (date_from, date_to)),
    ):
        for model, ranges in zip((AgencyMonthlyRollup, AgencyDailyRollup), _spans(first, last), strict=True):
            for low, high in ranges:
                days = ("day >= %s AND " if low is not None else "") + "day < %s"
                branches.append(
                    f"SELECT '{part}' AS part, agency_id, {columns} "  # noqa: S608 - names from the models
                    f"FROM {model._meta.db_table} WHERE {condition} AND {days}"
                )
                params += [*scope_params, *([low] if low is not None else []), high]
    sums = ", ".join(f"COALESCE(SUM({name}), 0)" for name in INDEX_COUNTERS)
    totals: dict = {
        "before": defaultdict(lambda: defaultdict(int)),
        "period": defaultdict(lambda: defaultdict(int)),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT part, agency_id, {sums} FROM ({' UNION ALL '.join(branches)}) AS spans "  # noqa: S608
            "GROUP BY part, agency_id",
            params,
        )
        for part, agency_id, *values in cursor.fetchall():
            totals[part][agency_id] = defaultdict(int, zip(INDEX_COUNTERS, values, strict=True))
    return totals["before"], totals["period"]


def _fee_procedures(scope, date_from: datetime.date, date_to: datetime.date) -> list[tuple[int, int, bool]]:
    """(agency id, procedure id, paid online) of each fee-bearing procedure with dossiers received
    in the period (766 item 3.5b), from the procedure rollups."""
    condition, scope_params = scope
    branches, params = [], []
    for model, ranges in zip((MonthlyRollup, DailyRollup), _spans(date_from, date_to), strict=True):
        for low, high in ranges:
            branches.append(
                "SELECT agency_id, procedure_id, idx_any_fee_paid_online "  # noqa: S608
                f"FROM {model._meta.db_table} "
                f"WHERE {condition} AND idx_any_fee > 0 AND day >= %s AND day < %s"
            )
            params += [*scope_params, low, high]
    with connection.cursor() as cursor:
        cursor.execute(  # the rows with a fee-bearing dossier (paid online ones are among them)
            "SELECT agency_id, procedure_id, SUM(idx_any_fee_paid_online) > 0 "  # noqa: S608
            f"FROM ({' UNION ALL '.join(branches)}) AS spans GROUP BY agency_id, procedure_id",
            params,
        )
        return [(agency_id, procedure_id, bool(paid)) for agency_id, procedure_id, paid in cursor.fetchall()]


def _late_at_end(agency, include_children: bool, end) -> dict[int, int]:
    """How many dossiers of each receiving agency are open at ``end`` (open now, a status of
    ``report.OPEN``; finished after ``end``; for a period that is over, stopped or refused after
    it) and late then by the rules of 766 item 2.1. Without a supplement during processing a
    dossier is late when its due time is before the end (or now): counted in the database from
    the index of open dossiers by due time (and the one of finished time), less those with a
    supplement, which are judged one by one with the others, found from the supplements' side."""
    dossiers = _dossiers(agency, include_children).filter(received_at__lt=end)
    now = timezone.now()
    bound = min(end, now)
    requests = SupplementRequest.objects.filter(requested_at__lt=bound).exclude(from_status=Status.NEW)
    supplements = DueTimeChange.objects.filter(kind=DueTimeChangeKind.SUPPLEMENT)
    supplemented = Exists(supplements.filter(dossier=OuterRef("pk"), at__gte=OuterRef("received_at")))
    closing = (Status.STOPPED, Status.REFUSED)
    open_at_end = Q(status__in=OPEN) | Q(finished_at__gte=end)
    late: dict[int, int] = defaultdict(int)
    for due in (
        dossiers.filter(status__in=OPEN, due_at__lt=bound),
        dossiers.filter(finished_at__gte=end, due_at__lt=bound).exclude(status__in=(*OPEN, *closing)),
    ):
        for agency_id, count in (
            due.order_by()
            .values("receiving_agency_id")
            .annotate(n=Count("*"))
            .values_list("receiving_agency_id", "n")
        ):
            late[agency_id] += count
    # Those with a supplement: asked for before the end, or their clock stopped for one.
    with_supplement = dossiers.filter(open_at_end).exclude(status__in=closing)
    parts = [
        with_supplement.filter(pk__in=requests.values("dossier_id")),
        with_supplement.filter(supplemented, pk__in=supplements.values("dossier_id")),
        # Stopped or refused since the end (none while the period runs), found from the status
        # changes (joined, not a semi-join: PostgreSQL then starts from the few changes since the
        # end), where every change is recorded (``dossiers.actions.apply_status_change``).
        dossiers.filter(
            status__in=closing, status_changes__to_status__in=closing, status_changes__at__gte=end
        ),
    ]
    found = [{row["pk"]: row for row in part.order_by().values(*ROW_FIELDS)} for part in parts]
    for row in {**found[0], **found[1]}.values():  # counted above if due before the end: judged below
        if row["due_at"] is not None and row["due_at"] < bound:
            late[row["receiving_agency_id"]] -= 1
    rows = list({pk: row for part in found for pk, row in part.items()}.values())
    stopped, requests_of, due_changes = _histories(rows)
    for row in rows:
        stopped_at = _stopped_at(row, stopped)
        if not _on_time(row, requests_of[row["pk"]], due_changes[row["pk"]], stopped_at, end, bound):
            late[row["receiving_agency_id"]] += 1
    return {agency_id: count for agency_id, count in late.items() if count}


def _disliked(agency, include_children: bool, start, end) -> dict[int, int]:
    """Per receiving agency: the dossiers handled in the period rated 1 or 2 stars before its end
    (read from the ratings, a few per hundred dossiers)."""
    rated = DossierRating.objects.filter(stars__lte=DISLIKED_STARS, rated_at__lt=end)
    rows = [
        {
            "pk": pk,
            "receiving_agency_id": agency_id,
            "status": status,
            "finished_at": finished,
            "received_at": at,
        }
        for pk, agency_id, status, finished, at in _dossiers(agency, include_children)
        .filter(received_at__lt=end, pk__in=rated.values("dossier_id"))
        .exclude(finished_at__lt=start)
        .values_list("pk", "receiving_agency_id", "status", "finished_at", "received_at")
    ]
    stopped = _histories(rows)[0]
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        closed = row["finished_at"] or _stopped_at(row, stopped)
        if closed is None or closed >= start:
            counts[row["receiving_agency_id"]] += 1
    return counts


def _synced(agency, include_children: bool, start, end) -> dict[int, int]:
    """Per receiving agency: the dossiers received in the period that the national portal had
    fully synchronised by its end (766 item 1.4; only asked when a portal is configured)."""
    counts: dict[int, int] = defaultdict(int)
    rows = (
        _dossiers(agency, include_children)
        .filter(received_at__gte=start, received_at__lt=end)
        .filter(_synced_by(end))
        .values("receiving_agency_id")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["receiving_agency_id"]] = row["n"]
    return counts


def index_766(
    agency: Agency | None = None,
    include_children: bool = True,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> dict:
    """The index for the scope (``agency`` None: the province) and per receiving agency in it,
    the agencies ranked by their share of the points that could be measured.

    Read from the rollups' index counters, plus small queries: the dossiers open at the end of
    the period that might be late then (2.1), the low ratings (5.4), from the procedure rollups
    the fee-bearing procedures (3.5b) and, with a national portal configured, the period's
    dossiers it had fully synchronised (1.4)."""
    date_from, date_to = _period(date_from, date_to)
    start, end = _start_of(date_from), _start_of(date_to + datetime.timedelta(days=1))
    scope = _scope_sql(agency, include_children, None, None)
    before, period = _agency_sums(scope, date_from, date_to)
    counts: dict = defaultdict(lambda: defaultdict(int))
    for agency_id in set(before) | set(period):
        b, p = before[agency_id], period[agency_id]
        handled = b["idx_received"] + p["idx_received"] - b["idx_closed"]
        if handled <= 0:
            continue
        counts[agency_id].update(
            {
                "handled": handled,
                # closed on time in the period, and every dossier still open at its end …
                "on_time": p["idx_closed_on_time"] + handled - p["idx_closed"],
                "finished": p["idx_result"],
                "e_result": p["idx_e_result"],
                "received": p["idx_received"],
                "digitised": p["idx_digitised"],
                "full_process": p["idx_full_process"],
                "full_process_online": p["idx_full_process_online"],
                "had_to_pay": p["idx_fee_due"],
                "paid_online": p["idx_paid_online"],
            }
        )
    # … but those late at its end
    for agency_id, late in _late_at_end(agency, include_children, end).items():
        counts[agency_id]["on_time"] -= late
    for agency_id, disliked in _disliked(agency, include_children, start, end).items():
        counts[agency_id]["disliked"] += disliked
    if getattr(settings, "NATIONAL_PORTAL_URL", ""):
        for agency_id, synced in _synced(agency, include_children, start, end).items():
            if agency_id in counts:
                counts[agency_id]["synced"] += synced
    procedures: dict = defaultdict(lambda: defaultdict(bool))
    for agency_id, procedure_id, paid in _fee_procedures(scope, date_from, date_to):
        for key in (agency_id, None):
            procedures[key][procedure_id] |= paid
    for agency_id in list(counts):
        for flag, value in counts[agency_id].items():
            counts[None][flag] += value
    for key, paid in procedures.items():
        counts[key]["fee_procedures"] = len(paid)
        counts[key]["fee_procedures_paid_online"] = sum(paid.values())
    names = dict(
        Agency.objects.filter(
            pk__in=[k for k, c in counts.items() if k is not None and c["handled"]]
        ).values_list("pk", "name")
    )
    texts = _texts()
    agencies = sorted(
        ({"agency_id": pk, "agency": names[pk], **scorecard(counts[pk], texts)} for pk in names),
        key=lambda card: (-(card["share"] or 0), card["agency"]),
    )
    for rank, card in enumerate(agencies, 1):
        card["rank"] = rank
    return {
        "date_from": date_from,
        "date_to": date_to,
        "total": scorecard(counts[None], texts),
        "agencies": agencies,
    }


def _measure(code: str, c: dict) -> tuple[int, int] | tuple[float, None]:
    """(numerator, denominator) of an indicator the platform computes; 5.4 gives its rate."""
    if code == "5.4":
        if not c["handled"]:
            return None, None
        late = 100 * (c["handled"] - c["on_time"]) / c["handled"]
        disliked = 100 * c["disliked"] / c["handled"]
        return max(0.0, round(100 - late - disliked, 2)), None
    if code == "3.5b":
        return c["fee_procedures_paid_online"], c["fee_procedures"]
    numerator, denominator = DOSSIER_COUNTS[code]
    return c[numerator], c[denominator]


def _texts() -> dict:
    """The groups' and indicators' names and reasons in the active language, translated once."""
    return {
        **{number: str(name) for number, (name, _points) in GROUPS.items()},
        **{
            i.code: (str(i.title), str(i.reason_for_no_data()) if i.reason_for_no_data() else None)
            for i in INDICATORS
        },
    }


def scorecard(c: dict, texts: dict | None = None) -> dict:
    """Groups and indicators with value, threshold and points from the counts ``c``."""
    texts = texts or _texts()
    groups = []
    for number, (_name, points) in GROUPS.items():
        rows = []
        for indicator in (i for i in INDICATORS if i.group == number):
            row = {
                "code": indicator.code,
                "title": texts[indicator.code][0],
                "max_points": indicator.points,
                "threshold": indicator.threshold,
                "numerator": None,
                "denominator": None,
                "rate": None,
                "points": None,
                "no_data": texts[indicator.code][1],
            }
            if row["no_data"] is None:
                part, whole = _measure(indicator.code, c)
                row["numerator"], row["denominator"] = (None, None) if whole is None else (part, whole)
                row["rate"] = part if whole is None else _rate(part, whole)
                row["points"] = score(row["rate"], indicator)
            rows.append(row)
        measured = [row for row in rows if row["points"] is not None]
        groups.append(
            {
                "number": number,
                "name": texts[number],
                "max_points": points,
                "points": round(sum(row["points"] for row in measured), 2),
                "measured_max": sum(row["max_points"] for row in measured),
                "indicators": rows,
            }
        )
    earned = round(sum(group["points"] for group in groups), 2)
    measured_max = sum(group["measured_max"] for group in groups)
    return {
        "groups": groups,
        "points": earned,
        "max_points": sum(points for _name, points in GROUPS.values()),
        "measured_max": measured_max,
        "share": round(100 * earned / measured_max, 2) if measured_max else None,
    }
