"""Official documents over the API: the incoming and outgoing registers of the officer's agency,
a document with its timeline, registering, returning, assigning and completing an arrived
document, sending an issued one, the per-recipient status of a sent one (transport and business
status), a co-ordinator's opinion, what the caller may do to a document now (``allowed``), its
links to dossiers, tasks and documents, and read access to one document given, withdrawn and
listed (``/shared``). Bearer-token authenticated like the rest of ``/api/v1/``; every handler
calls the same rules and actions as the pages."""

import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from tinhso.accounts.models import User
from tinhso.accounts.permissions import can
from tinhso.agencies.models import Agency
from tinhso.core.api import ApiRequest, Pagination
from tinhso.documents import actions, exchange, links, received_signature, registers, search
from tinhso.documents.allowed import incoming_actions, outgoing_actions
from tinhso.documents.api_drafting import router as drafting_router
from tinhso.documents.models import (
    AccessGrant,
    Coordinator,
    DirectoryAgency,
    DocumentEvent,
    DocumentLink,
    IncomingDocument,
    OutgoingDocument,
    Package,
    SavedSearch,
    Urgency,
    Withdrawal,
)
from tinhso.documents.rules import document_agency_ids, granted_documents, in_hands_of
from tinhso.documents.timeline import delivery_timeline, incoming_timeline, outgoing_timeline
from tinhso.dossiers.models import Dossier

router = Router(tags=["official documents"])
router.add_router("", drafting_router)


class DocumentRegisterQuery(Schema):
    agency: str = ""
    state: str = ""


class DocumentEventOut(Schema):
    kind: str
    status_code: str
    note: str
    actor: str
    occurred_at: datetime.datetime

    @staticmethod
    def resolve_actor(event: DocumentEvent) -> str:
        return event.actor_name


class DocumentLinkOut(Schema):
    id: int
    kind: str
    target_id: int
    label: str
    may_unlink: bool


def _links_out(request: ApiRequest, document: IncomingDocument | OutgoingDocument) -> list[dict[str, Any]]:
    return [
        {
            "id": item["link"].pk,
            "kind": item["kind"],
            "target_id": item["target"].pk,
            "label": item["label"],
            "may_unlink": item["may_unlink"],
        }
        for item in links.document_links(request.auth, document)
    ]


class IncomingDocumentOut(Schema):
    id: int
    agency: str
    arrival_number: int | None
    year: int | None
    arrived_at: datetime.datetime
    source: str
    sender_code: str
    sender_name: str
    reference: str
    type_name: str
    subject: str
    promulgation_date: datetime.date | None
    urgency: int
    state: str
    document_id: str
    handling_due_at: datetime.datetime | None

    @staticmethod
    def resolve_agency(document: IncomingDocument) -> str:
        return document.agency.code


class IncomingDocumentDetailOut(IncomingDocumentOut):
    refusal_reason: str
    signature_check: str
    signature_findings: list[str]
    signature_signer: str
    signature_signed_at: datetime.datetime | None
    withdrawal_reason: str

    @staticmethod
    def resolve_signature_findings(document: IncomingDocument) -> list[str]:
        return received_signature.messages(document.signature_findings)

    timeline: list[DocumentEventOut]
    handler: str | None
    handling_unit: str | None
    coordinators: list[str]
    allowed: list[str]

    @staticmethod
    def resolve_timeline(document: IncomingDocument) -> list[DocumentEvent]:
        return incoming_timeline(document)

    @staticmethod
    def resolve_handler(document: IncomingDocument) -> str | None:
        return document.handler.username if document.handler else None

    @staticmethod
    def resolve_handling_unit(document: IncomingDocument) -> str | None:
        return document.handling_unit.code if document.handling_unit else None

    @staticmethod
    def resolve_coordinators(document: IncomingDocument) -> list[str]:
        return [item.user.username for item in document.coordinators.select_related("user")]

    @staticmethod
    def resolve_allowed(document: IncomingDocument, context: dict[str, Any]) -> list[str]:
        """What the caller may do to it now (``tinhso.documents.allowed``), as the page shows."""
        return incoming_actions(context["request"].auth, document)

    links: list[DocumentLinkOut]

    @staticmethod
    def resolve_links(document: IncomingDocument, context: dict[str, Any]) -> list[dict[str, Any]]:
        return _links_out(context["request"], document)


class RegisterIncomingIn(Schema):
    subject: str | None = None
    code_number: str | None = None
    code_notation: str | None = None
    type_name: str | None = None
    accept_duplicate: bool = False
    accept_signature: bool = False


class OutgoingDocumentOut(Schema):
    id: int
    agency: str
    type_code: str
    reference: str
    subject: str
    urgency: int
    secrecy: int
    state: str
    issued_at: datetime.datetime | None
    document_id: str

    @staticmethod
    def resolve_agency(document: OutgoingDocument) -> str:
        return document.agency.code


class DocumentRecipientStatusOut(Schema):
    recipient: str
    recipient_name: str
    outside: bool = False
    transport: str
    business_status: str
    timeline: list[DocumentEventOut]


class OutgoingDocumentDetailOut(OutgoingDocumentOut):
    timeline: list[DocumentEventOut]
    recipients: list[DocumentRecipientStatusOut]
    allowed: list[str]

    @staticmethod
    def resolve_allowed(document: OutgoingDocument, context: dict[str, Any]) -> list[str]:
        """What the caller may do to it now (``tinhso.documents.allowed``), as the page shows."""
        return outgoing_actions(context["request"].auth, document)

    links: list[DocumentLinkOut]

    @staticmethod
    def resolve_links(document: OutgoingDocument, context: dict[str, Any]) -> list[dict[str, Any]]:
        return _links_out(context["request"], document)

    @staticmethod
    def resolve_timeline(document: OutgoingDocument) -> list[DocumentEvent]:
        return outgoing_timeline(document)

    @staticmethod
    def resolve_recipients(document: OutgoingDocument) -> list[dict[str, Any]]:
        return _recipients(document)


def _recipients(document: OutgoingDocument) -> list[dict[str, Any]]:
    return [
        {
            "recipient": delivery.recipient_code,
            "recipient_name": delivery.recipient_name,
            "outside": delivery.external_id is not None,
            "transport": delivery.transport,
            "business_status": delivery.business_status,
            "timeline": delivery_timeline(delivery, "sender"),
        }
        for delivery in document.deliveries.select_related("recipient", "external")
    ]


def _agency(request: ApiRequest, code: str) -> Agency:
    """The agency whose register is asked for: one where the officer holds a document role
    (403 otherwise, as the operation declares: agency codes are public, nothing is disclosed)."""
    ids = document_agency_ids(request.auth)
    agencies = Agency.objects.filter(pk__in=ids).order_by("name")
    agency = agencies.filter(code=code).first() if code else agencies.first()
    if agency is None:
        raise PermissionDenied("documents.view_register")
    return agency


def _incoming(request: ApiRequest, pk: int) -> IncomingDocument:
    document = get_object_or_404(IncomingDocument.objects.select_related("agency"), pk=pk)
    if not can(request.auth, "documents.view_incoming", document):
        raise Http404
    return document


def _outgoing(request: ApiRequest, pk: int) -> OutgoingDocument:
    document = get_object_or_404(OutgoingDocument.objects.select_related("agency"), pk=pk)
    if not can(request.auth, "documents.view_outgoing", document):
        raise Http404
    return document


@router.get("/incoming", response=list[IncomingDocumentOut], summary="The incoming register")
@paginate(Pagination)
def incoming_list(request: ApiRequest, filters: Query[DocumentRegisterQuery]) -> QuerySet[IncomingDocument]:
    """Clerks and leaders read their agency's whole register, specialists what they handle; with
    the documents of the agency above put in the unit's charge that are in the caller's hands."""
    agency = _agency(request, filters.agency)
    own = Q(agency=agency)
    if not can(request.auth, "documents.view_register", agency):
        own &= in_hands_of(request.auth)
    in_charge = Q(handling_unit=agency) & in_hands_of(request.auth)
    documents = IncomingDocument.objects.filter(own | in_charge).select_related("agency", "handling_unit")
    if filters.state:
        documents = documents.filter(state=filters.state)
    return documents


class PaperIn(Schema):
    agency: str = ""
    sender_name: str
    code_number: str = ""
    code_notation: str = ""
    type_name: str = ""
    subject: str
    promulgation_date: datetime.date | None = None
    signer_name: str = ""
    urgency: int = Urgency.NORMAL
    accept_duplicate: bool = False
    accept_signature: bool = False


# Declared before ``/incoming/{pk}``, whose path would otherwise take "paper".
@router.post(
    "/incoming/paper",
    response={201: IncomingDocumentDetailOut},
    summary="Register a document that came on paper, with its scan (PDF) if there is one",
)
def register_paper(
    request: ApiRequest, payload: Form[PaperIn], file: File[UploadedFile | None] = None
) -> Status[IncomingDocument]:
    """A multipart form. The văn thư of ``agency`` (their first document agency if empty; 403
    otherwise). A file that is not a PDF or is larger than 20 MB, a likely duplicate without
    ``accept_duplicate``, or a scan whose signature is missing or does not match without
    ``accept_signature`` answer 422 and register nothing."""
    agency = _agency(request, payload.agency)
    fields = payload.dict(exclude={"agency"})
    return Status(201, actions.register_paper(request.auth, agency, upload=file, **fields))


@router.get(
    "/incoming/{pk}", response=IncomingDocumentDetailOut, summary="An incoming document and its timeline"
)
def incoming_detail(request: ApiRequest, pk: int) -> IncomingDocument:
    return _incoming(request, pk)


@router.post(
    "/incoming/{pk}/register",
    response=IncomingDocumentDetailOut,
    summary="Register an arrived document (arrival number; 03 back to the sender)",
)
def register_incoming(request: ApiRequest, pk: int, payload: RegisterIncomingIn) -> IncomingDocument:
    """A likely duplicate (same document id, or same number, symbol and issuer) answers 422
    unless ``accept_duplicate`` is true; so does a PDF whose signature was flagged on arrival
    (``signature_findings``) unless ``accept_signature`` is true."""
    document = _incoming(request, pk)
    corrections = {
        name: value
        for name, value in payload.dict(exclude={"accept_duplicate", "accept_signature"}).items()
        if value is not None
    }
    return actions.register_incoming(
        request.auth,
        document,
        accept_duplicate=payload.accept_duplicate,
        accept_signature=payload.accept_signature,
        **corrections,
    )


class OpinionIn(Schema):
    opinion: str


class OpinionOut(Schema):
    opinion: str
    opinion_at: datetime.datetime | None


@router.post(
    "/incoming/{pk}/opinion", response=OpinionOut, summary="A co-ordinator's opinion on the handling"
)
def give_opinion(request: ApiRequest, pk: int, payload: OpinionIn) -> Coordinator:
    """Only a co-ordinator the leader named (403 otherwise), while the document is assigned (422)."""
    return actions.give_opinion(request.auth, _incoming(request, pk), payload.opinion)


class ReasonIn(Schema):
    reason: str


@router.post(
    "/incoming/{pk}/refuse",
    response=IncomingDocumentDetailOut,
    summary="Return an arrived document to its sender with the reason (02 to the sender)",
)
def refuse_incoming(request: ApiRequest, pk: int, payload: ReasonIn) -> IncomingDocument:
    """The văn thư (403 otherwise); a document not waiting, one that came on paper, or no reason
    answer 422."""
    return actions.refuse_incoming(request.auth, _incoming(request, pk), payload.reason)


class NoteIn(Schema):
    note: str = ""


@router.post(
    "/incoming/{pk}/complete", response=IncomingDocumentDetailOut, summary="Mark handled (06 to the sender)"
)
def complete_incoming(request: ApiRequest, pk: int, payload: NoteIn) -> IncomingDocument:
    """The person in charge or a leader (403 otherwise), while it is assigned (422)."""
    return actions.complete_incoming(request.auth, _incoming(request, pk), payload.note)


class AssignIn(Schema):
    handler: str = ""
    unit: str = ""
    working_days: int
    coordinators: list[str] = []


def _officers(usernames: list[str]) -> list[User]:
    """The officers named, in order; an unknown name answers 422."""
    found = {user.username: user for user in User.objects.filter(username__in=usernames)}
    missing = [name for name in usernames if name not in found]
    if missing:
        raise ValidationError(
            _("No officer has this name: %(names)s.") % {"names": ", ".join(missing)}, code="unknown_user"
        )
    return [found[name] for name in usernames]


@router.post(
    "/incoming/{pk}/assign",
    response=IncomingDocumentDetailOut,
    summary="Assign the unit or person in charge, the co-ordinators and the deadline (04 to the sender)",
)
def assign_incoming(request: ApiRequest, pk: int, payload: AssignIn) -> IncomingDocument:
    """A leader of the document's agency (403 otherwise). ``handler``: the user name of the person
    in charge, or ``unit``: the code of a unit directly under the agency, whose leader handles it
    or names who does (``/incoming/{pk}/name-handler``). ``working_days`` (1–60) counts in the
    province's working calendar; assigning again replaces the one in charge, the co-ordinators
    and the deadline. Both or neither of handler and unit, an unknown officer or unit, one outside
    the agency, a unit without a leader, a co-ordinator named twice or also in charge, or a
    document not registered answer 422 and change nothing."""
    document = _incoming(request, pk)
    handler = _officers([payload.handler])[0] if payload.handler else None
    coordinators = _officers(payload.coordinators)
    unit = None
    if payload.unit:
        unit = Agency.objects.filter(code=payload.unit).first()
        if unit is None:
            raise ValidationError(
                _("No agency has this code: %(codes)s.") % {"codes": payload.unit}, code="unit"
            )
    return actions.assign_incoming(
        request.auth, document, handler, payload.working_days, coordinators=coordinators, unit=unit
    )


class NameHandlerIn(Schema):
    handler: str


@router.post(
    "/incoming/{pk}/name-handler",
    response=IncomingDocumentDetailOut,
    summary="The leader of the unit in charge names who of the unit handles it (05 to the sender)",
)
def name_handler(request: ApiRequest, pk: int, payload: NameHandlerIn) -> IncomingDocument:
    """A leader of the unit in charge (403 otherwise); an unknown officer, one outside the unit,
    or a document not assigned to a unit answer 422 and change nothing."""
    document = _incoming(request, pk)
    (person,) = _officers([payload.handler])
    return actions.name_handler(request.auth, document, person)


class LinkIn(Schema):
    dossier_code: str | None = None
    task: int | None = None
    reference: str | None = None


def _link(
    request: ApiRequest, document: IncomingDocument | OutgoingDocument, payload: LinkIn
) -> list[dict[str, Any]]:
    """Exactly one of a dossier code, a task (an incoming document assigned to the caller or
    co-ordinated by them, ``links.tasks_of``) or a document's "number/symbol" the caller reads;
    anything else answers 422 and links nothing."""
    given = [value for value in (payload.dossier_code, payload.task, payload.reference) if value]
    if len(given) != 1:
        raise ValidationError(
            _("Enter one of: a dossier code, a task or a document's number and symbol."), code="target"
        )
    target: Dossier | IncomingDocument | OutgoingDocument | None
    if payload.dossier_code:
        target = Dossier.objects.filter(code=payload.dossier_code.strip()).first()
        if target is None or not links.readable(request.auth, target):
            raise ValidationError(_("No dossier you may read has this code."), code="dossier")
    elif payload.task:
        target = links.tasks_of(request.auth).filter(pk=payload.task).first()
        if target is None:
            raise ValidationError(_("This is not one of your tasks."), code="task")
    else:
        found = [
            other
            for other in links.find_documents(request.auth, payload.reference or "")
            if other != document
        ]
        if len(found) != 1:
            raise ValidationError(
                _("No document you may read has this number and symbol.")
                if not found
                else _("Several documents you may read have this number and symbol."),
                code="reference",
            )
        target = found[0]
    actions.link_document(request.auth, document, target)
    return _links_out(request, document)


@router.post(
    "/incoming/{pk}/links",
    response=list[DocumentLinkOut],
    summary="Link an incoming document to a one-stop dossier, a task or another document",
)
def link_incoming(request: ApiRequest, pk: int, payload: LinkIn) -> list[dict[str, Any]]:
    """Answers the document's links; see ``/outgoing/{pk}/links``."""
    return _link(request, _incoming(request, pk), payload)


@router.post(
    "/outgoing/{pk}/links",
    response=list[DocumentLinkOut],
    summary="Link an outgoing document to a one-stop dossier, a task or another document",
)
def link_outgoing(request: ApiRequest, pk: int, payload: LinkIn) -> list[dict[str, Any]]:
    """Exactly one of ``dossier_code``, ``task`` (the id of an incoming document the caller
    handles or co-ordinates) or ``reference`` ("15/QĐ-UBND"); answers the document's links."""
    return _link(request, _outgoing(request, pk), payload)


@router.post("/links/{pk}/remove", response={204: None}, summary="Remove a link")
def unlink(request: ApiRequest, pk: int) -> Status[None]:
    """Who made it, or a leader or the văn thư of the document's agency (403); a link on a
    document the caller does not read is not found."""
    link = get_object_or_404(DocumentLink.objects.select_related("incoming", "outgoing"), pk=pk)
    document = link.incoming or link.outgoing
    readable = document is not None and links.readable(request.auth, document)
    if not readable:
        raise Http404
    actions.unlink_document(request.auth, link)
    return Status(204, None)


class GrantIn(Schema):
    username: str | None = None
    agency: str | None = None


class AccessGrantOut(Schema):
    id: int
    username: str | None
    agency: str | None
    granted_at: datetime.datetime
    revoked_at: datetime.datetime | None

    @staticmethod
    def resolve_username(grant: AccessGrant) -> str | None:
        return grant.user.username if grant.user else None

    @staticmethod
    def resolve_agency(grant: AccessGrant) -> str | None:
        return grant.agency.code if grant.agency else None


def _grant(
    request: ApiRequest, document: IncomingDocument | OutgoingDocument, payload: GrantIn
) -> AccessGrant:
    """A leader or the văn thư of the document's agency (403 otherwise); an unknown officer or
    agency, both or neither, or a grant already in force answer 422."""
    user = User.objects.filter(username=payload.username).first() if payload.username else None
    agency = Agency.objects.filter(code=payload.agency).first() if payload.agency else None
    if (payload.username and user is None) or (payload.agency and agency is None):
        raise ValidationError(_("No officer or agency has this name or code."), code="grantee")
    return actions.grant_access(request.auth, document, user=user, agency=agency)


@router.post(
    "/incoming/{pk}/grants", response=AccessGrantOut, summary="Give an officer or an agency read access to it"
)
def grant_incoming(request: ApiRequest, pk: int, payload: GrantIn) -> AccessGrant:
    """``username`` of an officer, or ``agency`` code; see ``/outgoing/{pk}/grants``."""
    return _grant(request, _incoming(request, pk), payload)


@router.post(
    "/outgoing/{pk}/grants", response=AccessGrantOut, summary="Give an officer or an agency read access to it"
)
def grant_outgoing(request: ApiRequest, pk: int, payload: GrantIn) -> AccessGrant:
    """A leader or the văn thư of the document's agency (403 otherwise); an unknown officer or
    agency, both or neither, or a grant already in force answer 422."""
    return _grant(request, _outgoing(request, pk), payload)


@router.post("/grants/{pk}/withdraw", response=AccessGrantOut, summary="Withdraw a read access")
def revoke_access(request: ApiRequest, pk: int) -> AccessGrant:
    grant = get_object_or_404(AccessGrant.objects.select_related("user", "agency"), pk=pk)
    document = grant.incoming or grant.outgoing
    if document is None or not can(request.auth, "documents.grant_access", document):
        raise Http404
    return actions.revoke_access(request.auth, grant)


class SharedDocumentsOut(Schema):
    incoming: list[IncomingDocumentOut]
    outgoing: list[OutgoingDocumentOut]


@router.get("/shared", response=SharedDocumentsOut, summary="The documents shared with the caller")
def shared(request: ApiRequest) -> dict[str, Any]:
    """The documents a leader or the văn thư of another agency (or of the caller's own) gave the
    caller read access to, by name or through one of their agencies, while the grant lasts."""
    return {
        "incoming": list(
            IncomingDocument.objects.filter(granted_documents(request.auth, "incoming")).select_related(
                "agency"
            )
        ),
        "outgoing": list(
            OutgoingDocument.objects.filter(granted_documents(request.auth, "outgoing")).select_related(
                "agency"
            )
        ),
    }


@router.get("/outgoing", response=list[OutgoingDocumentOut], summary="The outgoing register")
@paginate(Pagination)
def outgoing_list(request: ApiRequest, filters: Query[DocumentRegisterQuery]) -> QuerySet[OutgoingDocument]:
    agency = _agency(request, filters.agency)
    documents = OutgoingDocument.objects.filter(agency=agency).select_related("agency")
    if not can(request.auth, "documents.view_register", agency):
        documents = documents.filter(created_by=request.auth)
    if filters.state:
        documents = documents.filter(state=filters.state)
    return documents


@router.get(
    "/outgoing/{pk}", response=OutgoingDocumentDetailOut, summary="An outgoing document and its timeline"
)
def outgoing_detail(request: ApiRequest, pk: int) -> OutgoingDocument:
    return _outgoing(request, pk)


@router.get(
    "/outgoing/{pk}/status",
    response=list[DocumentRecipientStatusOut],
    summary="Per recipient: transport state and business status (edXML 01–06)",
)
def outgoing_status(request: ApiRequest, pk: int) -> list[dict[str, Any]]:
    return _recipients(_outgoing(request, pk))


class WithdrawalIn(Schema):
    kind: str
    reason: str
    replacement: int | None = None
    subject: str | None = None
    content: str | None = None
    signer_position: str | None = None
    signer_name: str | None = None
    due_date: datetime.date | None = None


class WithdrawalDecisionIn(Schema):
    approve: bool
    note: str = ""


class WithdrawalOut(Schema):
    id: int
    kind: str
    state: str
    reason: str
    replacement: str
    decision_note: str

    @staticmethod
    def resolve_replacement(change: Withdrawal) -> str:
        return change.replacement.reference if change.replacement else ""


@router.post(
    "/outgoing/{pk}/withdrawals",
    response=WithdrawalOut,
    summary="Ask to revoke, update or replace an issued document (a leader decides)",
)
def request_withdrawal(request: ApiRequest, pk: int, payload: WithdrawalIn) -> Withdrawal:
    """``kind`` revoke, update (with the corrected header fields) or replace (``replacement``: the
    id of another issued document of the agency); refusals answer 422."""
    document = _outgoing(request, pk)
    replacement = None
    if payload.replacement is not None:
        replacement = get_object_or_404(
            OutgoingDocument, pk=payload.replacement, agency_id=document.agency_id
        )
    corrections = {
        name: value
        for name, value in payload.dict(exclude={"kind", "reason", "replacement"}).items()
        if value is not None
    }
    return actions.request_withdrawal(
        request.auth, document, payload.kind, payload.reason, replacement=replacement, **corrections
    )


@router.post(
    "/outgoing/{pk}/withdrawals/{withdrawal_pk}/decision",
    response=WithdrawalOut,
    summary="A leader approves (the recipients get the package) or declines the request",
)
def decide_withdrawal(
    request: ApiRequest, pk: int, withdrawal_pk: int, payload: WithdrawalDecisionIn
) -> Withdrawal:
    document = _outgoing(request, pk)
    change = get_object_or_404(Withdrawal, pk=withdrawal_pk, document=document)
    return actions.decide_withdrawal(request.auth, change, payload.approve, payload.note)


class DirectoryAgencyOut(Schema):
    code: str
    legacy_code: str
    name: str
    parent_code: str
    synced_at: datetime.datetime


@router.get(
    "/directory",
    response=list[DirectoryAgencyOut],
    summary="The national agency directory (synchronised from the axis): recipients outside the province",
)
@paginate(Pagination)
def directory(request: ApiRequest) -> QuerySet[DirectoryAgency]:
    if not document_agency_ids(request.auth):
        raise PermissionDenied("documents.view_register")
    return DirectoryAgency.objects.filter(active=True)


class DeadLetterOut(Schema):
    id: int
    kind: str
    to_code: str
    via_axis: bool
    attempts: int
    last_error: str
    created_at: datetime.datetime
    outgoing_id: int | None
    incoming_id: int | None

    @staticmethod
    def resolve_outgoing_id(package: Package) -> int | None:
        if package.kind != Package.Kind.DOCUMENT or package.delivery is None:
            return None
        return package.delivery.document_id

    @staticmethod
    def resolve_incoming_id(package: Package) -> int | None:
        if package.kind == Package.Kind.DOCUMENT:
            return None
        return actions.package_owner(package).pk


@router.get(
    "/dead-letters",
    response=list[DeadLetterOut],
    summary="The agency's undeliverable packages (the clerk's dead-letter list)",
)
@paginate(Pagination)
def dead_letters(request: ApiRequest, filters: Query[DocumentRegisterQuery]) -> QuerySet[Package]:
    agency = _agency(request, filters.agency)
    if not can(request.auth, "documents.view_dead_letters", agency):
        raise PermissionDenied("documents.view_dead_letters")
    return exchange.dead_letters(agency)


@router.post(
    "/dead-letters/{pk}/resend",
    response=DeadLetterOut,
    summary="Put an undeliverable package back in the queue",
)
def resend_dead_letter(request: ApiRequest, pk: int) -> Package:
    """The sender's clerk resends a document package, the reporting agency's clerk a status."""
    package = get_object_or_404(Package.objects.select_related("delivery", "incoming"), pk=pk)
    return actions.resend_package(request.auth, package)


class SignDraftsIn(Schema):
    ids: list[int]


class SignFailureOut(Schema):
    id: int
    reason: str


class SignDraftsOut(Schema):
    signed: list[int]
    failed: list[SignFailureOut]


@router.post(
    "/sign",
    response=SignDraftsOut,
    summary="The leader signs drafts, one or a batch (each on its own: failures come back with their reason)",
)
def sign_drafts(request: ApiRequest, payload: SignDraftsIn) -> dict[str, Any]:
    """A draft the leader may not read is reported as not found, like the pages do."""
    ids = list(dict.fromkeys(payload.ids))[:100]
    found = {
        document.pk: document
        for document in OutgoingDocument.objects.filter(pk__in=ids).select_related("agency")
    }
    readable = [
        found[pk] for pk in ids if pk in found and can(request.auth, "documents.view_outgoing", found[pk])
    ]
    result = actions.sign_drafts(request.auth, readable)
    missing = [{"id": pk, "reason": "not found"} for pk in ids if pk not in {d.pk for d in readable}]
    return {
        "signed": [document.pk for document in result.signed],
        "failed": [{"id": document.pk, "reason": reason} for document, reason in result.failed] + missing,
    }


class DocumentSearchQuery(Schema):
    q: str = ""


class DocumentSearchOut(Schema):
    outgoing: list[OutgoingDocumentOut]
    incoming: list[IncomingDocumentOut]


@router.get(
    "/search", response=DocumentSearchOut, summary="Accent-insensitive search of the documents one may read"
)
def search_documents(request: ApiRequest, filters: Query[DocumentSearchQuery]) -> dict[str, Any]:
    outgoing, incoming = search.search(request.auth, filters.q[:500])
    return {"outgoing": outgoing, "incoming": incoming}


class SendIn(Schema):
    recipients: list[str] = []
    outside: list[str] = []


@router.post(
    "/outgoing/{pk}/send",
    response=OutgoingDocumentDetailOut,
    summary="Send an issued document to agencies here and, through the national axis, outside",
)
def send_outgoing(request: ApiRequest, pk: int, payload: SendIn) -> OutgoingDocument:
    """``recipients``: codes of agencies of the installation; ``outside``: codes of the axis
    directory. The văn thư (403 otherwise); an unknown code, a secret or unissued document, a
    recipient named twice or already sent to answer 422 and send nothing."""
    document = _outgoing(request, pk)
    recipients = list(Agency.objects.filter(code__in=payload.recipients))
    outside = list(DirectoryAgency.objects.filter(code__in=payload.outside, active=True))
    known = {agency.code for agency in recipients} | {agency.code for agency in outside}
    unknown = [code for code in [*payload.recipients, *payload.outside] if code not in known]
    if unknown:
        raise ValidationError(
            _("No agency has this code: %(codes)s.") % {"codes": ", ".join(unknown)}, code="unknown_recipient"
        )
    ordered = [next(a for a in recipients if a.code == code) for code in payload.recipients]
    actions.send_document(request.auth, document, ordered, outside)
    document.refresh_from_db()
    return document


@router.post(
    "/outgoing/{pk}/issue",
    response=OutgoingDocumentDetailOut,
    summary="Number and issue a draft (Art. 15; a draft the leader signed gets the agency's signature)",
)
def issue_outgoing(request: ApiRequest, pk: int) -> OutgoingDocument:
    """Numbering the same draft twice answers 422 the second time."""
    return actions.issue_document(request.auth, _outgoing(request, pk))


class RegisterPeriodQuery(Schema):
    agency: str = ""
    start: datetime.date
    end: datetime.date


REGISTER_KINDS = {"incoming": registers.INCOMING, "outgoing": registers.OUTGOING}
REGISTER_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get(
    "/registers/{kind}/{fmt}",
    summary="The incoming or outgoing register of a period, printed (Appendix IV) as PDF or XLSX",
    openapi_extra={
        "responses": {
            200: {
                "description": "The register as a file to download.",
                "content": {
                    content_type: {"schema": {"type": "string", "format": "binary"}}
                    for content_type in REGISTER_TYPES.values()
                },
            }
        }
    },
)
def register_print(
    request: ApiRequest,
    kind: Literal["incoming", "outgoing"],
    fmt: Literal["pdf", "xlsx"],
    period: Query[RegisterPeriodQuery],
) -> HttpResponse:
    """Decree 30/2020 Art. 16(2)(b), 22(3)(b). The văn thư or a leader of ``agency`` (403
    otherwise); a period ending before it starts or longer than a year answers 422."""
    agency = _agency(request, period.agency)
    if not can(request.auth, "documents.view_register", agency):
        raise PermissionDenied("documents.view_register")
    start, end = period.start, period.end
    if end < start:
        raise ValidationError(_("The period ends before it starts."), code="period")
    if (end - start).days > 366:
        raise ValidationError(_("Print at most one year at a time."), code="period")
    code = REGISTER_KINDS[kind]
    data = (registers.as_pdf if fmt == "pdf" else registers.as_xlsx)(code, agency, start, end)
    response = HttpResponse(data, content_type=REGISTER_TYPES[fmt])
    name = f"so-van-ban-{code}-{agency.code}-{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class SavedSearchIn(Schema):
    name: str
    query: str


class SavedSearchOut(Schema):
    id: int
    name: str
    query: str
    created_at: datetime.datetime


@router.get("/saved-searches", response=list[SavedSearchOut], summary="The caller's saved searches")
def saved_searches(request: ApiRequest) -> QuerySet[SavedSearch]:
    return SavedSearch.objects.filter(user=request.auth)


@router.post(
    "/saved-searches",
    response={201: SavedSearchOut},
    summary="Keep a search under a name (a name used again replaces its query)",
)
def save_search(request: ApiRequest, payload: SavedSearchIn) -> Status[SavedSearch]:
    """An officer with a document role (403 otherwise); an empty or too long name or query, or
    more than 50 searches, answer 422."""
    return Status(201, actions.save_search(request.auth, payload.name, payload.query))


@router.post("/saved-searches/{pk}/remove", response={204: None}, summary="Delete a saved search")
def delete_search(request: ApiRequest, pk: int) -> Status[None]:
    """Another officer's saved search is not found."""
    actions.delete_search(request.auth, get_object_or_404(SavedSearch, pk=pk, user=request.auth))
    return Status(204, None)
