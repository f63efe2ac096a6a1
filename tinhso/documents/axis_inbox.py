"""Taking in what waits for the installation at the national axis (run by ``deliver_documents``,
i.e. the worker's timer): each package is read with the same codec as an internal one and taken
in by ``exchange.receive`` (a document becomes a pending incoming document and "01 arrived" goes
back through the axis; a status updates the delivery it answers), then marked "done" at the axis.

Decree 30/2020/NĐ-CP Art. 21(2) (read in a secondary source, lawnet.vn, not in the gazette
text): the receiver checks the document's authenticity and integrity, returns an invalid or
misaddressed one through the system, and notifies the sender of receipt the same day through the
system; here "01" goes back at once and "03" on registering.

A package is taken in once: its axis id is kept in ``AxisReceipt`` (unique) first, in the same
transaction, so a package fetched twice, or by two workers at once, is registered once and the
late worker writes no attachment file. A package
the codec or the exchange refuses (hostile XML, wrong namespace, a recipient not here, a status
for a document never sent) is marked "fail" at the axis with the reason and nothing is written.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.documents import axis, edxml
from tinhso.documents.exchange import DeliveryError, _transport_event, receive
from tinhso.documents.models import AxisReceipt, Delivery, DocumentEvent, IncomingDocument, Package

logger = logging.getLogger(__name__)


def fetch(client: axis.AxisClient | None = None) -> dict[str, int]:
    """Take in every package waiting at the axis; counts of "taken", "again" and "refused".
    Then follow the documents handed to the axis (``follow_sent``)."""
    client = client or axis.client()
    counts = {"taken": 0, "again": 0, "refused": 0}
    # Documents first: a status in the same run may answer one of them.
    for message_type in axis.MESSAGE_TYPES:
        for item in client.received(message_type):
            doc_id = str(item.get("docId", ""))
            if doc_id:
                counts[_take(client, doc_id, message_type)] += 1
    follow_sent(client)
    return counts


def follow_sent(client: axis.AxisClient) -> None:
    """The transport state of the documents handed to the axis, as their recipients set it
    there: "done" (the recipient's system took the package) makes the delivery delivered, "fail"
    (its system refused the package, with a reason) puts the package in the dead-letter list."""
    waiting = {
        package.axis_id: package
        for package in Package.objects.filter(
            via_axis=True, kind=Package.Kind.DOCUMENT, delivery__transport=Delivery.Transport.SENT
        ).exclude(axis_id="")
    }
    if not waiting:
        return
    for item in client.sent():
        package = waiting.get(str(item.get("docId", "")))
        if package is None or item.get("state") not in ("done", "fail"):
            continue
        with transaction.atomic():
            locked = (
                Package.objects.select_for_update(of=("self",))
                .select_related("delivery__document__agency")
                .get(pk=package.pk)
            )
            if locked.delivery is None or locked.delivery.transport != Delivery.Transport.SENT:
                continue
            if item["state"] == "done":
                _transport_event(locked, DocumentEvent.Kind.DELIVERED)
            else:
                locked.state = Package.State.DEAD
                locked.last_error = str(item.get("reason", ""))[:500] or _(
                    "Refused by the recipient's system."
                )
                locked.save(update_fields=["state", "last_error"])
                _transport_event(locked, DocumentEvent.Kind.DEAD, locked.last_error)


def _take(client: axis.AxisClient, doc_id: str, message_type: str) -> str:
    if AxisReceipt.objects.filter(axis_id=doc_id).exists():
        client.update_status(doc_id, "done")
        return "again"
    xml = client.get(doc_id)
    try:
        with transaction.atomic():
            # The receipt first: a worker racing another waits here and stops before anything
            # (an attachment file above all) is written.
            receipt = AxisReceipt.objects.create(
                axis_id=doc_id, message_type=message_type, received_at=timezone.now()
            )
            result = receive(xml, axis_id=doc_id)
            receipt.incoming = result if isinstance(result, IncomingDocument) else None
            receipt.delivery = result if isinstance(result, Delivery) else None
            receipt.save(update_fields=["incoming", "delivery"])
    except IntegrityError:
        # Another worker took it in at the same moment.
        client.update_status(doc_id, "done")
        return "again"
    except (edxml.EdxmlError, DeliveryError) as exc:
        logger.warning("Package %s from the axis refused: %s", doc_id, exc)
        client.update_status(doc_id, "fail", str(exc))
        return "refused"
    client.update_status(doc_id, "done")
    return "taken"
