"""The officers' inbox: the dossiers an officer's agencies and roles may act on, read from the
flow's open steps by current agency and from the pending withdrawal requests."""

import datetime
import operator
import re
from collections.abc import Iterable
from functools import reduce

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from tinhso.accounts.models import Role
from tinhso.accounts.permissions import agency_ids_in_scope
from tinhso.core.text import fold, nfc
from tinhso.dossiers.codes import lookup_form
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.status import CLOCK_RUNNING, FINAL, Status
from tinhso.procedures.models import Procedure
from tinhso.workflows.models import DossierFlow, StepRecord
from tinhso.worktime.calendar import add_working_days

HANDLING_ROLES = (Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER)
DUE_TODAY, DUE_SOON, OVERDUE = "due_today", "due_soon", "overdue"
# The current step is past its own deadline (``DossierFlow.step_due_at``), whether or not the
# dossier as a whole is late yet: an online dossier not examined within its working hours, a
# paper dossier not transferred in time (``tinhso.workflows.actions.examination_due`` and
# ``transfer_due``, with their sources), or any step past the time its flow gives it.
STEP_LATE = "step_late"
DEADLINES = (DUE_TODAY, DUE_SOON, OVERDUE, STEP_LATE)


# The inbox's "waiting for" filter: the step's role.
TO_RECEIVE, TO_PROCESS, TO_SIGN = "receive", "process", "sign"
WAITING_ROLES = {TO_RECEIVE: Role.ONE_STOP_OFFICER, TO_PROCESS: Role.SPECIALIST, TO_SIGN: Role.LEADER}
CODE_CHARACTERS = re.compile(r"[0-9A-Za-z.\-]+")
# Named, not excluded: the copy is nullable, and NOT IN would add "or NULL" to every part.
NOT_FINAL = sorted(set(Status) - FINAL)
# What a page of the inbox is read as: the flow, and what it is sorted by.
PAGE_COLUMNS = ("pk", "dossier_due_at", "dossier_submitted_at", "dossier_id")
# The fields of a dossier and of its flow that the inbox's rows (the page's and the API's) show.
LISTED_FIELDS = ("code", "submission_reference", "procedure", "applicant_name", "status", "due_at")
LISTED_FLOW_FIELDS = ("dossier", "step_due_at", "state__name", "assignee__full_name")


def _desk_and_withdrawals(user, roles) -> tuple[Q | None, Q | None]:
    """The flows of the dossiers waiting for one of ``roles`` in an agency where ``user`` holds
    it, in two parts (None: they hold none of them anywhere).

    - At the desk: waiting at the flow's step for a role the user holds in the agency holding
      the dossier. A specialist sees the unassigned ones and those assigned to them.
    - The withdrawal requests, which wait for the one-stop officers of the receiving agency and
      for the leaders of the agency holding the dossier, who decide on them.

    Every condition is on the flow row, which carries the dossier's status, due time and
    procedure (``DossierFlow.dossier_status``…): the database reads a desk from the desk index
    (``workflows_desk_idx``, which holds every column used here) and the withdrawal requests
    from theirs, without reading the dossiers."""
    desk: list[Q] = []
    withdrawals: list[Q] = []
    desk_agencies: set[int] = set()
    for role in roles:
        agencies = agency_ids_in_scope(user, role)
        if not agencies:
            continue
        desk_agencies |= agencies
        part = Q(current_agency_id__in=agencies, waiting_roles__contains=f",{role},")
        if role == Role.SPECIALIST:
            part &= Q(assignee__isnull=True) | Q(assignee=user)
        desk.append(part)
        if role == Role.ONE_STOP_OFFICER:
            withdrawals.append(Q(dossier_status=Status.WITHDRAWN, receiving_agency_id__in=agencies))
        elif role == Role.LEADER:
            withdrawals.append(Q(dossier_status=Status.WITHDRAWN, current_agency_id__in=agencies))
    at_desk = (
        Q(current_agency_id__in=sorted(desk_agencies), dossier_status__in=NOT_FINAL)
        & ~Q(waiting_roles="")
        & reduce(operator.or_, desk)
        if desk
        else None
    )
    return at_desk, reduce(operator.or_, withdrawals) if withdrawals else None


def _waiting(user, roles) -> Q | None:
    """Both parts of ``_desk_and_withdrawals`` as one condition."""
    parts = [part for part in _desk_and_withdrawals(user, roles) if part is not None]
    return reduce(operator.or_, parts) if parts else None


def _apart(user, roles) -> list[Q]:
    """The desk and the withdrawal requests not at the desk: two parts without a flow in both,
    each read by an index of its own (one condition with both reads every flow of the desk)."""
    at_desk, withdrawals = _desk_and_withdrawals(user, roles)
    parts = [at_desk] if at_desk is not None else []
    if withdrawals is not None:
        parts.append(withdrawals if at_desk is None else withdrawals & ~at_desk)
    return parts


def waiting_flows(user, roles=HANDLING_ROLES) -> QuerySet[DossierFlow]:
    """The flows of the open dossiers waiting for one of ``user``'s ``roles`` in an agency of theirs."""
    condition = _waiting(user, roles)
    return DossierFlow.objects.none() if condition is None else DossierFlow.objects.filter(condition)


def dossiers_of(rows: Iterable[tuple]) -> list[Dossier]:
    """The dossiers of a page of ``filtered`` or ``overdue_in_agency`` rows, in the same order,
    each with its flow, the flow's state and officer, and its procedure. Read apart from the
    rows: joined, the database misjudged how many flows a busy desk has and read the dossier of
    every one of them before sorting."""
    flow_ids = [row[0] for row in rows]
    # What a row shows only: not the answers, the applicant's contact details, the e-form…
    flows = (
        DossierFlow.objects.select_related("state", "assignee").only(*LISTED_FLOW_FIELDS).in_bulk(flow_ids)
    )
    found = (
        Dossier.objects.select_related("procedure")
        .only(*LISTED_FIELDS, "procedure__code", "procedure__name")
        .order_by()
        .in_bulk([flow.dossier_id for flow in flows.values()])
    )
    dossiers = []
    for flow_id in flow_ids:
        flow = flows[flow_id]
        dossier = found[flow.dossier_id]
        dossier.flow = flow
        dossiers.append(dossier)
    return dossiers


def soon_limit(now: datetime.datetime) -> datetime.datetime:
    """Due soon: due within one working day from now."""
    return add_working_days(now, 1)


def deadline_q(kind: str, now: datetime.datetime | None = None) -> Q:
    """The flows of the dossiers of one of the ``DEADLINES``."""
    now = now or timezone.now()
    if kind == STEP_LATE:
        return Q(step_due_at__lt=now)
    running = Q(dossier_status__in=CLOCK_RUNNING, dossier_due_at__isnull=False)
    if kind == OVERDUE:
        return running & Q(dossier_due_at__lt=now)
    if kind == DUE_SOON:
        return running & Q(dossier_due_at__gte=now, dossier_due_at__lt=soon_limit(now))
    if kind == DUE_TODAY:
        start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return running & Q(dossier_due_at__gte=start, dossier_due_at__lt=start + datetime.timedelta(days=1))
    raise ValueError(kind)


def search(flows: QuerySet[DossierFlow], text: str) -> QuerySet[DossierFlow]:
    """The flows of the dossiers found by part of their code or of their submission reference
    (or the whole reference typed without its dashes), the CCCD (exact), the procedure's code
    (exact), or part of the applicant's name or of the procedure's name typed with or without
    accents."""
    text = nfc(text)
    if not text:
        return flows
    folded = fold(text)
    # The procedures found, as a set the database reads once: joined to each of a busy desk's
    # flows, the catalogue was read once per flow.
    procedures = Procedure.objects.filter(Q(code__iexact=text) | Q(name_folded__contains=folded))
    found = Q(search_name__contains=folded) | Q(procedure__in=procedures.values("pk"))
    # Codes, references and CCCDs have no other characters: a name typed with a space or a
    # Vietnamese letter is looked for without reading the desk's dossiers.
    typed = lookup_form(text)
    if CODE_CHARACTERS.fullmatch(typed):
        found |= (
            Q(dossier__code__icontains=text)
            | Q(dossier__submission_reference__icontains=text)
            | Q(dossier__submission_reference=typed)
            | Q(dossier__applicant_cccd=text)
        )
    return flows.filter(found)


def filtered(
    user,
    q: str = "",
    procedure: Procedure | str | None = None,
    status: int | None = None,
    deadline: str = "",
    waiting: str = "",
) -> QuerySet[DossierFlow, tuple]:
    """The rows (``PAGE_COLUMNS``) of the flows of ``user``'s inbox narrowed by the filters the
    page and the API share, in due order (the oldest due first); ``procedure`` is a procedure
    or its code, ``waiting`` one of ``WAITING_ROLES``. Unknown deadline and waiting kinds are
    ignored. A page of them gives its dossiers with ``dossiers_of``.

    The desk and the withdrawal requests not at it are read apart and put together (UNION ALL):
    the desk's rows come from its index alone, sorted there, and only the page's flows are read."""
    roles = (WAITING_ROLES[waiting],) if waiting in WAITING_ROLES else HANDLING_ROLES
    parts = []
    for part in _apart(user, roles):
        rows = search(DossierFlow.objects.filter(part), q)
        if isinstance(procedure, Procedure):
            rows = rows.filter(procedure=procedure)
        elif procedure:
            rows = rows.filter(procedure__code=procedure)
        if status:
            rows = rows.filter(dossier_status=status)
        if deadline in DEADLINES:
            rows = rows.filter(deadline_q(deadline))
        parts.append(rows.values_list(*PAGE_COLUMNS))
    if not parts:
        return DossierFlow.objects.none().values_list(*PAGE_COLUMNS)
    together = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    # Those without a due time yet last, on SQLite as on PostgreSQL.
    return together.order_by(F("dossier_due_at").asc(nulls_last=True), "dossier_submitted_at", "dossier_id")


def counts(user, now: datetime.datetime | None = None) -> tuple[dict[str, int], list[int]]:
    """How many dossiers of ``user``'s inbox (``waiting_flows``) there are, due today, due soon,
    overdue and late at their step, and the ids of the procedures they are of: one pass over
    the desk by procedure (from the desk index alone), and one over the withdrawal requests not
    at the desk."""
    now = now or timezone.now()
    kinds = (DUE_TODAY, DUE_SOON, OVERDUE, STEP_LATE)
    figures = {kind: Count("pk", filter=deadline_q(kind, now)) for kind in kinds}
    totals = dict.fromkeys(("total", *kinds), 0)
    procedure_ids: set[int] = set()
    for part in _apart(user, HANDLING_ROLES):
        by_procedure = (
            DossierFlow.objects.filter(part)
            .values("procedure_id")
            .annotate(total=Count("pk"), **figures)
            .values_list("procedure_id", "total", *kinds)
        )
        for procedure_id, *found in by_procedure:
            procedure_ids.add(procedure_id)
            for key, figure in zip(totals, found, strict=True):
                totals[key] += figure
    return totals, sorted(procedure_ids)


def start_counts(user, now: datetime.datetime | None = None) -> dict[str, int]:
    """The officer's start page: how many dossiers wait for them to receive, process and sign
    (for the roles they hold), and how many of all are due soon, overdue and late at their step.

    The inbox's flows (``waiting_flows``) are counted by the agency holding them and the roles
    they wait for, in two parts: the desk without the dossiers whose withdrawal is requested,
    from the desk index alone, and those dossiers (a few) with their receiving agency, which
    their withdrawal request waits for and the desk index does not hold. Which role each group
    counts for is then decided here, as ``_desk_and_withdrawals`` decides it."""
    now = now or timezone.now()
    scopes = {kind: agency_ids_in_scope(user, role) for kind, role in WAITING_ROLES.items()}
    figures = dict.fromkeys(("total", *[kind for kind, agencies in scopes.items() if agencies]), 0)
    deadlines = {kind: Count("pk", filter=deadline_q(kind, now)) for kind in (DUE_SOON, OVERDUE, STEP_LATE)}
    figures.update(dict.fromkeys(deadlines, 0))
    at_desk, withdrawals = _desk_and_withdrawals(user, HANDLING_ROLES)
    waiting = reduce(operator.or_, [part for part in (at_desk, withdrawals) if part is not None], Q())
    not_withdrawn = [status for status in NOT_FINAL if status != Status.WITHDRAWN]
    parts: list[tuple[Q, tuple[str, ...]]] = []
    if at_desk is not None:
        parts.append((at_desk & Q(dossier_status__in=not_withdrawn), ("current_agency_id", "waiting_roles")))
    if at_desk is not None or withdrawals is not None:
        parts.append(
            (
                waiting & Q(dossier_status=Status.WITHDRAWN),
                ("current_agency_id", "waiting_roles", "receiving_agency_id"),
            )
        )
    for condition, columns in parts:
        groups = (
            DossierFlow.objects.filter(condition)
            .values(*columns)
            .annotate(
                total=Count("pk"),
                free_or_mine=Count("pk", filter=Q(assignee__isnull=True) | Q(assignee=user)),
                **deadlines,
            )
            .order_by()
        )
        for group in groups:
            for kind in ("total", *deadlines):
                figures[kind] += group[kind]
            agency, roles = group["current_agency_id"], group["waiting_roles"]
            withdrawal = "receiving_agency_id" in group
            if (agency in scopes[TO_RECEIVE] and f",{Role.ONE_STOP_OFFICER}," in roles) or (
                withdrawal and group["receiving_agency_id"] in scopes[TO_RECEIVE]
            ):
                figures[TO_RECEIVE] += group["total"]
            if agency in scopes[TO_PROCESS] and f",{Role.SPECIALIST}," in roles:
                figures[TO_PROCESS] += group["free_or_mine"]
            if agency in scopes[TO_SIGN] and (f",{Role.LEADER}," in roles or withdrawal):
                figures[TO_SIGN] += group["total"]
    return figures


def overdue_in_agency(user) -> QuerySet[DossierFlow, tuple]:
    """For leaders: the rows (``PAGE_COLUMNS``) of the flows of every overdue dossier at an
    agency they lead, whoever holds it, the most overdue first."""
    agencies = agency_ids_in_scope(user, Role.LEADER)
    overdue = DossierFlow.objects.filter(deadline_q(OVERDUE), current_agency_id__in=agencies)
    return overdue.values_list(*PAGE_COLUMNS).order_by("dossier_due_at", "dossier_submitted_at", "dossier_id")


def handled_by(user) -> QuerySet[DossierFlow, tuple]:
    """The rows (``PAGE_COLUMNS``) of the flows of the dossiers ``user`` took a step of, wherever
    they are now, the one they last acted on first (read from the handoffs by officer)."""
    mine = StepRecord.objects.filter(from_user=user)
    latest = mine.filter(dossier=OuterRef("dossier_id")).order_by("-at").values("at")[:1]
    return (
        DossierFlow.objects.filter(dossier_id__in=mine.values("dossier_id"))
        .annotate(last_step_at=Subquery(latest))
        .values_list(*PAGE_COLUMNS)
        .order_by("-last_step_at", "-dossier_id")
    )
