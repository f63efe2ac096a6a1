"""Business actions on official documents: each checks permission, validates, changes state in
one transaction, writes the audit entry and the ``DocumentEvent``. Pages, the API, the demo and
the exchange worker call these.

Outgoing (Decree 30/2020/NĐ-CP Art. 14–18): draft → numbered and issued (the văn thư gives the
number, Art. 15) → sent, one edXML package per recipient agency through the exchange outbox.
Incoming (Art. 20–24): arrived (from the exchange, or registered from paper) → registered with the
arrival number (or returned to the sender with a reason) → assigned by a leader with a deadline in
working time → handled. Every step of a document that came over the exchange reports its edXML
status back to the sender: 01 arrived (sent automatically on arrival, Appendix VI: the system
notifies the sender of receipt), 02 returned, 03 registered, 04 assigned, 06 handled.
"""

import datetime
import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.accounts.permissions import require
from tinhso.agencies.codes import InvalidAgencyCode, parse_agency_code
from tinhso.agencies.models import Agency
from tinhso.audit.services import actor_label, record
from tinhso.core import mailer
from tinhso.core.text import nfc
from tinhso.documents import (
    axis,
    doctypes,
    drafts,
    edxml,
    exchange,
    handling,
    links,
    numbering,
    received_signature,
    signatures,
    withdrawal,
)
from tinhso.documents.models import (
    AccessGrant,
    Coordinator,
    Delivery,
    DirectoryAgency,
    DocumentEvent,
    DocumentLink,
    HandlingReminder,
    IncomingDocument,
    OutgoingDocument,
    Package,
    SavedSearch,
    SealImage,
    Secrecy,
    SignatureCheck,
    SignerImage,
    Urgency,
    Withdrawal,
)
from tinhso.documents.rules import document_agency_ids, roles_in
from tinhso.dossiers.models import Dossier
from tinhso.worktime.calendar import add_working_days

UNIT_SYMBOL_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZĐ0123456789")
MAX_FILE_BYTES = edxml.MAX_ATTACHMENT_BYTES
MAX_HANDLING_DAYS = 60

logger = logging.getLogger(__name__)


def _duplicate_message() -> str:
    return _(
        "A document with the same identifier, or the same number, symbol and issuer, is already registered."
    )


def event(
    kind: str,
    agency: Agency,
    *,
    actor: User | None = None,
    at: datetime.datetime | None = None,
    **links: object,
) -> DocumentEvent:
    """Write one event of the documents' outbox and timelines (inside the caller's transaction)."""
    return DocumentEvent.objects.create(
        kind=kind,
        agency=agency,
        actor_name=actor_label(actor) if actor else "",
        occurred_at=at or timezone.now(),
        **links,
    )


def _text(value: str | None, label: str, max_length: int, required: bool = True) -> str:
    value = nfc(value or "").strip()
    if required and not value:
        raise ValidationError(_("Enter %(field)s.") % {"field": label}, code="required")
    if len(value) > max_length:
        raise ValidationError(
            _("%(field)s is longer than %(max)d characters.") % {"field": label, "max": max_length},
            code="max_length",
        )
    return value


def _file_name(upload: File[bytes] | None) -> str:
    """The name to keep ``upload`` under ("" without a file), once its size and name are checked."""
    if upload is None:
        return ""
    if upload.size > MAX_FILE_BYTES:
        raise ValidationError(_("The file is larger than 20 MB."), code="file_size")
    if not upload.name:
        raise ValidationError(_("The file has no name."), code="file_name")
    return upload.name


# Outgoing documents.


def create_draft(
    actor: User,
    agency: Agency,
    *,
    type_code: str,
    subject: str,
    content: str = "",
    unit_symbol: str = "",
    urgency: int = Urgency.NORMAL,
    secrecy: int = Secrecy.NONE,
    signer_competence: str = "",
    signer_position: str = "",
    signer_name: str = "",
    due_date: datetime.date | None = None,
    upload: File[bytes] | None = None,
) -> OutgoingDocument:
    require(actor, "documents.draft", agency)
    if type_code not in doctypes.BY_CODE:
        raise ValidationError(_("Choose a document type from the list."), code="type")
    unit_symbol = nfc(unit_symbol or "").strip().upper()
    if type_code == doctypes.CONG_VAN and not unit_symbol:
        raise ValidationError(
            _("A letter (công văn) needs the abbreviation of the drafting unit, e.g. VP."), code="unit_symbol"
        )
    if unit_symbol and (len(unit_symbol) > 20 or not set(unit_symbol) <= UNIT_SYMBOL_CHARS):
        raise ValidationError(
            _("Use capital letters and digits only, without spaces, e.g. VP."), code="unit_symbol"
        )
    if urgency not in Urgency.values or secrecy not in Secrecy.values:
        raise ValidationError(_("Choose the urgency and secrecy from the lists."), code="marks")
    file_name = _file_name(upload)
    document = OutgoingDocument(
        agency=agency,
        type_code=type_code,
        unit_symbol=unit_symbol if type_code == doctypes.CONG_VAN else "",
        subject=_text(subject, _("the subject"), 500),
        content=_text(content, _("the summary"), 5000, required=False),
        urgency=urgency,
        secrecy=secrecy,
        signer_competence=_text(signer_competence, _("the signing authority"), 10, required=False),
        signer_position=_text(signer_position, _("the signer's position"), 100, required=False),
        signer_name=_text(signer_name, _("the signer's name"), 50, required=False),
        due_date=due_date,
        created_by=actor,
    )
    with transaction.atomic():
        if upload is not None:
            document.file.save(file_name, upload, save=False)
            document.file_name = nfc(file_name)[:200]
        document.save()
        event(DocumentEvent.Kind.DRAFTED, agency, actor=actor, outgoing=document)
        record(actor, "documents.draft", document, {"type": type_code, "subject": document.subject}, new=True)
    return document


def issue_document(
    actor: User, document: OutgoingDocument, at: datetime.datetime | None = None
) -> OutgoingDocument:
    """Give the draft its number and symbol and issue it (Art. 15, 16). The draft's row is locked
    first: two clerks numbering the same draft at once get one number between them, the second
    a refusal."""
    require(actor, "documents.issue", document)
    at = at or timezone.now()
    with transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().select_related("agency").get(pk=document.pk)
        if locked.state != OutgoingDocument.State.DRAFT:
            raise ValidationError(
                _("This document has already been numbered: %(reference)s.")
                % {"reference": locked.reference},
                code="already_issued",
            )
        _check_review(locked)
        year = numbering.local_year(at)
        series = numbering.outgoing_series(locked)
        locked.number = numbering.next_value(locked.agency_id, year, series)
        locked.year, locked.series = year, series
        locked.symbol = numbering.symbol_for(locked)
        locked.state = OutgoingDocument.State.ISSUED
        locked.issued_at = at
        locked.document_id = edxml.document_id(locked.agency.code, timezone.localdate(at), locked.reference)
        _seal_and_index(locked, at)
        locked.save(
            update_fields=[
                "number",
                "year",
                "series",
                "symbol",
                "state",
                "issued_at",
                "document_id",
                "file",
                "text",
            ]
        )
        event(
            DocumentEvent.Kind.ISSUED,
            locked.agency,
            actor=actor,
            at=at,
            outgoing=locked,
            note=locked.reference,
        )
        record(
            actor, "documents.issue", locked, {"reference": locked.reference, "series": series, "year": year}
        )
    return locked


def send_document(
    actor: User,
    document: OutgoingDocument,
    recipients: Iterable[Agency],
    external: Iterable[DirectoryAgency] = (),
) -> list[Delivery]:
    """Send an issued document to agencies of the installation and, through the national axis,
    to ``external`` agencies of the axis directory: one edXML package per recipient, queued in the
    exchange outbox and delivered by the task worker. Secret documents never leave over the
    exchange (Law on Protection of State Secrets 2018; Decree 30 Appendix VI keeps them out of the
    electronic system)."""
    require(actor, "documents.send", document)
    recipients = list(recipients)
    external = list(external)
    if document.state != OutgoingDocument.State.ISSUED:
        raise ValidationError(_("Only an issued document can be sent."), code="not_issued")
    if document.withdrawals.filter(state=Withdrawal.State.REQUESTED).exists():
        raise ValidationError(
            _("A revocation, update or replacement of this document is waiting for the leader."),
            code="withdrawal_waiting",
        )
    if document.secrecy:
        raise ValidationError(_("Secret documents are not sent over the exchange."), code="secret")
    if not recipients and not external:
        raise ValidationError(_("Choose at least one recipient."), code="recipients")
    _check_external(document, external)
    ids = [agency.pk for agency in recipients]
    if len(set(ids)) != len(ids):
        raise ValidationError(_("A recipient is chosen twice."), code="duplicate_recipient")
    if document.agency_id in ids:
        raise ValidationError(_("An agency does not send a document to itself."), code="self")
    today = timezone.localdate()
    current = set(Agency.objects.valid_on(today).filter(pk__in=ids).values_list("pk", flat=True))
    if len(current) != len(ids):
        raise ValidationError(_("A recipient is not a current agency."), code="unknown_recipient")
    already = set(
        Delivery.objects.filter(document=document, recipient_id__in=ids).values_list(
            "recipient_id", flat=True
        )
    )
    if already:
        raise ValidationError(
            _("The document has already been sent to one of these agencies."), code="resent"
        )
    with transaction.atomic():
        # Under the document's lock, as revoking and replacing take it: a send never slips past one.
        locked = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
        if withdrawal.frozen(locked) or locked.withdrawals.filter(state=Withdrawal.State.REQUESTED).exists():
            raise ValidationError(_("The document was revoked or replaced."), code="frozen")
        deliveries = [
            Delivery.objects.create(document=document, recipient=recipient) for recipient in recipients
        ] + [Delivery.objects.create(document=document, external=agency) for agency in external]
        for delivery in deliveries:
            exchange.queue_document(document, delivery, actor)
            event(
                DocumentEvent.Kind.QUEUED, document.agency, actor=actor, outgoing=document, delivery=delivery
            )
        record(
            actor,
            "documents.send",
            document,
            {"recipients": [agency.code for agency in recipients], "outside": [a.code for a in external]},
        )
    exchange.wake_on_commit()
    return deliveries


def _check_external(document: OutgoingDocument, external: list[DirectoryAgency]) -> None:
    """Recipients outside the installation: the axis must be configured (no silent local
    fallback), each must be listed in the directory today, once, and not sent to before."""
    if not external:
        return
    if axis.configured() is None:
        raise ValidationError(
            _(
                "The national document axis is not configured: agencies outside the province "
                "cannot be reached."
            ),
            code="axis_off",
        )
    ids = [agency.pk for agency in external]
    if len(set(ids)) != len(ids):
        raise ValidationError(_("A recipient is chosen twice."), code="duplicate_recipient")
    listed = DirectoryAgency.objects.filter(pk__in=ids, active=True)
    if listed.count() != len(ids):
        raise ValidationError(
            _("A recipient is no longer in the national agency directory."), code="unknown_recipient"
        )
    own_codes = Agency.objects.valid_on(timezone.localdate()).filter(code__in=listed.values("code"))
    if own_codes.exists():
        raise ValidationError(
            _("An agency of this installation is chosen among the agencies outside."), code="own_agency"
        )
    if Delivery.objects.filter(document=document, external_id__in=ids).exists():
        raise ValidationError(
            _("The document has already been sent to one of these agencies."), code="resent"
        )


# Incoming documents.


def duplicates(incoming: IncomingDocument) -> QuerySet[IncomingDocument]:
    """Registered documents of the same agency that look like this one: the same edXML document
    id, or the same number, symbol and issuer (Appendix VI: warn on a duplicate)."""
    same = Q(document_id=incoming.document_id) if incoming.document_id else Q(pk__in=[])
    if incoming.code_number and incoming.code_notation:
        issuer = Q(sender_name__iexact=incoming.sender_name)
        if incoming.sender_code:
            issuer |= Q(sender_code=incoming.sender_code)
        same |= Q(code_number=incoming.code_number, code_notation=incoming.code_notation) & issuer
    return (
        IncomingDocument.objects.filter(agency_id=incoming.agency_id, arrival_number__isnull=False)
        .filter(same)
        .exclude(pk=incoming.pk)
    )


def _register(actor: User, incoming: IncomingDocument, at: datetime.datetime) -> None:
    incoming.year = numbering.local_year(at)
    incoming.arrival_number = numbering.next_value(
        incoming.agency_id, incoming.year, numbering.INCOMING_SERIES
    )
    incoming.registered_at = at
    incoming.state = IncomingDocument.State.REGISTERED


def register_incoming(
    actor: User,
    incoming: IncomingDocument,
    *,
    accept_duplicate: bool = False,
    accept_signature: bool = False,
    at: datetime.datetime | None = None,
    **corrections: str,
) -> IncomingDocument:
    """Register an arrived document: the arrival number, the clerk's corrections of the header
    (``subject``, ``code_number``, ``code_notation``, ``type_name``) and "03" back to the sender.
    A likely duplicate is refused unless the clerk accepts it knowingly; so is a document whose
    PDF signature was flagged on arrival (``received_signature``, Art. 21(2))."""
    require(actor, "documents.register", incoming)
    at = at or timezone.now()
    unknown = set(corrections) - {"subject", "code_number", "code_notation", "type_name"}
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))}
        )
    with transaction.atomic():
        locked = IncomingDocument.objects.select_for_update().get(pk=incoming.pk)
        if locked.state != IncomingDocument.State.PENDING:
            raise ValidationError(_("This document is not waiting to be registered."), code="state")
        limits = {"subject": 500, "code_number": 11, "code_notation": 30, "type_name": 100}
        for name, value in corrections.items():
            setattr(locked, name, _text(value, name, limits[name], required=name == "subject"))
        if not accept_duplicate and duplicates(locked).exists():
            raise ValidationError(
                _duplicate_message(),
                code="duplicate",
            )
        _check_signature(locked, accept_signature)
        _register(actor, locked, at)
        _index_file(locked)
        locked.save()
        event(
            DocumentEvent.Kind.REGISTERED,
            locked.agency,
            actor=actor,
            at=at,
            incoming=locked,
            delivery=locked.delivery,
            note=_signature_note(locked),
        )
        exchange.report_status(locked, edxml.STATUS_RECEIVED, actor, at=at)
        record(
            actor,
            "documents.register",
            locked,
            {"arrival_number": locked.arrival_number, "year": locked.year, **_signature_audit(locked)},
        )
    exchange.wake_on_commit()
    return locked


def register_paper(
    actor: User,
    agency: Agency,
    *,
    accept_duplicate: bool = False,
    accept_signature: bool = False,
    upload: File[bytes] | None = None,
    at: datetime.datetime | None = None,
    **fields: Any,
) -> IncomingDocument:
    """Register a document that came on paper (or by e-mail): same series as the electronic ones
    (Art. 22(2))."""
    probe = IncomingDocument(agency=agency)
    require(actor, "documents.register", probe)
    at = at or timezone.now()
    file_name = _file_name(upload)
    if upload is not None:
        upload.seek(0)
        if b"%PDF-" not in upload.read(1024):  # the header may follow a few bytes of junk
            raise ValidationError(_("The file must be a PDF document."), code="not_pdf")
    urgency = fields.get("urgency", Urgency.NORMAL)
    if urgency not in Urgency.values:
        raise ValidationError(_("Choose the urgency from the list."), code="marks")
    incoming = IncomingDocument(
        agency=agency,
        source=IncomingDocument.Source.PAPER,
        sender_name=_text(fields.get("sender_name"), _("the sender"), 200),
        code_number=_text(fields.get("code_number"), _("the number"), 11, required=False),
        code_notation=_text(fields.get("code_notation"), _("the symbol"), 30, required=False),
        type_name=_text(fields.get("type_name"), _("the document type"), 100, required=False),
        subject=_text(fields.get("subject"), _("the subject"), 500),
        promulgation_date=fields.get("promulgation_date"),
        signer_name=_text(fields.get("signer_name"), _("the signer"), 50, required=False),
        urgency=urgency,
        arrived_at=at,
    )
    with transaction.atomic():
        if not accept_duplicate and duplicates(incoming).exists():
            raise ValidationError(
                _duplicate_message(),
                code="duplicate",
            )
        if upload is not None:
            upload.seek(0)
            received_signature.apply(incoming, upload.read())
            upload.seek(0)
            _check_signature(incoming, accept_signature)
        _register(actor, incoming, at)
        if upload is not None:
            incoming.file.save(file_name, upload, save=False)
            incoming.file_name = nfc(file_name)[:200]
            _index_file(incoming)
        incoming.save()
        event(
            DocumentEvent.Kind.REGISTERED,
            agency,
            actor=actor,
            at=at,
            incoming=incoming,
            note=_signature_note(incoming),
        )
        record(
            actor,
            "documents.register",
            incoming,
            {"arrival_number": incoming.arrival_number, **_signature_audit(incoming)},
            new=True,
        )
    return incoming


def refuse_incoming(actor: User, incoming: IncomingDocument, reason: str) -> IncomingDocument:
    """Return a wrong or invalid document to the sender with the reason ("02")."""
    require(actor, "documents.register", incoming)
    reason = _text(reason, _("the reason"), 500)
    with transaction.atomic():
        locked = IncomingDocument.objects.select_for_update().get(pk=incoming.pk)
        if locked.state != IncomingDocument.State.PENDING:
            raise ValidationError(
                _("Only a document waiting to be registered can be returned."), code="state"
            )
        if locked.delivery_id is None:
            raise ValidationError(
                _("Only a document received over the exchange can be returned."), code="source"
            )
        locked.state = IncomingDocument.State.REFUSED
        locked.refusal_reason = reason
        locked.save(update_fields=["state", "refusal_reason"])
        exchange.report_status(locked, edxml.STATUS_REFUSED, actor, description=reason)
        record(actor, "documents.refuse", locked, {"reason": reason})
    exchange.wake_on_commit()
    return locked


def assign_incoming(
    actor: User,
    incoming: IncomingDocument,
    handler: User | None,
    working_days: int,
    at: datetime.datetime | None = None,
    coordinators: Iterable[User] = (),
    unit: Agency | None = None,
) -> IncomingDocument:
    """The leader gives the person in charge, or the ``unit`` in charge (a unit directly under the
    agency, with a leader), the co-ordinators and the handling deadline, counted in working days
    of the province's calendar (Art. 23, 24: the leader's instruction names the unit or person in
    charge); "04" back to the sender. Assigning again replaces the co-ordinators (those kept keep
    their opinion)."""
    require(actor, "documents.assign", incoming)
    at = at or timezone.now()
    coordinators = list(coordinators)
    if not isinstance(working_days, int) or not 1 <= working_days <= MAX_HANDLING_DAYS:
        raise ValidationError(
            _("The deadline must be between 1 and %(max)d working days.") % {"max": MAX_HANDLING_DAYS},
            code="deadline",
        )
    if unit is not None:
        if handler is not None:
            raise ValidationError(_("Choose one person or one unit in charge."), code="handler")
        _check_unit(incoming, unit)
    elif handler is None or not roles_in(handler, incoming.agency_id) & {Role.SPECIALIST, Role.LEADER}:
        raise ValidationError(_("The person in charge must be an officer of this agency."), code="handler")
    _check_coordinators(incoming, handler, coordinators)
    with transaction.atomic():
        locked = IncomingDocument.objects.select_for_update().get(pk=incoming.pk)
        if locked.state not in (IncomingDocument.State.REGISTERED, IncomingDocument.State.ASSIGNED):
            raise ValidationError(_("Only a registered document can be assigned."), code="state")
        locked.handler = handler
        locked.handling_unit = unit
        locked.handling_due_at = add_working_days(at, working_days)
        locked.state = IncomingDocument.State.ASSIGNED
        locked.save(update_fields=["handler", "handling_unit", "handling_due_at", "state"])
        locked.coordinators.exclude(user__in=coordinators).delete()
        kept = set(locked.coordinators.values_list("user_id", flat=True))
        Coordinator.objects.bulk_create(
            Coordinator(incoming=locked, user=user) for user in coordinators if user.pk not in kept
        )
        exchange.report_status(
            locked,
            edxml.STATUS_ASSIGNED,
            actor,
            at=at,
            description=unit.name if unit is not None else _person(handler),
        )
        record(
            actor,
            "documents.assign",
            locked,
            {
                "handler": actor_label(handler) if handler is not None else "",
                "unit": unit.code if unit is not None else "",
                "coordinators": [actor_label(user) for user in coordinators],
                "due_at": locked.handling_due_at.isoformat(),
            },
        )
    exchange.wake_on_commit()
    return locked


def _person(user: User | None) -> str:
    return (nfc(user.full_name) or user.username) if user is not None else ""


def _check_unit(incoming: IncomingDocument, unit: Agency) -> None:
    """A unit in charge is directly under the document's agency, in force, with a leader today."""
    in_force = Agency.objects.valid_on().filter(pk=unit.pk).exists()
    if unit.parent_id != incoming.agency_id or not in_force:
        raise ValidationError(_("The unit in charge must be a unit of this agency."), code="unit")
    if not Membership.objects.active().filter(agency=unit, role=Role.LEADER).exists():
        raise ValidationError(_("The unit has no leader to take charge of the document."), code="unit")


def name_handler(
    actor: User, incoming: IncomingDocument, person: User, at: datetime.datetime | None = None
) -> IncomingDocument:
    """The leader of the unit in charge names the person of the unit who handles the document
    (Art. 24); "05" (in progress) back to the sender. Naming again replaces the person."""
    require(actor, "documents.name_handler", incoming)
    at = at or timezone.now()
    with transaction.atomic():
        locked = IncomingDocument.objects.select_for_update().get(pk=incoming.pk)
        if locked.state != IncomingDocument.State.ASSIGNED or locked.handling_unit_id is None:
            raise ValidationError(_("Only a document assigned to a unit can be passed on."), code="state")
        if not roles_in(person, locked.handling_unit_id) & {Role.SPECIALIST, Role.LEADER}:
            raise ValidationError(_("The person in charge must be an officer of the unit."), code="handler")
        locked.handler = person
        locked.save(update_fields=["handler"])
        exchange.report_status(locked, edxml.STATUS_IN_PROGRESS, actor, at=at, description=_person(person))
        record(actor, "documents.name_handler", locked, {"handler": actor_label(person)})
    exchange.wake_on_commit()
    return locked


def _check_coordinators(incoming: IncomingDocument, handler: User | None, coordinators: list[User]) -> None:
    ids = [user.pk for user in coordinators]
    if len(set(ids)) != len(ids):
        raise ValidationError(_("A co-ordinator is chosen twice."), code="coordinators")
    if handler is not None and handler.pk in ids:
        raise ValidationError(_("The person in charge cannot also be a co-ordinator."), code="coordinators")
    for user in coordinators:
        if not roles_in(user, incoming.agency_id) & {Role.SPECIALIST, Role.LEADER}:
            raise ValidationError(_("Co-ordinators must be officers of this agency."), code="coordinators")


def give_opinion(
    actor: User, incoming: IncomingDocument, opinion: str, at: datetime.datetime | None = None
) -> Coordinator:
    """A co-ordinator gives (or revises) their opinion on the handling; it joins the document's
    timeline, as the opinions of the "Phiếu giải quyết văn bản đến" (Appendix IV), each dated."""
    require(actor, "documents.give_opinion", incoming)
    at = at or timezone.now()
    opinion = _text(opinion, _("the opinion"), 500)
    with transaction.atomic():
        locked = IncomingDocument.objects.select_for_update().get(pk=incoming.pk)
        coordinator = locked.coordinators.filter(user=actor).first()
        if locked.state != IncomingDocument.State.ASSIGNED or coordinator is None:
            raise ValidationError(_("Opinions are given while the document is being handled."), code="state")
        coordinator.opinion, coordinator.opinion_at = opinion, at
        coordinator.save(update_fields=["opinion", "opinion_at"])
        event(DocumentEvent.Kind.OPINION, locked.agency, actor=actor, at=at, incoming=locked, note=opinion)
        record(actor, "documents.give_opinion", locked, {"opinion": opinion})
    return coordinator


def remind_handlers(now: datetime.datetime | None = None) -> int:
    """The worker's reminders to the people in charge (``tinhso.documents.handling``): for each
    one owed, the row (unique: a second process stops here) and the audit entry commit, then the
    e-mail goes; returns how many were written. A failed e-mail is logged; the reminder stays in
    the app."""
    now = now or timezone.now()
    written = 0
    for document, threshold, person in handling.due(now):
        assert document.handling_due_at is not None
        try:
            with transaction.atomic():
                reminder = HandlingReminder.objects.create(
                    incoming=document,
                    user=person,
                    threshold=threshold,
                    due_at=document.handling_due_at,
                    sent_at=now,
                )
                record(
                    None,
                    "documents.remind",
                    document,
                    {"threshold": threshold, "to": actor_label(reminder.user)},
                )
        except IntegrityError:
            continue
        written += 1
        if person.email:
            subject, body = handling.message(document, threshold)
            try:
                mailer.send(subject, body, person.email)
            except Exception:  # the reminder is kept in the app; the next one still goes
                logger.exception("Could not e-mail the reminder of incoming document %s", document.pk)
    return written


def grant_access(
    actor: User,
    document: IncomingDocument | OutgoingDocument,
    *,
    user: User | None = None,
    agency: Agency | None = None,
) -> AccessGrant:
    """Give a named officer, or an agency (its officers with a document role), read access to
    one document beyond the roles of its agency (Appendix VI: per-document access rights)."""
    require(actor, "documents.grant_access", document)
    if (user is None) == (agency is None):
        raise ValidationError(_("Choose a person or an agency."), code="grantee")
    field = "incoming" if isinstance(document, IncomingDocument) else "outgoing"
    if user is not None and (user.kind != UserKind.OFFICER or not user.is_active):
        raise ValidationError(_("Access is given to officers only."), code="grantee")
    if agency is not None:
        if agency.pk == document.agency_id:
            raise ValidationError(_("The agency's own staff read it by their roles."), code="own_agency")
        if not Agency.objects.valid_on(timezone.localdate()).filter(pk=agency.pk).exists():
            raise ValidationError(_("A recipient is not a current agency."), code="grantee")
    grantee = actor_label(user) if user is not None else agency.name if agency is not None else ""
    with transaction.atomic():
        locked = type(document).objects.select_for_update().get(pk=document.pk)
        active = AccessGrant.objects.filter(**{field: locked}, revoked_at__isnull=True)
        if active.filter(user=user, agency=agency).exists():
            raise ValidationError(_("Access is already given to them."), code="granted")
        now = timezone.now()
        grant = AccessGrant.objects.create(
            **{field: locked}, user=user, agency=agency, granted_by=actor, granted_at=now
        )
        event(
            DocumentEvent.Kind.ACCESS_GRANTED,
            locked.agency,
            actor=actor,
            at=now,
            note=grantee,
            **{field: locked},
        )
        record(actor, "documents.grant_access", locked, {"to": grantee})
    return grant


def revoke_access(actor: User, grant: AccessGrant) -> AccessGrant:
    """Withdraw a grant: the person or agency no longer reads the document."""
    document = grant.incoming or grant.outgoing
    assert document is not None
    require(actor, "documents.grant_access", document)
    field = "incoming" if grant.incoming_id else "outgoing"
    with transaction.atomic():
        locked = (
            AccessGrant.objects.select_for_update(of=("self",))
            .select_related("user", "agency")
            .get(pk=grant.pk)
        )
        if locked.revoked_at is not None:
            raise ValidationError(_("This access was already withdrawn."), code="revoked")
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        grantee = actor_label(locked.user) if locked.user else locked.agency.name if locked.agency else ""
        event(
            DocumentEvent.Kind.ACCESS_REVOKED,
            document.agency,
            actor=actor,
            at=locked.revoked_at,
            note=grantee,
            **{field: document},
        )
        record(actor, "documents.revoke_access", document, {"from": grantee})
    return locked


def link_document(
    actor: User,
    document: IncomingDocument | OutgoingDocument,
    target: Dossier | IncomingDocument | OutgoingDocument,
) -> DocumentLink:
    """Link a document to a one-stop dossier or to another document; whoever reads the document
    and the target (``tinhso.documents.links``) may, once per pair."""
    source_field = "incoming" if isinstance(document, IncomingDocument) else "outgoing"
    require(actor, f"documents.view_{source_field}", document)
    if not links.readable(actor, target):
        raise PermissionDenied("documents.link")
    if isinstance(target, Dossier):
        target_field = "dossier"
    else:
        target_field = "linked_incoming" if isinstance(target, IncomingDocument) else "linked_outgoing"
        if type(target) is type(document) and target.pk == document.pk:
            raise ValidationError(_("A document is not linked to itself."), code="self")
    with transaction.atomic():
        locked = type(document).objects.select_for_update().get(pk=document.pk)
        if DocumentLink.objects.filter(**{source_field: locked, target_field: target}).exists():
            raise ValidationError(_("They are already linked."), code="linked")
        now = timezone.now()
        link = DocumentLink.objects.create(
            **{source_field: locked, target_field: target}, created_by=actor, created_at=now
        )
        label = target.code if isinstance(target, Dossier) else (target.reference or target.subject)
        event(
            DocumentEvent.Kind.LINKED,
            locked.agency,
            actor=actor,
            at=now,
            note=label or "",
            **{source_field: locked},
        )
        record(actor, "documents.link", locked, {"to": f"{target_field} {target.pk}"})
    return link


def unlink_document(actor: User, link: DocumentLink) -> None:
    """Take a link back (``rules.unlink``); the removal joins the document's timeline."""
    require(actor, "documents.unlink", link)
    document = link.incoming or link.outgoing
    assert document is not None
    source_field = "incoming" if link.incoming_id else "outgoing"
    with transaction.atomic():
        locked = type(document).objects.select_for_update().get(pk=document.pk)
        current = DocumentLink.objects.filter(pk=link.pk).select_related(
            "dossier", "linked_incoming", "linked_outgoing"
        )
        found = current.first()
        if found is None:
            raise ValidationError(_("This link was already removed."), code="unlinked")
        target = found.dossier or found.linked_incoming or found.linked_outgoing
        assert target is not None
        label = target.code if isinstance(target, Dossier) else (target.reference or target.subject)
        found.delete()
        event(
            DocumentEvent.Kind.UNLINKED,
            locked.agency,
            actor=actor,
            at=timezone.now(),
            note=label or "",
            **{source_field: locked},
        )
        record(actor, "documents.unlink", locked, {"from": f"{type(target).__name__} {target.pk}"})


def record_read(actor: User, document: IncomingDocument | OutgoingDocument) -> bool:
    """The first time ``actor`` opens a document they may read, "read" joins its timeline
    (Appendix VI: the timeline of every opinion, approval, version, send and read); True when
    written. Under the document's lock, so two tabs opened at once write it once."""
    field = "incoming" if isinstance(document, IncomingDocument) else "outgoing"
    require(actor, f"documents.view_{field}", document)
    label = actor_label(actor)
    if DocumentEvent.objects.filter(
        kind=DocumentEvent.Kind.READ, actor_name=label, **{field: document}
    ).exists():
        return False
    with transaction.atomic():
        locked = type(document).objects.select_for_update().select_related("agency").get(pk=document.pk)
        if DocumentEvent.objects.filter(
            kind=DocumentEvent.Kind.READ, actor_name=label, **{field: locked}
        ).exists():
            return False
        event(DocumentEvent.Kind.READ, locked.agency, actor=actor, at=timezone.now(), **{field: locked})
        record(actor, "documents.read", locked, {})
    return True


def complete_incoming(
    actor: User, incoming: IncomingDocument, note: str = "", at: datetime.datetime | None = None
) -> IncomingDocument:
    """The person in charge marks the document handled ("06")."""
    require(actor, "documents.complete", incoming)
    at = at or timezone.now()
    note = _text(note, _("the note"), 500, required=False)
    with transaction.atomic():
        locked = IncomingDocument.objects.select_for_update().get(pk=incoming.pk)
        if locked.state != IncomingDocument.State.ASSIGNED:
            raise ValidationError(_("Only an assigned document can be marked handled."), code="state")
        locked.state = IncomingDocument.State.DONE
        locked.done_at = at
        locked.save(update_fields=["state", "done_at"])
        exchange.report_status(locked, edxml.STATUS_DONE, actor, at=at, description=note)
        record(actor, "documents.complete", locked, {"note": note})
    exchange.wake_on_commit()
    return locked


def package_owner(package: Package) -> OutgoingDocument | IncomingDocument:
    """The document whose clerk answers for a package: the sent document for a document
    package, the incoming document whose status it reports for a status package."""
    if package.kind == Package.Kind.STATUS and package.incoming is not None:
        return package.incoming
    delivery = package.delivery
    if delivery is None:
        raise ValueError(f"package {package.pk} has neither a delivery nor an incoming document")
    if package.kind == Package.Kind.STATUS:
        return IncomingDocument.objects.get(delivery=delivery)
    return delivery.document


def resend_package(actor: User, package: Package) -> Package:
    """Put an undeliverable package back in the queue (the clerk's dead-letter list): the
    sender's clerk for a document, the recipient's clerk for a status it reports."""
    owner = package_owner(package)
    require(actor, "documents.send" if isinstance(owner, OutgoingDocument) else "documents.register", owner)
    with transaction.atomic():
        locked = Package.objects.select_for_update().get(pk=package.pk)
        if locked.state != Package.State.DEAD:
            raise ValidationError(_("Only an undeliverable package can be sent again."), code="state")
        if isinstance(owner, OutgoingDocument) and withdrawal.frozen(owner):
            raise ValidationError(_("The document was revoked or replaced."), code="frozen")
        exchange.resend(locked)
        record(actor, "documents.resend", owner, {"package": locked.pk, "to": locked.to_code})
    exchange.wake_on_commit()
    return locked


# Revoking, updating and replacing an issued document (Art. 18(3)-(4); ``tinhso.documents.withdrawal``).

UPDATABLE = {"subject": 500, "content": 5000, "signer_position": 100, "signer_name": 50}


def _corrections(document: OutgoingDocument, corrections: dict[str, Any]) -> dict[str, Any]:
    """The header fields an update changes, checked; refused when it changes nothing."""
    unknown = set(corrections) - {*UPDATABLE, "due_date", "urgency"}
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(f)s.") % {"f": ", ".join(sorted(unknown))},
            code="fields",
        )
    changed: dict[str, Any] = {}
    for name, value in corrections.items():
        if name in UPDATABLE:
            value = _text(value, name, UPDATABLE[name], required=name == "subject")
        elif name == "urgency" and value not in Urgency.values:
            raise ValidationError(_("Choose the urgency from the list."), code="marks")
        elif name == "due_date" and value is not None and not isinstance(value, datetime.date):
            raise ValidationError(_("Enter the reply date as a date."), code="due_date")
        if value != getattr(document, name):
            changed[name] = value
    if not changed:
        raise ValidationError(_("The update changes nothing in the document."), code="nothing_changed")
    return changed


def request_withdrawal(
    actor: User,
    document: OutgoingDocument,
    kind: str,
    reason: str,
    *,
    replacement: OutgoingDocument | None = None,
    at: datetime.datetime | None = None,
    **corrections: Any,
) -> Withdrawal:
    """The clerk asks to revoke, update (``corrections`` of the header) or replace (by
    ``replacement``, another issued document of the agency) an issued document, with a reason.
    Sending stops until a leader decides (``decide_withdrawal``)."""
    require(actor, "documents.withdraw", document)
    at = at or timezone.now()
    if kind not in Withdrawal.Kind.values:
        raise ValidationError(_("Choose revoke, update or replace."), code="kind")
    reason = _text(reason, _("the reason"), 500)
    if kind != Withdrawal.Kind.UPDATE and corrections:
        raise ValidationError(_("Only an update changes the header."), code="fields")
    if kind != Withdrawal.Kind.REPLACE and replacement is not None:
        raise ValidationError(_("Only a replacement names a replacing document."), code="replacement")
    with transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
        if locked.state == OutgoingDocument.State.DRAFT:
            raise ValidationError(
                _("A draft is not issued: it cannot be revoked, updated or replaced."), code="draft"
            )
        if withdrawal.frozen(locked):
            raise ValidationError(
                _("This document was already revoked or replaced (%(state)s).")
                % {"state": locked.get_state_display()},
                code="frozen",
            )
        if locked.withdrawals.filter(state=Withdrawal.State.REQUESTED).exists():
            raise ValidationError(
                _("A revocation, update or replacement of this document is already waiting for the leader."),
                code="withdrawal_waiting",
            )
        changed = _corrections(locked, corrections) if kind == Withdrawal.Kind.UPDATE else {}
        if kind == Withdrawal.Kind.REPLACE:
            _check_replacement(locked, replacement)
        change = Withdrawal.objects.create(
            document=locked,
            kind=kind,
            reason=reason,
            replacement=replacement,
            corrections={
                name: value.isoformat() if isinstance(value, datetime.date) else value
                for name, value in changed.items()
            },
            requested_by=actor,
            requested_at=at,
        )
        event(
            DocumentEvent.Kind.WITHDRAWAL_REQUESTED,
            locked.agency,
            actor=actor,
            at=at,
            outgoing=locked,
            note=f"{change.get_kind_display()}: {reason}",
        )
        record(
            actor,
            "documents.request_withdrawal",
            locked,
            {
                "kind": kind,
                "reason": reason,
                "replacement": replacement.reference if replacement else "",
                "corrections": change.corrections,
            },
        )
    return change


def _check_replacement(document: OutgoingDocument, replacement: OutgoingDocument | None) -> None:
    if replacement is None:
        raise ValidationError(_("Choose the document that replaces it."), code="replacement")
    if replacement.pk == document.pk or replacement.agency_id != document.agency_id:
        raise ValidationError(
            _("The replacing document must be another document of the same agency."), code="replacement"
        )
    if replacement.state != OutgoingDocument.State.ISSUED:
        raise ValidationError(_("The replacing document must be issued first."), code="replacement")
    if replacement.secrecy:
        raise ValidationError(_("Secret documents are not sent over the exchange."), code="secret")
    sent_to = document.deliveries.all()
    inside = sent_to.filter(recipient__isnull=False).values("recipient_id")
    outside = sent_to.filter(external__isnull=False).values("external_id")
    if replacement.deliveries.filter(Q(recipient_id__in=inside) | Q(external_id__in=outside)).exists():
        raise ValidationError(
            _("The replacing document was already sent to one of the recipients."), code="replacement"
        )


def decide_withdrawal(
    actor: User,
    change: Withdrawal,
    approve: bool,
    note: str = "",
    at: datetime.datetime | None = None,
) -> Withdrawal:
    """A leader of the agency approves the change (the document is revoked, replaced or
    updated and every recipient gets the package) or declines it with a note (sending resumes)."""
    require(actor, "documents.approve_withdrawal", change.document)
    at = at or timezone.now()
    note = _text(note, _("the note"), 500, required=not approve)
    with transaction.atomic():
        document = (
            OutgoingDocument.objects.select_for_update().select_related("agency").get(pk=change.document_id)
        )
        locked = Withdrawal.objects.select_for_update().get(pk=change.pk)
        if locked.state != Withdrawal.State.REQUESTED:
            raise ValidationError(_("This request was already decided."), code="decided")
        locked.state = Withdrawal.State.APPROVED if approve else Withdrawal.State.DECLINED
        locked.decided_by, locked.decided_at, locked.decision_note = actor, at, note
        locked.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        locked.document = document
        if not approve:
            event(
                DocumentEvent.Kind.WITHDRAWAL_DECLINED,
                document.agency,
                actor=actor,
                at=at,
                outgoing=document,
                note=note,
            )
            record(actor, "documents.decline_withdrawal", document, {"kind": locked.kind, "note": note})
            return locked
        if locked.kind == Withdrawal.Kind.REPLACE:
            _check_replacement(document, locked.replacement)
        fields: dict[str, Any]
        if locked.kind == Withdrawal.Kind.UPDATE:
            fields = {
                name: datetime.date.fromisoformat(value) if name == "due_date" and value else value
                for name, value in locked.corrections.items()
            }
        elif locked.kind == Withdrawal.Kind.REVOKE:
            fields = {"state": OutgoingDocument.State.REVOKED}
        else:
            fields = {"state": OutgoingDocument.State.REPLACED}
        for name, value in fields.items():
            setattr(document, name, value)
        document.save(update_fields=list(fields))
        kind = {
            Withdrawal.Kind.REVOKE: DocumentEvent.Kind.REVOKED,
            Withdrawal.Kind.UPDATE: DocumentEvent.Kind.UPDATED,
            Withdrawal.Kind.REPLACE: DocumentEvent.Kind.REPLACED,
        }[Withdrawal.Kind(locked.kind)]
        event(kind, document.agency, actor=actor, at=at, outgoing=document, note=locked.reason)
        withdrawal.send_change(locked, actor, at)
        record(
            actor,
            "documents.approve_withdrawal",
            document,
            {"kind": locked.kind, "reason": locked.reason, "requested_by": actor_label(locked.requested_by)},
        )
    exchange.wake_on_commit()
    return locked


# The received PDF's signature (``tinhso.documents.received_signature``).


def _check_signature(incoming: IncomingDocument, accept: bool) -> None:
    """Refuse to register a document whose signature was flagged unless the clerk confirms."""
    if incoming.signature_check == SignatureCheck.FLAGGED and not accept:
        raise ValidationError(
            _(
                "The PDF's digital signature needs checking: %(findings)s Register it only if you "
                "confirm it, or return it to the sender with a reason."
            )
            % {"findings": " ".join(received_signature.messages(incoming.signature_findings))},
            code="signature",
        )


def _signature_note(incoming: IncomingDocument) -> str:
    if incoming.signature_check != SignatureCheck.FLAGGED:
        return ""
    return (
        _("Registered despite the signature check: %(findings)s")
        % {"findings": " ".join(received_signature.messages(incoming.signature_findings))}
    )[:500]


def _signature_audit(incoming: IncomingDocument) -> dict[str, Any]:
    if not incoming.signature_check:
        return {}
    return {
        "signature_check": incoming.signature_check,
        "signature_findings": [finding["code"] for finding in incoming.signature_findings],
    }


def sync_directory(actor: User | None) -> dict[str, int]:
    """Synchronise the national agency directory from the axis (``None``: the timer). Codes of
    either style are stored in the Decision 20/2020 form with the QCVN 102:2016 form beside;
    an agency the axis no longer lists is kept but no longer offered."""
    if actor is not None:
        require(actor, "documents.sync_directory", None)
    listed = axis.client().agencies()
    now = timezone.now()
    rows: dict[str, dict[str, str]] = {}
    for item in listed:
        try:
            parsed = parse_agency_code(str(item.get("code") or item.get("code102") or ""))
        except InvalidAgencyCode:
            continue
        name = nfc(str(item.get("name", ""))).strip()[:255]
        if name:
            rows[parsed.canonical] = {"name": name, "parent": str(item.get("parentCode", ""))[:35]}
    counts = {"added": 0, "updated": 0, "withdrawn": 0}
    with transaction.atomic():
        existing = {agency.code: agency for agency in DirectoryAgency.objects.select_for_update()}
        for code, row in rows.items():
            agency = existing.get(code)
            if agency is None:
                agency = DirectoryAgency.objects.create(
                    code=code,
                    legacy_code=parse_agency_code(code).legacy,
                    name=row["name"],
                    parent_code=row["parent"],
                    synced_at=now,
                )
                record(actor, "documents.directory_add", agency, row, new=True)
                counts["added"] += 1
            elif (agency.name, agency.parent_code, agency.active) != (row["name"], row["parent"], True):
                changes = {"name": [agency.name, row["name"]], "parent": [agency.parent_code, row["parent"]]}
                agency.name, agency.parent_code, agency.active = row["name"], row["parent"], True
                agency.synced_at = now
                agency.save(update_fields=["name", "parent_code", "active", "synced_at"])
                record(actor, "documents.directory_update", agency, changes)
                counts["updated"] += 1
        for code, agency in existing.items():
            if code not in rows and agency.active:
                agency.active = False
                agency.synced_at = now
                agency.save(update_fields=["active", "synced_at"])
                record(actor, "documents.directory_withdraw", agency, {"code": code})
                counts["withdrawn"] += 1
    return counts


# The leader's signature (Decree 30/2020 Art. 13; tinhso.documents.signatures).


def _draft_pdf(document: OutgoingDocument) -> bytes:
    """What the leader signs: a draft written from a template is rendered again from its latest
    version with the reviewers' co-signatures (``drafts.initials``); an uploaded one as it is."""
    latest = document.versions.order_by("-number").first()
    initialled = drafts.initials(document) if latest else ""
    if latest and initialled:
        return drafts.render(document, latest.parts, initialled)
    if document.file:
        with document.file.open("rb") as handle:
            data: bytes = handle.read()
        return data
    return signatures.render_draft(document)


def sign_draft(
    actor: User, document: OutgoingDocument, at: datetime.datetime | None = None
) -> OutgoingDocument:
    """The leader signs a draft: its PDF (the uploaded one, or rendered from the draft) gets the
    leader's digital signature with the signer's image; the văn thư numbers and issues it next
    (Art. 14(1), 15(3)), which adds the number, the date and the agency's signature. The signed
    file is written before the transaction and removed again if the draft cannot take it."""
    require(actor, "documents.sign", document)
    at = at or timezone.now()
    if document.state != OutgoingDocument.State.DRAFT or document.signed_at:
        raise ValidationError(_("This draft is already signed."), code="signed")
    _check_review(document)
    signer_name = nfc(actor.full_name) or actor.get_username()
    if document.signer_name and nfc(document.signer_name) != signer_name:
        raise ValidationError(
            _("This draft is to be signed by %(name)s.") % {"name": document.signer_name}, code="signer"
        )
    document.signer_name = signer_name
    signed = signatures.leader_sign(_draft_pdf(document), document, signer_name, actor)
    name = default_storage.save(f"van-ban/di/{at:%Y/%m}/{secrets.token_hex(16)}.pdf", ContentFile(signed))
    try:
        with transaction.atomic():
            locked = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
            if locked.state != OutgoingDocument.State.DRAFT or locked.signed_at:
                raise ValidationError(_("This draft is already signed."), code="signed")
            locked.file = name
            locked.file_name = locked.file_name or f"{locked.type_code}-{locked.pk}.pdf"
            locked.signer_name = signer_name
            locked.signed_by, locked.signed_at = actor, at
            locked.text = signatures.text_of(signed)
            locked.save(update_fields=["file", "file_name", "signer_name", "signed_by", "signed_at", "text"])
            event(
                DocumentEvent.Kind.SIGNED,
                locked.agency,
                actor=actor,
                at=at,
                outgoing=locked,
                note=signer_name,
            )
            record(
                actor,
                "documents.sign",
                locked,
                {"signer": signer_name, "sha256": hashlib.sha256(signed).hexdigest()},
            )
    except Exception:
        default_storage.delete(name)
        raise
    return locked


def _check_review(document: OutgoingDocument) -> None:
    """A draft sent for review is signed, or numbered, once every reviewer approved its latest
    version (Art. 11; ``tinhso.documents.drafting``); one never sent for review is approved by
    its signer."""
    state = drafts.route_state(document)
    if state in {"open", "returned"}:
        raise ValidationError(_("The draft's review route is not complete."), code="review")
    if state == "changed":
        raise ValidationError(
            _("The draft changed after its review: send it for review again."), code="review_changed"
        )


@dataclass
class BatchResult:
    signed: list[OutgoingDocument] = field(default_factory=list)
    failed: list[tuple[OutgoingDocument, str]] = field(default_factory=list)


def sign_drafts(actor: User, documents: Iterable[OutgoingDocument]) -> BatchResult:
    """Sign a batch from the leader's inbox: each draft on its own, so one that cannot be signed
    is reported with its reason and leaves nothing behind, and the others are signed."""
    result = BatchResult()
    for document in documents:
        try:
            result.signed.append(sign_draft(actor, document))
        except ValidationError as refusal:
            result.failed.append((document, " ".join(refusal.messages)))
        except PermissionDenied:
            result.failed.append((document, _("You may not sign this draft.")))
    return result


def _seal_and_index(document: OutgoingDocument, at: datetime.datetime) -> None:
    """At issue, inside its transaction: a draft the leader signed gets its number, its date and
    the agency's signature (Art. 14(1), (3); 17(2)); the text of the file is kept for search."""
    if not document.file:
        return
    with document.file.open("rb") as handle:
        pdf = handle.read()
    if document.signed_at:
        pdf = signatures.agency_sign(pdf, document, at)
        document.file = default_storage.save(
            f"van-ban/di/{at:%Y/%m}/{secrets.token_hex(16)}.pdf", ContentFile(pdf)
        )
    document.text = signatures.text_of(pdf)


def _index_file(document: IncomingDocument) -> None:
    """Keep the text of a registered document's PDF for search (pypdf; a scan has none)."""
    if document.file:
        with document.file.open("rb") as handle:
            document.text = signatures.text_of(handle.read())


# Saved searches.

MAX_SAVED_SEARCHES = 50


def save_search(actor: User, name: str, query: str) -> SavedSearch:
    """Keep a search of ``actor`` under ``name`` (a name used again replaces the old query)."""
    if not document_agency_ids(actor):
        raise PermissionDenied
    name = _text(name, _("the name"), 100)
    query = _text(query, _("the search"), 500)
    with transaction.atomic():
        existing = SavedSearch.objects.select_for_update().filter(user=actor)
        if existing.count() >= MAX_SAVED_SEARCHES and not existing.filter(name=name).exists():
            raise ValidationError(
                _("You can keep at most %(max)d searches.") % {"max": MAX_SAVED_SEARCHES}, code="too_many"
            )
        saved, created = SavedSearch.objects.update_or_create(
            user=actor, name=name, defaults={"query": query}
        )
        record(actor, "documents.save_search", saved, {"name": name, "query": query}, new=created)
    return saved


def delete_search(actor: User, saved: SavedSearch) -> None:
    if saved.user_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        record(actor, "documents.delete_search", saved, {"name": saved.name})
        saved.delete()


# The images shown with the signatures (Appendix I).

MAX_IMAGE_BYTES = 512 * 1024
MAX_IMAGE_SIDE = 2000


def _transparent_png(data: bytes) -> bytes:
    """``data`` if it is a PNG of a sensible size with a transparent background, else a refusal."""
    from PIL import Image, UnidentifiedImageError

    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValidationError(_("The image must be a PNG file."), code="not_png")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError(_("The image is larger than 512 KB."), code="image_size")
    try:
        with Image.open(BytesIO(data)) as image:
            image.verify()
        with Image.open(BytesIO(data)) as image:
            width, height = image.size
            transparent = image.mode in ("RGBA", "LA") or "transparency" in image.info
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(_("The PNG file is damaged."), code="bad_png") from exc
    if max(width, height) > MAX_IMAGE_SIDE:
        raise ValidationError(
            _("The image is larger than %(max)d pixels on a side.") % {"max": MAX_IMAGE_SIDE},
            code="image_size",
        )
    if not transparent:
        raise ValidationError(_("The image must have a transparent background."), code="not_transparent")
    return data


def set_signer_image(actor: User, data: bytes) -> SignerImage:
    """A leader's own signature image, shown when they sign."""
    if not any(Role.LEADER in roles_in(actor, agency_id) for agency_id in document_agency_ids(actor)):
        raise PermissionDenied
    data = _transparent_png(data)
    with transaction.atomic():
        image, created = SignerImage.objects.update_or_create(user=actor, defaults={"png": data})
        record(
            actor,
            "documents.set_signer_image",
            image,
            {"sha256": hashlib.sha256(data).hexdigest()},
            new=created,
        )
    return image


def set_seal_image(actor: User, agency: Agency, data: bytes) -> SealImage:
    """The image of ``agency``'s seal, shown with its digital signature."""
    require(actor, "documents.manage_seal", agency)
    data = _transparent_png(data)
    with transaction.atomic():
        image, created = SealImage.objects.update_or_create(agency=agency, defaults={"png": data})
        record(
            actor,
            "documents.set_seal_image",
            image,
            {"agency": agency.code, "sha256": hashlib.sha256(data).hexdigest()},
            new=created,
        )
    return image
