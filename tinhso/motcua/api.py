"""The back office over the API: an officer's inbox and the flow actions on a dossier.

Bearer-token authenticated like the rest of ``/api/v1/``; every handler calls the same
functions as the pages (``tinhso.motcua.inbox``, ``tinhso.workflows.actions``).
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from tinhso.accounts.models import User, UserKind
from tinhso.accounts.permissions import can
from tinhso.agencies.models import Agency
from tinhso.core.api import Pagination
from tinhso.dossiers.models import Dossier
from tinhso.motcua import inbox
from tinhso.workflows.actions import available_actions, perform_action
from tinhso.workflows.models import DossierFlow

router = Router(tags=["one-stop back office"])


class InboxFilter(Schema):
    q: str = ""
    deadline: str = ""
    procedure: str = ""
    status: int | None = None
    waiting: str = ""


class InboxDossierOut(Schema):
    id: int
    code: str
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


class FlowOut(Schema):
    code: str
    status: int
    status_label: str
    state: str
    due_at: datetime.datetime | None
    version: int
    actions: list[ActionOut]


def _officer(request) -> User:
    if request.auth.kind != UserKind.OFFICER:
        raise PermissionDenied("motcua")
    return request.auth


def _dossier(request, pk: int) -> Dossier:
    dossier = get_object_or_404(Dossier.objects.select_related("procedure"), pk=pk, is_draft=False)
    if not can(request.auth, "motcua.view", dossier):
        raise Http404
    return dossier


def _flow(user, dossier: Dossier, flow: DossierFlow | None = None) -> dict:
    """The dossier's step and the actions ``user`` may take (``flow``: the flow just moved)."""
    dossier.refresh_from_db()
    flow = flow or DossierFlow.objects.select_related("state", "version").get(dossier=dossier)
    return {
        "code": dossier.code,
        "status": dossier.status,
        "status_label": dossier.get_status_display(),
        "state": flow.state.name,
        "due_at": dossier.due_at,
        "version": dossier.version,
        "actions": [
            {"key": a.key, "name": a.name, "to_state": a.to_state.key, "status": a.to_state.status_code}
            for a in available_actions(user, dossier, flow)
        ],
    }


@router.get("/dossiers", response=list[InboxDossierOut], summary="Dossiers waiting for me")
@paginate(Pagination)
def inbox_dossiers(request, filters: Query[InboxFilter]):
    """The same inbox and filters as the page (``tinhso.motcua.inbox.filtered``), one page read
    from the database."""
    return inbox.filtered(_officer(request), **filters.dict())


@router.get("/dossiers/{pk}", response=FlowOut, summary="A dossier's step and the actions I may take")
def dossier_flow(request, pk: int):
    return _flow(_officer(request), _dossier(request, pk))


@router.post("/dossiers/{pk}/actions/{key}", response=FlowOut, summary="Take a flow action")
def take_action(request, pk: int, key: str, payload: ActionIn):
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
    return _flow(officer, dossier, flow)
