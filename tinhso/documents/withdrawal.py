"""Revoking, updating and replacing documents sent over the exchange (Decree 30/2020/NĐ-CP
Art. 18(3): a document issued with an error of content is amended or replaced by a document of the
same form; Art. 18(4)(b): on a notice of revocation of an electronic document, the recipient
cancels it on the system and tells the sender through the system). In edXML the change travels as
a document package whose ``Bussiness/BussinessDocType`` is 1 revoke, 2 update or 3 replace, with
``BussinessDocReason``; a replacement lists the documents it replaces in ``ReplacementInfoList``.

Sender (``send_change``, called by ``actions.decide_withdrawal`` once a leader approved): the
outgoing document is frozen (revoked or replaced: no more sending), each recipient that received
it gets the change through the same outbox, the sender's side of each delivery records "13
pull-back requested"; a package not yet delivered is cancelled instead.

Recipient (``receive_change``, ``replaced_incoming`` and ``tombstone``, run by the exchange inside
the delivery's transaction): the incoming document is kept but marked revoked or replaced (linked
to its replacement) with the sender's reason, its handling stops, the assignment to a person,
the co-ordinators' reading (``rules.PULLED_BACK``) and the read access given to others are pulled
back, "15 pull-back accepted" goes back to the sender and the agency's clerks, leaders and the
person who had it are told by e-mail. An update of a document already revoked or replaced is
answered "16 refused" with the reason. A change for a document this agency never received is
refused (``DeliveryError``) and nothing is written.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.agencies.models import Agency
from tinhso.documents import edxml, exchange
from tinhso.documents.models import (
    Delivery,
    DocumentEvent,
    IncomingDocument,
    OutgoingDocument,
    Package,
    Withdrawal,
)

STATUS_PULL_BACK_REQUESTED = "13"
STATUS_PULL_BACK_ACCEPTED = "15"
STATUS_PULL_BACK_REFUSED = "16"

BUSINESS_TYPES = {
    Withdrawal.Kind.REVOKE: edxml.BUSINESS_REVOKE,
    Withdrawal.Kind.UPDATE: edxml.BUSINESS_UPDATE,
    Withdrawal.Kind.REPLACE: edxml.BUSINESS_REPLACE,
}
TOMBSTONED = (IncomingDocument.State.REVOKED, IncomingDocument.State.REPLACED)


# Sender.


def _delivered(delivery: Delivery) -> bool:
    return delivery.packages.filter(kind=Package.Kind.DOCUMENT, state=Package.State.DELIVERED).exists()


def _actor_name(actor) -> str:
    from tinhso.audit.services import actor_label

    return actor_label(actor) if actor else ""


def send_change(change: Withdrawal, actor, at: datetime.datetime) -> None:
    """Queue the change for every recipient of ``change.document`` (inside the caller's
    transaction); a revocation or replacement cancels the packages not delivered yet."""
    document = change.document
    business_type = BUSINESS_TYPES[Withdrawal.Kind(change.kind)]
    for delivery in document.deliveries.select_related("recipient", "external"):
        if not _delivered(delivery):
            if change.kind != Withdrawal.Kind.UPDATE:
                delivery.packages.filter(
                    kind=Package.Kind.DOCUMENT, state__in=[Package.State.PENDING, Package.State.DEAD]
                ).update(
                    state=Package.State.CANCELLED, last_error=_("Cancelled: the document was withdrawn.")
                )
            continue
        if change.kind == Withdrawal.Kind.REPLACE:
            replacement = change.replacement
            assert replacement is not None  # required and checked by the actions
            new_delivery = Delivery.objects.create(
                document=replacement, recipient=delivery.recipient, external=delivery.external
            )
            xml = exchange.document_package(
                replacement,
                delivery.addressee,
                actor,
                business_type=business_type,
                business_reason=change.reason,
                replaced_document_ids=(document.document_id,),
            )
            exchange._queue(
                Package.Kind.DOCUMENT,
                new_delivery,
                delivery.recipient_code,
                xml,
                via_axis=delivery.external_id is not None,
            )
            DocumentEvent.objects.create(
                kind=DocumentEvent.Kind.QUEUED,
                agency=document.agency,
                outgoing=replacement,
                delivery=new_delivery,
                note=_("replaces %(reference)s") % {"reference": document.reference},
                actor_name=_actor_name(actor),
                occurred_at=at,
            )
        else:
            xml = exchange.document_package(
                document,
                delivery.addressee,
                actor,
                business_type=business_type,
                business_reason=change.reason,
            )
            exchange._queue(
                Package.Kind.DOCUMENT,
                delivery,
                delivery.recipient_code,
                xml,
                via_axis=delivery.external_id is not None,
            )
        if change.kind != Withdrawal.Kind.UPDATE:
            delivery.business_status = STATUS_PULL_BACK_REQUESTED
            delivery.save(update_fields=["business_status"])
            DocumentEvent.objects.create(
                kind=DocumentEvent.Kind.STATUS,
                agency=document.agency,
                outgoing=document,
                delivery=delivery,
                status_code=STATUS_PULL_BACK_REQUESTED,
                note=change.reason,
                actor_name=_actor_name(actor),
                occurred_at=at,
            )


# Recipient.


def _target(package: edxml.DocumentPackage, agency: Agency, document_id: str) -> IncomingDocument:
    target = (
        IncomingDocument.objects.select_for_update()
        .filter(agency=agency, sender_code=package.sender.organ_id, document_id=document_id)
        .order_by("-pk")
        .first()
    )
    if target is None:
        raise exchange.DeliveryError(
            _("The package changes the document %(document)s, which %(agency)s never received.")
            % {"document": document_id, "agency": agency.name}
        )
    return target


def receive_change(
    package: edxml.DocumentPackage, agency: Agency, delivery: Delivery | None
) -> IncomingDocument:
    """Apply a revocation or an update to the incoming document it concerns."""
    target = _target(package, agency, package.document_id)
    if delivery is not None and target.delivery_id not in (None, delivery.pk):
        raise exchange.DeliveryError(_("The package is not addressed to the agency it was delivered to."))
    if package.business_type == edxml.BUSINESS_REVOKE:
        if target.state not in TOMBSTONED:
            tombstone(target, package, at=timezone.now())
        return target
    if target.state in TOMBSTONED:
        exchange.report_status(
            target,
            STATUS_PULL_BACK_REFUSED,
            None,
            description=_("The document was revoked or replaced; it cannot be updated."),
        )
        return target
    _update(target, package)
    return target


def _update(target: IncomingDocument, package: edxml.DocumentPackage) -> None:
    """The sender's corrected header; the clerk's own corrections give way to the sender's."""
    now = timezone.now()
    target.subject = package.subject
    target.type_name = package.type_name
    target.signer_name = package.signer_name
    target.urgency = min(package.priority, 3)
    target.due_date = package.due_date
    fields = ["subject", "type_name", "signer_name", "urgency", "due_date"]
    if package.attachments:
        first = package.attachments[0]
        target.file.save(first.name, exchange._content(first), save=False)
        target.file_name = first.name[:200]
        fields += ["file", "file_name"]
    target.save(update_fields=fields)
    DocumentEvent.objects.create(
        kind=DocumentEvent.Kind.UPDATED,
        agency=target.agency,
        incoming=target,
        delivery=target.delivery,
        note=package.business_reason[:500],
        actor_name=package.staff_name[:120],
        occurred_at=now,
    )
    _notify_on_commit(target, None, package.business_reason[:500])


def replaced_incoming(package: edxml.DocumentPackage, agency: Agency) -> list[IncomingDocument]:
    """The incoming documents a replacement replaces, checked before anything is written."""
    if not package.replaced_document_ids:
        raise edxml.EdxmlError(
            "N.Bussiness.ReplacementInfoList", "a replacement names no document it replaces"
        )
    targets = [_target(package, agency, document_id) for document_id in package.replaced_document_ids]
    for target in targets:
        if target.state in TOMBSTONED:
            raise exchange.DeliveryError(_("The document was revoked or replaced; it cannot be replaced."))
    return targets


def tombstone(
    targets: IncomingDocument | list[IncomingDocument],
    package: edxml.DocumentPackage,
    *,
    at: datetime.datetime,
    replaced_by: IncomingDocument | None = None,
) -> None:
    """Keep the document, mark it revoked (or replaced by ``replaced_by``) with the sender's
    reason, stop its handling, pull back its assignment and report "15" to the sender."""
    for target in targets if isinstance(targets, list) else [targets]:
        handler_id = target.handler_id
        target.state = IncomingDocument.State.REPLACED if replaced_by else IncomingDocument.State.REVOKED
        target.withdrawal_reason = package.business_reason[:500]
        target.withdrawn_at = at
        target.replaced_by = replaced_by
        target.handler = None
        target.handling_unit = None
        target.handling_due_at = None
        target.save(
            update_fields=[
                "state",
                "withdrawal_reason",
                "withdrawn_at",
                "replaced_by",
                "handler",
                "handling_unit",
                "handling_due_at",
            ]
        )
        DocumentEvent.objects.create(
            kind=DocumentEvent.Kind.REPLACED if replaced_by else DocumentEvent.Kind.REVOKED,
            agency=target.agency,
            incoming=target,
            delivery=target.delivery,
            note=package.business_reason[:500],
            actor_name=package.staff_name[:120],
            occurred_at=at,
        )
        _pull_back_grants(target, at)
        exchange.report_status(target, STATUS_PULL_BACK_ACCEPTED, None, at=at)
        _notify_on_commit(target, handler_id, package.business_reason[:500])


def _pull_back_grants(target: IncomingDocument, at: datetime.datetime) -> None:
    """The read access given beyond the agency's roles ends with the document (the internal
    distribution is pulled back); each withdrawal joins the timeline and the audit log."""
    from tinhso.audit.services import actor_label, record

    for grant in target.grants.filter(revoked_at__isnull=True).select_related("user", "agency"):
        grant.revoked_at = at
        grant.save(update_fields=["revoked_at"])
        grantee = actor_label(grant.user) if grant.user else grant.agency.name if grant.agency else ""
        DocumentEvent.objects.create(
            kind=DocumentEvent.Kind.ACCESS_REVOKED,
            agency=target.agency,
            incoming=target,
            note=grantee,
            occurred_at=at,
        )
        record(
            None, "documents.revoke_access", target, {"from": grantee, "reason": "withdrawn by the sender"}
        )


def _notify_on_commit(target: IncomingDocument, handler_id: int | None, reason: str) -> None:
    from tinhso.documents.tasks import notify_withdrawal

    transaction.on_commit(lambda: notify_withdrawal.enqueue(target.pk, handler_id, reason), robust=True)


def frozen(document: OutgoingDocument) -> bool:
    """Revoked or replaced: nothing more is sent or changed."""
    return document.state in (OutgoingDocument.State.REVOKED, OutgoingDocument.State.REPLACED)
