"""``/api/v1/dossiers``: submit and follow dossiers (bearer token), public tracking.

``POST /`` creates a dossier (submitted, or a draft with ``"submit": false``) in one call; files
are uploaded first to the caller's document store (``POST /documents``) and referenced by id.
An ``Idempotency-Key`` header makes retries safe: the same key and body return the same dossier
(200) instead of creating another; the same key with another body is refused (409).
"""

import datetime
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.responses import NinjaJSONEncoder

from tinhso.accounts.permissions import can
from tinhso.audit.services import record_dossier_read
from tinhso.core.api import ApiRequest
from tinhso.core.net import client_ip
from tinhso.dossiers import actions, tracking
from tinhso.dossiers.codes import lookup_form
from tinhso.dossiers.models import Dossier, by_display_code

router = Router(tags=["dossiers"])


class ErrorOut(Schema):
    error: dict[str, Any]


class AddressIn(Schema):
    commune: str
    detail: str = ""


class ApplicantIn(Schema):
    phone: str = ""
    email: str = ""
    address: AddressIn | None = None


class AttachmentIn(Schema):
    personal_document: int
    required_document: int | None = None


class DossierIn(Schema):
    procedure: str
    receiving_agency: str
    applicant: ApplicantIn
    form_data: dict[str, Any] = {}
    attachments: list[AttachmentIn] = []
    submit: bool = True


class HistoryOut(Schema):
    status: int
    label: str
    at: datetime.datetime


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    required_document: int | None


CODE_HELP = (
    "The dossier code, issued when the agency receives the dossier (Decree 118/2025/NĐ-CP "
    "Art. 17(3) as amended by Decree 309/2026/NĐ-CP Art. 8(3)); null before reception and for a "
    "submission refused before reception."
)
REFERENCE_HELP = (
    "The random submission reference given on online submission; the applicant quotes it until "
    "the dossier has its code. Null for a dossier received at the counter and for a draft."
)


class DossierSummaryOut(Schema):
    id: int
    code: str | None = Field(description=CODE_HELP)
    submission_reference: str | None = Field(description=REFERENCE_HELP)
    procedure: str
    procedure_name: str
    receiving_agency: str
    status: int
    status_label: str
    is_draft: bool
    submitted_at: datetime.datetime | None
    due_at: datetime.datetime | None


class DossierOut(DossierSummaryOut):
    form_data: dict[str, Any]
    attachments: list[AttachmentOut]
    history: list[HistoryOut]


class TrackOut(Schema):
    code: str | None = Field(description=CODE_HELP)
    submission_reference: str | None = Field(description=REFERENCE_HELP)
    procedure_name: str
    receiving_agency_name: str
    status: int
    status_label: str
    submitted_at: datetime.datetime
    due_at: datetime.datetime | None
    history: list[HistoryOut]


class PersonalDocumentOut(Schema):
    id: int
    title: str
    content_type: str
    size: int
    sha256: str


class WithdrawIn(Schema):
    reason: str


class RatingIn(Schema):
    stars: int
    comment: str = ""


class RatingOut(Schema):
    dossier_code: str = Field(description="The dossier code (its submission reference if it has none).")
    stars: int
    comment: str
    rated_at: datetime.datetime


def _history(steps: Iterable[tracking.StatusStep]) -> list[dict[str, Any]]:
    return [{"status": step.status, "label": step.label, "at": step.at} for step in steps]


def _summary(dossier: Dossier) -> dict[str, Any]:
    return {
        "id": dossier.pk,
        "code": dossier.code,
        "submission_reference": dossier.submission_reference,
        "procedure": dossier.procedure.code,
        "procedure_name": dossier.procedure.name,
        "receiving_agency": dossier.receiving_agency.code,
        "status": dossier.status,
        "status_label": dossier.get_status_display(),
        "is_draft": dossier.is_draft,
        "submitted_at": dossier.submitted_at,
        "due_at": dossier.due_at,
    }


def _detail(dossier: Dossier, history: list[tracking.StatusStep] | None = None) -> dict[str, Any]:
    """The dossier as ``DossierOut``; ``history`` (status steps) when the caller knows it."""
    return {
        **_summary(dossier),
        "form_data": dossier.form_data,
        "attachments": [
            {
                "id": item.pk,
                "name": item.original_name,
                "content_type": item.content_type,
                "size": item.size,
                "sha256": item.sha256,
                "required_document": item.required_document_id,
            }
            for item in dossier.attachments.all()
        ],
        "history": _history(tracking.history(dossier) if history is None else history),
    }


def _error(code: str, message: str) -> dict[str, dict[str, str]]:
    return {"error": {"code": code, "message": str(message)}}


@router.post("/", response={200: DossierOut, 201: DossierOut, 409: ErrorOut}, summary="Submit a dossier")
def create_dossier(request: ApiRequest, payload: DossierIn) -> Status[dict[str, Any]]:
    body = payload.dict()
    key = request.headers.get("Idempotency-Key", "").strip()[:255]
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    try:
        dossier, created = actions.create_dossier(
            request.auth,
            procedure_code=payload.procedure,
            agency_code=payload.receiving_agency,
            applicant=body["applicant"],
            form_data=payload.form_data,
            attachments=body["attachments"],
            submit=payload.submit,
            idempotency_key=key,
            request_hash=digest,
        )
    except actions.IdempotencyConflict:
        return Status(
            409,
            _error(
                "idempotency_conflict", _("This Idempotency-Key was already used with a different request.")
            ),
        )
    if not created:
        return Status(200, _detail(dossier))
    # A dossier just created has one status step if submitted, none as a draft.
    history = [tracking.StatusStep(dossier.status, dossier.submitted_at)] if not dossier.is_draft else []
    return Status(201, _detail(dossier, history))


@router.get("/", response=list[DossierSummaryOut], summary="My dossiers and drafts")
def my_dossiers(request: ApiRequest) -> list[dict[str, Any]]:
    dossiers = Dossier.objects.filter(applicant=request.auth).select_related("procedure", "receiving_agency")
    return [_summary(dossier) for dossier in dossiers.order_by("-created_at")[:200]]


@router.post("/documents", response={201: PersonalDocumentOut}, summary="Add a file to my document store")
def upload_document(request: ApiRequest, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    document = actions.add_personal_document(request.auth, file)
    return Status(
        201,
        {
            "id": document.pk,
            "title": document.title,
            "content_type": document.content_type,
            "size": document.size,
            "sha256": document.sha256,
        },
    )


@router.get(
    "/track", auth=None, response={200: TrackOut, 404: ErrorOut, 429: ErrorOut}, summary="Track a dossier"
)
def track(request: HttpRequest, code: str, factor: str) -> Status[dict[str, dict[str, str]]] | JsonResponse:
    """``code``: the dossier code or the submission reference; ``factor``: the applicant's phone
    number or at least the last 4 digits of their citizen ID."""
    try:
        dossier = tracking.find_dossier(code, factor, client_ip(request) or "unknown")
    except tracking.TooManyAttempts:
        return Status(
            429, _error("too_many_attempts", _("Too many attempts. Please try again in 15 minutes."))
        )
    if dossier is None:
        return Status(
            404, _error("not_found", _("No dossier matches this code and phone number or citizen ID digits."))
        )
    # The lookup is the portal's surge path: its answer is built here as TrackOut describes it
    # (tests check that it validates) and rendered without validating it again.
    return JsonResponse(
        {
            "code": dossier.code,
            "submission_reference": dossier.submission_reference,
            "procedure_name": dossier.procedure_name,
            "receiving_agency_name": dossier.receiving_agency_name,
            "status": dossier.status,
            "status_label": dossier.status_label,
            "submitted_at": dossier.submitted_at,
            "due_at": dossier.due_at,
            "history": _history(dossier.history),
        },
        encoder=NinjaJSONEncoder,
        content_type="application/json; charset=utf-8",
    )


def _visible(request: ApiRequest, code: str) -> Dossier:
    dossier = (
        Dossier.objects.filter(by_display_code(lookup_form(code)), is_draft=False)
        .select_related("procedure", "receiving_agency")
        .prefetch_related("attachments")
        .first()
    )
    if dossier is None or not can(request.auth, "dossiers.view", dossier):
        raise Http404
    return dossier


@router.get("/{code}", response=DossierOut, summary="One dossier (its applicant or a permitted officer)")
def get_dossier(request: ApiRequest, code: str) -> dict[str, Any]:
    """``code``: the dossier code or the submission reference (also for the actions below)."""
    dossier = _visible(request, code)
    record_dossier_read(request.auth, dossier, ["form_data", "attachments"], "dossiers.api_view", request)
    return _detail(dossier)


@router.post("/{code}/withdraw", response=DossierOut, summary="Withdraw a dossier (status 7)")
def withdraw(request: ApiRequest, code: str, payload: WithdrawIn) -> dict[str, Any]:
    dossier = _visible(request, code)
    try:
        dossier = actions.withdraw_dossier(request.auth, dossier, payload.reason)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise ValidationError({"status": exc.messages}) from exc
        raise
    return _detail(dossier)


@router.post(
    "/{code}/rating",
    response={201: RatingOut},
    summary="Rate satisfaction with a dossier (its applicant, once, after the result)",
)
def rate(request: ApiRequest, code: str, payload: RatingIn) -> Status[dict[str, Any]]:
    dossier = _visible(request, code)
    try:
        rating = actions.rate_dossier(request.auth, dossier, payload.stars, payload.comment)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise ValidationError({"status": exc.messages}) from exc
        raise
    return Status(
        201,
        {
            "dossier_code": dossier.display_code,
            "stars": rating.stars,
            "comment": rating.comment,
            "rated_at": rating.rated_at,
        },
    )
