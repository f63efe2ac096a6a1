"""Timelines: the events of a document, and per recipient the join of the transport state and
the business status as each side saw it."""

from tinhso.documents.models import Delivery, DocumentEvent, IncomingDocument, OutgoingDocument

SENDER_KINDS = {
    DocumentEvent.Kind.QUEUED,
    DocumentEvent.Kind.SENT,
    DocumentEvent.Kind.DELIVERED,
    DocumentEvent.Kind.FAILED,
    DocumentEvent.Kind.DEAD,
}


def delivery_timeline(delivery: Delivery, side: str) -> list[DocumentEvent]:
    """The events of one recipient: ``side`` "sender" gives the transport steps and the statuses
    the sender received; "recipient" what happened at the recipient."""
    events = DocumentEvent.objects.filter(delivery=delivery).order_by("occurred_at", "pk")
    if side == "sender":
        return [
            event
            for event in events
            if event.kind in SENDER_KINDS or (event.kind == "status" and event.outgoing_id)
        ]
    return [event for event in events if event.incoming_id]


def outgoing_timeline(document: OutgoingDocument) -> list[DocumentEvent]:
    return list(
        document.events.select_related("delivery__recipient", "delivery__external").order_by(
            "occurred_at", "pk"
        )
    )


def incoming_timeline(document: IncomingDocument) -> list[DocumentEvent]:
    return list(document.events.order_by("occurred_at", "pk"))
