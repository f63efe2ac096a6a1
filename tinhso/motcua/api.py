"""The back office over the API: an officer's inbox, what the officer may do to a dossier
(``tinhso.motcua.rules.allowed_actions``, the same answer as the page's), the flow's actions and
the one-stop steps outside the flow that take plain input (refuse, supplement, payment request,
cash payment, extend, stop, withdrawal decisions). Attaching a draft result and signing take a
PDF: they stay on the pages.

Bearer-token authenticated like the rest of ``/api/v1/``; every handler calls the same
functions as the pages (``tinhso.motcua.inbox``, ``tinhso.motcua.actions``,
``tinhso.workflows.actions``).
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from tinhso.accounts.models import User, UserKind
from tinhso.accounts.permissions import can
from tinhso.agencies.models import Agency
from tinhso.core.api import ApiRequest, Pagination
from tinhso.dossiers.api import CODE_HELP, REFERENCE_HELP
from tinhso.dossiers.models import Dossier
from tinhso.motcua import actions, inbox
from tinhso.motcua.rules import FLOW, AllowedAction, allowed_actions
from tinhso.workflows.actions import available_actions, perform_action
from tinhso.workflows.models import DossierFlow

router = Router(tags=["one-stop back office"])


class InboxFilter(Schema):
    q: str = ""
    deadline: str = Field(
        "",
        description="due_today, due_soon, overdue or step_late (the current step is past its own deadline)",
    )
    procedure: str = ""
    status: int | None = None
    waiting: str = ""


class InboxDossierOut(Schema):
    id: int
    code: str | None = Field(description=CODE_HELP)
    submission_reference: str | None = Field(description=REFERENCE_HELP)
    procedure: str
    applicant_name: str
    status: int
    status_label: str
    due_at: datetime.datetime | None
    state: str

    @staticmethod
    def resolve_procedure(dossier: Dossier) -> str:
        return dossier.procedure.code

    @staticmethod
    def resolve_status_label(dossier: Dossier) -> str:
        return dossier.get_status_display()

    @staticmethod
    def resolve_state(dossier: Dossier) -> str:
        return dossier.flow.state.name


class ActionOut(Schema):
    key: str
    name: str
    to_state: str
    status: int


class ActionIn(Schema):
    note: str = ""
    assignee: str = ""
    agency: str = ""
    version: int | None = None


class AllowedOut(Schema):
    key: str
    kind: str
    label: str
    page: str
    api: str | None


class StepIn(Schema):
    reason: str = ""
    note: str = ""
    missing: list[str] = []
    new_due_at: datetime.datetime | None = None
    version: int | None = None


class FlowOut(Schema):
    code: str | None = Field(description=CODE_HELP)
    submission_reference: str | None = Field(description=REFERENCE_HELP)
    status: int
    status_label: str
    state: str
    due_at: datetime.datetime | None
    version: int
    actions: list[ActionOut]
    allowed: list[AllowedOut]


# The steps outside the flow the API takes, each calling its action (which checks permission and
# state again). ``version``: the dossier's version the client saw (refused when it changed);
# a cash payment is idempotent and takes none.
STEPS: dict[str, Callable[[User, Dossier, StepIn], object]] = {
    "refuse": lambda user, dossier, data: actions.refuse_dossier(user, dossier, data.reason, data.version),
    "supplement": lambda user, dossier, data: actions.ask_for_supplement(
        user, dossier, data.missing, data.note, data.version
    ),
    "payment": lambda user, dossier, data: actions.ask_for_payment(user, dossier, data.note, data.version),
    "cash": lambda user, dossier, data: actions.record_cash_payment(user, dossier, data.note),
    "extend": lambda user, dossier, data: actions.extend_dossier(
        user, dossier, data.new_due_at, data.reason, data.version
    ),
    "stop": lambda user, dossier, data: actions.stop_dossier(user, dossier, data.reason, data.version),
    "grant_withdrawal": lambda user, dossier, data: actions.grant_withdrawal(
        user, dossier, data.note, data.version
    ),
    "refuse_withdrawal": lambda user, dossier, data: actions.refuse_withdrawal(
        user, dossier, data.reason, data.version
    ),
}


def _officer(request: ApiRequest) -> User:
    if request.auth.kind != UserKind.OFFICER:
        raise PermissionDenied("motcua")
    return request.auth


def _dossier(request: ApiRequest, pk: int) -> Dossier:
    dossier = get_object_or_404(Dossier.objects.select_related("procedure"), pk=pk, is_draft=False)
    if not can(request.auth, "motcua.view", dossier):
        raise Http404
    return dossier


def _flow(user: User, dossier: Dossier, flow: DossierFlow | None = None) -> dict[str, Any]:
    """The dossier's step and the actions ``user`` may take (``flow``: the flow an action just
    moved, with the dossier it locked and changed; without it both are read again)."""
    if flow is None:
        dossier.refresh_from_db()
        flow = DossierFlow.objects.select_related("state", "version").get(dossier=dossier)
    return {
        "code": dossier.code,
        "submission_reference": dossier.submission_reference,
        "status": dossier.status,
        "status_label": dossier.get_status_display(),
        "state": flow.state.name,
        "due_at": dossier.due_at,
        "version": dossier.version,
        "actions": [
            {"key": a.key, "name": a.name, "to_state": a.to_state.key, "status": a.to_state.status_code}
            for a in available_actions(user, dossier, flow)
        ],
        "allowed": [
            {
                "key": allowed.key,
                "kind": allowed.kind,
                "label": str(allowed.label),
                "page": allowed.url,
                "api": _api_path(dossier, allowed),
            }
            for allowed in allowed_actions(user, dossier, flow)
        ],
    }


def _api_path(dossier: Dossier, allowed: AllowedAction) -> str | None:
    """Where the API takes ``allowed``, or None when only the page does (a PDF to upload)."""
    if allowed.kind == FLOW:
        return reverse("api-v1:motcua_action", kwargs={"pk": dossier.pk, "key": allowed.key})
    if allowed.key in STEPS:
        return reverse("api-v1:motcua_step", kwargs={"pk": dossier.pk, "key": allowed.key})
    return None


class InboxPagination(Pagination):
    """A page of the inbox's flows, answered as their dossiers."""

    def paginate_queryset(
        self, queryset: QuerySet[DossierFlow, Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page["items"] = inbox.dossiers_of(page["items"])
        return page


@router.get("/dossiers", response=list[InboxDossierOut], summary="Dossiers waiting for me")
@paginate(InboxPagination)
def inbox_dossiers(request: ApiRequest, filters: Query[InboxFilter]) -> QuerySet[DossierFlow, Any]:
    """The same inbox and filters as the page (``tinhso.motcua.inbox.filtered``), one page read
    from the database."""
    return inbox.filtered(_officer(request), **filters.dict())


@router.get("/dossiers/{pk}", response=FlowOut, summary="A dossier's step and the actions I may take")
def dossier_flow(request: ApiRequest, pk: int) -> dict[str, Any]:
    return _flow(_officer(request), _dossier(request, pk))


@router.post(
    "/dossiers/{pk}/actions/{key}", response=FlowOut, summary="Take a flow action", url_name="motcua_action"
)
def take_action(request: ApiRequest, pk: int, key: str, payload: ActionIn) -> dict[str, Any]:
    officer = _officer(request)
    dossier = _dossier(request, pk)
    assignee = get_object_or_404(User, username=payload.assignee) if payload.assignee else None
    agency = get_object_or_404(Agency, code=payload.agency) if payload.agency else None
    flow = perform_action(
        officer,
        dossier,
        key,
        note=payload.note,
        assignee=assignee,
        agency=agency,
        expected_version=payload.version,
    )
    return _flow(officer, flow.dossier, flow)


@router.post(
    "/dossiers/{pk}/steps/{key}",
    response=FlowOut,
    summary="Take a one-stop step outside the flow",
    url_name="motcua_step",
)
def take_step(request: ApiRequest, pk: int, key: str, payload: StepIn) -> dict[str, Any]:
    """``key``: refuse (``reason``), supplement (``missing``: one item a line, ``note``), payment
    (``note``), cash (``note``), extend (``new_due_at``, ``reason``), stop (``reason``),
    grant_withdrawal (``note``), refuse_withdrawal (``reason``)."""
    officer = _officer(request)
    dossier = _dossier(request, pk)
    step = STEPS.get(key)
    if step is None:
        raise Http404
    step(officer, dossier, payload)
    return _flow(officer, dossier)
