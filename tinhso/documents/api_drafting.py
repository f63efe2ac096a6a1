"""Drafting from templates and the review route over the API (``/api/v1/documents/…``): the
templates, a draft and its versions, sending for review, a reviewer's decision and the drafts
waiting for my review. The same rules and actions as the pages (``tinhso.documents.drafting``)."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from tinhso.accounts.models import User
from tinhso.accounts.permissions import can
from tinhso.agencies.models import Agency
from tinhso.core.api import ApiRequest
from tinhso.documents import drafting, drafts
from tinhso.documents.models import DraftVersion, OutgoingDocument, ReviewStep, Secrecy, Urgency
from tinhso.documents.rules import document_agency_ids

router = Router(tags=["official documents"])


class TemplateOut(Schema):
    type_code: str
    name: str
    addressees: bool
    grounds: bool
    articles: bool
    body: str
    closing_articles: list[str]
    recipients: list[str]


class DraftIn(Schema):
    """Multi-line fields: one addressee, ground or recipient per line; paragraphs and articles
    separated by an empty line."""

    subject: str
    body: str = ""
    addressees: str = ""
    grounds: str = ""
    articles: str = ""
    recipients: str = ""
    unit_symbol: str = ""
    urgency: int = Urgency.NORMAL
    secrecy: int = Secrecy.NONE
    signer: int | None = None
    signer_competence: str = ""
    signer_position: str = ""
    signer_title: str = ""
    authority: str = ""


class NewDraftIn(DraftIn):
    agency: str
    type_code: str


class VersionOut(Schema):
    number: int
    parts: dict
    created_by: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_created_by(version: DraftVersion) -> str:
        return version.created_by.full_name or version.created_by.get_username()


class ReviewStepOut(Schema):
    id: int
    document: int
    subject: str
    round: int
    stage: int
    reviewer: int
    reviewer_name: str
    purpose: str
    initials: bool
    version: int | None
    state: str
    opinion: str
    initialled_at: datetime.datetime | None
    decided_at: datetime.datetime | None

    @staticmethod
    def resolve_document(step: ReviewStep) -> int:
        return step.document_id

    @staticmethod
    def resolve_subject(step: ReviewStep) -> str:
        return step.document.subject

    @staticmethod
    def resolve_reviewer(step: ReviewStep) -> int:
        return step.reviewer_id

    @staticmethod
    def resolve_reviewer_name(step: ReviewStep) -> str:
        return step.reviewer.full_name or step.reviewer.get_username()

    @staticmethod
    def resolve_version(step: ReviewStep) -> int | None:
        return step.version.number if step.version else None


class DraftOut(Schema):
    id: int
    agency: str
    type_code: str
    subject: str
    state: str
    review_state: str
    versions: list[VersionOut]
    review: list[ReviewStepOut]

    @staticmethod
    def resolve_agency(document: OutgoingDocument) -> str:
        return document.agency.code

    @staticmethod
    def resolve_review_state(document: OutgoingDocument) -> str:
        return drafts.route_state(document)

    @staticmethod
    def resolve_versions(document: OutgoingDocument) -> QuerySet[DraftVersion]:
        return document.versions.select_related("created_by")

    @staticmethod
    def resolve_review(document: OutgoingDocument) -> QuerySet[ReviewStep]:
        return document.review_steps.select_related("reviewer", "version", "document")


class RouteStepIn(Schema):
    reviewer: int
    stage: int = 1
    purpose: str = ""
    initials: bool = False


class RouteIn(Schema):
    steps: list[RouteStepIn]


class ReviewIn(Schema):
    approve: bool
    opinion: str = ""


def _outgoing(request: ApiRequest, pk: int) -> OutgoingDocument:
    document = get_object_or_404(OutgoingDocument.objects.select_related("agency"), pk=pk)
    if not can(request.auth, "documents.view_outgoing", document):
        raise Http404
    return document


def _user(pk: int) -> User:
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise ValidationError(_("No such officer."), code="unknown_user")
    return user


def _input(payload: DraftIn) -> drafting.DraftInput:
    values = payload.dict(exclude={"agency", "type_code", "signer"})
    return drafting.DraftInput(**values, signer=_user(payload.signer) if payload.signer is not None else None)


@router.get("/templates", response=list[TemplateOut], summary="The drafting templates per document type")
def templates(request: ApiRequest) -> list[drafts.Template]:
    return list(drafts.TEMPLATES.values())


@router.post("/drafts", response={201: DraftOut}, summary="A new draft written from a template (version 1)")
def new_draft(request: ApiRequest, payload: NewDraftIn) -> Status:
    agency = Agency.objects.filter(code=payload.agency, pk__in=document_agency_ids(request.auth)).first()
    if agency is None:
        raise Http404
    return Status(201, drafting.draft_from_template(request.auth, agency, payload.type_code, _input(payload)))


@router.get("/drafts/{pk}", response=DraftOut, summary="A draft's versions and review route")
def draft_detail(request: ApiRequest, pk: int) -> OutgoingDocument:
    return _outgoing(request, pk)


@router.post("/drafts/{pk}/versions", response=DraftOut, summary="Save a new version of the draft")
def new_version(request: ApiRequest, pk: int, payload: DraftIn) -> OutgoingDocument:
    document = _outgoing(request, pk)
    drafting.save_version(request.auth, document, _input(payload))
    return document


@router.post(
    "/drafts/{pk}/review-route",
    response=DraftOut,
    summary="Send the draft for review: stages one after another, the steps of a stage in parallel",
)
def send_for_review(request: ApiRequest, pk: int, payload: RouteIn) -> OutgoingDocument:
    document = _outgoing(request, pk)
    route = [
        drafting.RouteStep(_user(step.reviewer), step.stage, step.purpose, step.initials)
        for step in payload.steps
    ]
    drafting.send_for_review(request.auth, document, route)
    return document


@router.post(
    "/drafts/{pk}/reviews/{step_pk}",
    response=ReviewStepOut,
    summary="The reviewer approves (with the co-signature if asked) or returns with comments",
)
def review(request: ApiRequest, pk: int, step_pk: int, payload: ReviewIn) -> ReviewStep:
    step = get_object_or_404(
        ReviewStep.objects.select_related("document__agency"),
        pk=step_pk,
        document_id=pk,
        reviewer=request.auth,
    )
    return drafting.review_draft(request.auth, step, approve=payload.approve, opinion=payload.opinion)


@router.get("/reviews/waiting", response=list[ReviewStepOut], summary="Drafts waiting for my review")
def waiting_reviews(request: ApiRequest) -> QuerySet[ReviewStep]:
    return ReviewStep.objects.filter(reviewer=request.auth, state=ReviewStep.State.PENDING).select_related(
        "document", "reviewer", "version"
    )
