"""The officers' inbox: the dossiers an officer's agencies and roles may act on, read from the
flow's open steps by current agency and from the pending withdrawal requests."""

import datetime
import operator
from functools import reduce

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tinhso.accounts.models import Role
from tinhso.accounts.permissions import agency_ids_in_scope
from tinhso.core.text import fold, nfc
from tinhso.dossiers.codes import lookup_form
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.status import CLOCK_RUNNING, FINAL, Status
from tinhso.procedures.models import Procedure
from tinhso.workflows.models import DossierFlow
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


def _waiting_ids(user, roles) -> QuerySet | None:
    """The ids of the dossiers waiting for one of ``roles`` in an agency where ``user`` holds it
    (None: they hold none of them anywhere). A specialist sees the unassigned ones and those
    assigned to them. A withdrawal request waits for the one-stop officers of the receiving
    agency and the leaders of the agency holding the dossier, who decide on it.

    Each part is read from its own small index, the open steps of the flow
    (``workflows_waiting_idx``) and the withdrawal requests (``dossiers_withdrawal_idx``), and the
    parts are joined by UNION: an OR across the two tables would make the database read every
    dossier of the province, or every open flow for the leaders' part."""
    at_step: list[Q] = []
    parts: list[QuerySet] = []
    requests = Dossier.objects.filter(status=Status.WITHDRAWN).order_by()
    for role in roles:
        agencies = agency_ids_in_scope(user, role)
        if not agencies:
            continue
        part = Q(current_agency_id__in=agencies, waiting_roles__contains=f",{role},")
        if role == Role.SPECIALIST:
            part &= Q(assignee__isnull=True) | Q(assignee=user)
        at_step.append(part)
        if role == Role.ONE_STOP_OFFICER:
            parts.append(requests.filter(receiving_agency_id__in=agencies).values("pk"))
        elif role == Role.LEADER:
            parts.append(requests.filter(flow__current_agency_id__in=agencies).values("pk"))
    if at_step:
        flows = DossierFlow.objects.filter(reduce(operator.or_, at_step)).exclude(waiting_roles="")
        parts.insert(0, flows.values("dossier_id"))
    if not parts:
        return None
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


def actionable(user, roles=HANDLING_ROLES) -> QuerySet[Dossier]:
    """Open dossiers waiting for one of ``user``'s ``roles`` in an agency of theirs."""
    ids = _waiting_ids(user, roles)
    if ids is None:
        return Dossier.objects.none()
    return Dossier.objects.filter(pk__in=ids, is_draft=False).exclude(status__in=FINAL)


def soon_limit(now: datetime.datetime) -> datetime.datetime:
    """Due soon: due within one working day from now."""
    return add_working_days(now, 1)


def deadline_q(kind: str, now: datetime.datetime | None = None) -> Q:
    now = now or timezone.now()
    if kind == STEP_LATE:
        return Q(flow__step_due_at__lt=now)
    running = Q(status__in=CLOCK_RUNNING, due_at__isnull=False)
    if kind == OVERDUE:
        return running & Q(due_at__lt=now)
    if kind == DUE_SOON:
        return running & Q(due_at__gte=now, due_at__lt=soon_limit(now))
    if kind == DUE_TODAY:
        start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return running & Q(due_at__gte=start, due_at__lt=start + datetime.timedelta(days=1))
    raise ValueError(kind)


def search(queryset: QuerySet[Dossier], text: str) -> QuerySet[Dossier]:
    """By part of the dossier code or of the submission reference (or the whole reference typed
    without its dashes), the CCCD (exact), the procedure's code (exact), or part of the applicant's name or
    of the procedure's name typed with or without accents."""
    text = nfc(text)
    if not text:
        return queryset
    folded = fold(text)
    return queryset.filter(
        Q(code__icontains=text)
        | Q(submission_reference__icontains=text)
        | Q(submission_reference=lookup_form(text))
        | Q(applicant_cccd=text)
        | Q(procedure__code__iexact=text)
        | Q(flow__search_name__contains=folded)
        | Q(procedure__name_folded__contains=folded)
    )


def filtered(
    user,
    q: str = "",
    procedure: Procedure | str | None = None,
    status: int | None = None,
    deadline: str = "",
    waiting: str = "",
) -> QuerySet[Dossier]:
    """``user``'s inbox narrowed by the filters the page and the API share, in due order (the
    oldest due first); ``procedure`` is a procedure or its code, ``waiting`` one of
    ``WAITING_ROLES``. Unknown deadline and waiting kinds are ignored."""
    roles = (WAITING_ROLES[waiting],) if waiting in WAITING_ROLES else HANDLING_ROLES
    rows = search(actionable(user, roles), q)
    if isinstance(procedure, Procedure):
        rows = rows.filter(procedure=procedure)
    elif procedure:
        rows = rows.filter(procedure__code=procedure)
    if status:
        rows = rows.filter(status=status)
    if deadline in DEADLINES:
        rows = rows.filter(deadline_q(deadline))
    # The related rows are read for the page's dossiers only, after the sort: joined to every
    # dossier of a busy desk before it, they made the first page twice as slow.
    return rows.prefetch_related("procedure", "flow__state", "flow__assignee").order_by(
        "due_at", "submitted_at", "pk"
    )


def counts(
    queryset: QuerySet[Dossier], now: datetime.datetime | None = None
) -> tuple[dict[str, int], list[int]]:
    """How many dossiers of the inbox there are, due today, due soon, overdue and late at their
    step, and the ids of the procedures they are of: one pass over the inbox, by procedure."""
    now = now or timezone.now()
    kinds = (DUE_TODAY, DUE_SOON, OVERDUE, STEP_LATE)
    by_procedure = (
        queryset.order_by()
        .values("procedure_id")
        .annotate(total=Count("pk"), **{kind: Count("pk", filter=deadline_q(kind, now)) for kind in kinds})
        .values_list("procedure_id", "total", *kinds)
    )
    totals = dict.fromkeys(("total", *kinds), 0)
    procedure_ids = []
    for procedure_id, *figures in by_procedure:
        procedure_ids.append(procedure_id)
        for key, figure in zip(totals, figures, strict=True):
            totals[key] += figure
    return totals, procedure_ids


def start_counts(user, now: datetime.datetime | None = None) -> dict[str, int]:
    """The officer's start page: how many dossiers wait for them to receive, process and sign
    (for the roles they hold), and how many of all are due soon, overdue and late at their step."""
    now = now or timezone.now()
    base = actionable(user)
    figures = {}
    for kind, role in WAITING_ROLES.items():
        ids = _waiting_ids(user, (role,))
        if ids is not None:
            figures[kind] = Count("pk", filter=Q(pk__in=ids))
    return base.aggregate(
        total=Count("pk"),
        **figures,
        due_soon=Count("pk", filter=deadline_q(DUE_SOON, now)),
        overdue=Count("pk", filter=deadline_q(OVERDUE, now)),
        step_late=Count("pk", filter=deadline_q(STEP_LATE, now)),
    )


def overdue_in_agency(user) -> QuerySet[Dossier]:
    """For leaders: every overdue dossier at an agency they lead, whoever holds it."""
    agencies = agency_ids_in_scope(user, Role.LEADER)
    return (
        Dossier.objects.filter(deadline_q(OVERDUE), flow__current_agency_id__in=agencies, is_draft=False)
        .select_related("procedure", "flow__assignee")
        .order_by("due_at")
    )
