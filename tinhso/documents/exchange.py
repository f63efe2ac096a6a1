"""The document exchange between the installation's agencies, through the same edXML packages as
an exchange with the outside (QCVN 102:2016/BTTTT).

Sending queues one ``Package`` per recipient in the sender's transaction (the outbox); the task
worker (``deliver_packages``) hands each due package to ``receive``, which reads it as any edXML
package from outside would be read: a document package becomes a pending incoming document of the
agency named in ``To`` (and sends "01 arrived" back at once), a status package updates the
sender's delivery. A package that cannot be delivered is tried again after ``RETRY_DELAYS`` and,
after the last attempt, stays in the dead-letter list (state "dead") for the clerk to see. Each
package is handled in its own transaction under ``FOR UPDATE SKIP LOCKED``, so several workers
share the queue and a package is never delivered twice.

A package for an agency outside the installation (a delivery to the axis directory, or a status
for a document that came from the axis) goes through the same queue but is handed to the national
axis (``tinhso.documents.axis``) instead; packages from the axis come in through ``receive`` too
(``tinhso.documents.axis_inbox``).
"""

import datetime
import logging

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.agencies.codes import InvalidAgencyCode, parse_agency_code
from tinhso.agencies.models import Agency
from tinhso.audit.services import actor_label
from tinhso.documents import axis, edxml, received_signature
from tinhso.documents.models import Delivery, DocumentEvent, IncomingDocument, OutgoingDocument, Package

logger = logging.getLogger(__name__)

RETRY_DELAYS = [datetime.timedelta(minutes=minutes) for minutes in (1, 5, 30, 120, 480)]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
BATCH = 50


class DeliveryError(Exception):
    """The package is well-formed but cannot be delivered here (unknown recipient...)."""


def _organ(agency) -> edxml.Organ:
    """An agency of the installation or of the axis directory (which knows only code and name)."""
    return edxml.Organ(
        organ_id=agency.code,
        name=agency.name,
        address=getattr(agency, "address", ""),
        email=getattr(agency, "email", ""),
        telephone=getattr(agency, "phone", ""),
    )


def _staff_name(actor) -> str:
    return (getattr(actor, "full_name", "") or getattr(actor, "username", "")) if actor else ""


def document_package(
    document: OutgoingDocument,
    recipient,
    actor,
    *,
    business_type: int = edxml.BUSINESS_NEW,
    business_reason: str = "",
    replaced_document_ids: tuple[str, ...] = (),
) -> bytes:
    """The edXML package of ``document`` for ``recipient``: a new document, or (``business_type``)
    a revocation, update or replacement of one sent before, with its reason."""
    attachments = []
    if document.file:
        with document.file.open("rb") as handle:
            attachments.append(
                edxml.Attachment(
                    name=document.file_name or "van-ban.pdf",
                    content_type="application/pdf",
                    data=handle.read(),
                )
            )
    issued_on = timezone.localdate(document.issued_at)
    return edxml.write_document(
        edxml.DocumentPackage(
            sender=_organ(document.agency),
            recipients=[_organ(recipient)],
            code_number=f"{document.number:02d}",
            code_notation=document.symbol,
            promulgation_date=issued_on,
            subject=document.subject,
            document_id=document.document_id,
            type_name=document.doc_type.name,
            content=document.content[:500],
            signer_competence=document.signer_competence,
            signer_position=document.signer_position,
            signer_name=document.signer_name,
            due_date=document.due_date,
            to_places=[
                delivery.recipient_name[:150]
                for delivery in document.deliveries.select_related("recipient", "external")
            ],
            priority=document.urgency,
            business_type=business_type,
            business_reason=business_reason,
            replaced_document_ids=list(replaced_document_ids),
            staff_department=document.agency.name,
            staff_name=_staff_name(actor),
            timestamp=timezone.localtime(),
            attachments=attachments,
        )
    )


def _queue(kind: str, delivery: Delivery | None, to_code: str, xml: bytes, **fields) -> Package:
    return Package.objects.create(
        kind=kind, delivery=delivery, to_code=to_code, xml=xml, next_attempt_at=timezone.now(), **fields
    )


def queue_document(document: OutgoingDocument, delivery: Delivery, actor) -> Package:
    """A recipient outside the installation is reached through the national axis."""
    return _queue(
        Package.Kind.DOCUMENT,
        delivery,
        delivery.recipient_code,
        document_package(document, delivery.addressee, actor),
        via_axis=delivery.external_id is not None,
    )


def report_status(incoming: IncomingDocument, code: str, actor, *, at=None, description: str = "") -> None:
    """Record the business status on the incoming document's timeline and, for a document that
    came over the exchange, queue the status package back to its sender."""
    at = at or timezone.now()
    DocumentEvent.objects.create(
        kind=DocumentEvent.Kind.STATUS,
        agency=incoming.agency,
        incoming=incoming,
        delivery=incoming.delivery,
        status_code=code,
        note=description[:500],
        actor_name=actor_label(actor) if actor else "",
        occurred_at=at,
    )
    delivery = incoming.delivery
    if delivery is None and not incoming.axis_id:
        return
    xml = edxml.write_status(
        edxml.StatusPackage(
            sender=_organ(incoming.agency),
            for_organ_id=incoming.sender_code,
            for_code=incoming.reference,
            for_promulgation_date=incoming.promulgation_date or timezone.localdate(incoming.arrived_at),
            for_document_id=incoming.document_id,
            status_code=code,
            description=description or str(edxml.STATUS_LABELS[code]),
            timestamp=timezone.localtime(at).replace(tzinfo=None),
            staff_department=incoming.agency.name,
            staff_name=_staff_name(actor),
        )
    )
    if delivery is None:
        _queue(Package.Kind.STATUS, None, incoming.sender_code, xml, incoming=incoming, via_axis=True)
    else:
        _queue(Package.Kind.STATUS, delivery, incoming.sender_code, xml)


# Receiving.


def _current_agency(code: str) -> Agency:
    agency = Agency.objects.valid_on(timezone.localdate()).filter(code=code).first()
    if agency is None:
        raise DeliveryError(_("No current agency has the code %(code)s.") % {"code": code})
    return agency


def _first_current_agency(codes: list[str]) -> Agency:
    agencies = {
        agency.code: agency for agency in Agency.objects.valid_on(timezone.localdate()).filter(code__in=codes)
    }
    for code in codes:
        if code in agencies:
            return agencies[code]
    raise DeliveryError(_("None of the recipients is an agency of this installation."))


def receive(xml: bytes, delivery: Delivery | None = None, axis_id: str = ""):
    """Take in one package addressed to this installation; returns the incoming document or the
    delivery it updated. ``delivery`` is the transport's reference for an internal send,
    ``axis_id`` the package's id at the national axis for one that came from outside."""
    if edxml.package_kind(xml) == "status":
        return _receive_status(edxml.read_status(xml), delivery)
    return _receive_document(edxml.read_document(xml), delivery, axis_id)


def _receive_document(
    package: edxml.DocumentPackage, delivery: Delivery | None, axis_id: str = ""
) -> IncomingDocument:
    codes = [_canonical(organ.organ_id) for organ in package.recipients]
    if delivery is not None:
        if delivery.recipient_code not in codes:
            raise DeliveryError(_("The package is not addressed to the agency it was delivered to."))
        codes = [delivery.recipient_code]
    agency = _current_agency(codes[0]) if len(codes) == 1 else _first_current_agency(codes)
    if axis_id and Agency.objects.filter(code=_canonical(package.sender.organ_id)).exists():
        # The installation's own agencies exchange inside it, never through the axis.
        raise DeliveryError(_("A package from the national axis claims to come from this installation."))
    if package.business_type in (edxml.BUSINESS_REVOKE, edxml.BUSINESS_UPDATE):
        from tinhso.documents import withdrawal

        return withdrawal.receive_change(package, agency, delivery)
    if delivery is not None:
        existing = IncomingDocument.objects.filter(delivery=delivery).first()
        if existing is not None:
            return existing
    replaced = None
    if package.business_type == edxml.BUSINESS_REPLACE:
        from tinhso.documents import withdrawal

        replaced = withdrawal.replaced_incoming(package, agency)
    now = timezone.now()
    incoming = IncomingDocument(
        agency=agency,
        source=IncomingDocument.Source.EXCHANGE,
        delivery=delivery,
        sender_code=package.sender.organ_id,
        sender_name=package.sender.name or package.sender.organ_id,
        code_number=package.code_number,
        code_notation=package.code_notation,
        type_name=package.type_name,
        subject=package.subject,
        promulgation_date=package.promulgation_date,
        signer_name=package.signer_name,
        urgency=min(package.priority, 3),
        due_date=package.due_date,
        document_id=package.document_id,
        axis_id=axis_id,
        arrived_at=now,
    )
    if package.attachments:
        first = package.attachments[0]
        incoming.file.save(first.name, _content(first), save=False)
        incoming.file_name = first.name[:200]
        received_signature.apply(incoming, first.data)
    incoming.save()
    DocumentEvent.objects.create(
        kind=DocumentEvent.Kind.RECEIVED, agency=agency, incoming=incoming, delivery=delivery, occurred_at=now
    )
    report_status(incoming, edxml.STATUS_ARRIVED, None, at=now)
    if replaced is not None:
        withdrawal.tombstone(replaced, package, replaced_by=incoming, at=now)
    return incoming


def _content(attachment: edxml.Attachment):
    from django.core.files.base import ContentFile

    return ContentFile(attachment.data, name=attachment.name)


def _receive_status(package: edxml.StatusPackage, delivery: Delivery | None) -> Delivery:
    sender_code = _canonical(package.sender.organ_id)
    target = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("document__agency")
        .filter(
            document__document_id=package.for_document_id,
            document__agency__code=_canonical(package.for_organ_id),
        )
        .filter(
            # A status from outside (no delivery of this installation's transport) can only be
            # about a delivery to an agency outside.
            Q(external__code=sender_code) if delivery is None else Q(recipient__code=sender_code)
        )
        .first()
    )
    if target is None or (delivery is not None and target.pk != delivery.pk):
        raise DeliveryError(_("The status is for a document this installation did not send."))
    target.business_status = package.status_code
    target.save(update_fields=["business_status"])
    if target.external_id and target.transport == Delivery.Transport.SENT:
        # The recipient outside reports on the package: the axis delivered it.
        target.transport = Delivery.Transport.DELIVERED
        target.save(update_fields=["transport"])
        DocumentEvent.objects.create(
            kind=DocumentEvent.Kind.DELIVERED,
            agency=target.document.agency,
            outgoing=target.document,
            delivery=target,
            occurred_at=timezone.now(),
        )
    DocumentEvent.objects.create(
        kind=DocumentEvent.Kind.STATUS,
        agency=target.document.agency,
        outgoing=target.document,
        delivery=target,
        status_code=package.status_code,
        note=""
        if package.description == str(edxml.STATUS_LABELS[package.status_code])
        else package.description[:500],
        actor_name=package.staff_name[:120],
        occurred_at=timezone.now(),
    )
    return target


def _canonical(code: str) -> str:
    """The Decision 20/2020 form of a code written in either style (as it is, if neither)."""
    try:
        return parse_agency_code(code).canonical
    except InvalidAgencyCode:
        return code


# The worker.


def _transport_event(package: Package, kind: DocumentEvent.Kind, note: str = "") -> None:
    delivery = package.delivery
    if package.kind != Package.Kind.DOCUMENT or delivery is None:
        return
    delivery.transport = {
        DocumentEvent.Kind.SENT: Delivery.Transport.SENT,
        DocumentEvent.Kind.DELIVERED: Delivery.Transport.DELIVERED,
        DocumentEvent.Kind.FAILED: Delivery.Transport.FAILED,
        DocumentEvent.Kind.DEAD: Delivery.Transport.DEAD,
    }[kind]
    delivery.save(update_fields=["transport"])
    DocumentEvent.objects.create(
        kind=kind,
        agency=delivery.document.agency,
        outgoing=delivery.document,
        delivery=delivery,
        note=note[:500],
        occurred_at=timezone.now(),
    )


def deliver_one(now=None) -> bool:
    """Deliver the next due package, in its own transaction; False when none is due."""
    now = now or timezone.now()
    with transaction.atomic():
        package = (
            Package.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("delivery__document__agency")
            .filter(state=Package.State.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .first()
        )
        if package is None:
            return False
        package.attempts += 1
        try:
            if package.via_axis:
                package.axis_id = axis_send(package)
            else:
                with transaction.atomic():
                    receive(bytes(package.xml), package.delivery)
        except Exception as exc:  # any failure is this package's: it must not block the queue
            if not isinstance(exc, edxml.EdxmlError | DeliveryError | axis.AxisError):
                logger.exception("Package %s could not be delivered", package.pk)
            package.last_error = (str(exc) or type(exc).__name__)[:500]
            if package.attempts >= MAX_ATTEMPTS:
                package.state = Package.State.DEAD
                _transport_event(package, DocumentEvent.Kind.DEAD, package.last_error)
            else:
                package.next_attempt_at = now + RETRY_DELAYS[package.attempts - 1]
                _transport_event(package, DocumentEvent.Kind.FAILED, package.last_error)
        else:
            package.state = Package.State.DELIVERED
            package.delivered_at = now
            package.last_error = ""
            _transport_event(
                package, DocumentEvent.Kind.SENT if package.via_axis else DocumentEvent.Kind.DELIVERED
            )
        package.save()
    return True


def axis_send(package: Package) -> str:
    """Hand a package to the national axis; its id there. The idempotency key makes a retry
    after a lost answer the same package at the axis; a clerk's resend is a new one."""
    key = f"{package.pk}-{package.created_at:%Y%m%d%H%M%S%f}-{package.resent}"
    message_type = "status" if package.kind == Package.Kind.STATUS else "edoc"
    return axis.client().send(bytes(package.xml), message_type, key)


def deliver_due(limit: int = BATCH, now=None) -> int:
    """Deliver up to ``limit`` due packages (status packages queued on arrival come due at once
    and are taken in the same run); returns how many were handled."""
    done = 0
    while done < limit and deliver_one(now):
        done += 1
    return done


def wake_on_commit() -> None:
    """Ask the task worker to deliver once the caller's transaction commits (cron's
    ``deliver_documents`` picks up retries and anything a lost wake-up left)."""
    from tinhso.documents.tasks import deliver_packages

    transaction.on_commit(deliver_packages.enqueue, robust=True)


def resend(package: Package) -> None:
    """Put a dead package back in the queue (the clerk's "send again")."""
    package.state = Package.State.PENDING
    package.attempts = 0
    package.next_attempt_at = timezone.now()
    package.resent += 1
    package.save(update_fields=["state", "attempts", "next_attempt_at", "resent"])


def dead_letters(agency: Agency) -> QuerySet[Package]:
    """The agency's undeliverable packages: documents it sent, statuses it reported."""
    return (
        Package.objects.filter(state=Package.State.DEAD)
        .filter(
            Q(kind=Package.Kind.DOCUMENT, delivery__document__agency=agency)
            | Q(kind=Package.Kind.STATUS, incoming__agency=agency)
            | Q(kind=Package.Kind.STATUS, delivery__incoming__agency=agency)
        )
        .select_related("delivery__document", "delivery__recipient", "delivery__external", "incoming")
        .order_by("-pk")
    )
