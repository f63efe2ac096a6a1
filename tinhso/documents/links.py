"""Links between a document and a one-stop dossier, a task or another document (``DocumentLink``),
read both ways: a document's page lists what it links to and what links to it, the back office's
dossier page lists the documents linked to the dossier (a part registered by ``tinhso.motcua``,
which is above this app). Each side is shown only to those who may read it: a document by the
documents' rules, a dossier by ``dossiers.view``.

A task (công việc) is the leader's handling assignment of an incoming document (Decree 30/2020
Art. 24: the person in charge, the co-ordinators and the deadline; ``actions.assign_incoming``):
the platform has no other task, and every piece of work an agency tracks with a deadline comes
in as such a document. Linking to a task is linking to that incoming document; the people
handling it pick it from their tasks (``tasks_of``), and the link shows it as a task with its
person in charge and deadline."""

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from tinhso.accounts.permissions import Actor, can
from tinhso.documents.models import DocumentLink, IncomingDocument, OutgoingDocument
from tinhso.documents.rules import in_hands_of
from tinhso.dossiers.models import Dossier

Linkable = Dossier | IncomingDocument | OutgoingDocument


def readable(user: Actor, target: Linkable) -> bool:
    if isinstance(target, Dossier):
        return can(user, "dossiers.view", target)
    if isinstance(target, IncomingDocument):
        return can(user, "documents.view_incoming", target)
    return can(user, "documents.view_outgoing", target)


def is_task(document: IncomingDocument) -> bool:
    """An incoming document the leader assigned: a task, being handled or handled."""
    return document.state in (IncomingDocument.State.ASSIGNED, IncomingDocument.State.DONE)


def tasks_of(user: Actor) -> QuerySet[IncomingDocument]:
    """The tasks ``user`` works on now: in charge or co-ordinating (``rules.in_hands_of``)."""
    return (
        IncomingDocument.objects.filter(in_hands_of(user), state=IncomingDocument.State.ASSIGNED)
        .select_related("handler")
        .order_by("handling_due_at", "pk")
    )


def _item(target: Linkable, link: DocumentLink | None = None, user: Actor = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "link": link,
        "may_unlink": link is not None and can(user, "documents.unlink", link),
        "target": target,
    }
    if isinstance(target, Dossier):
        return {**item, "kind": "dossier", "label": target.code or str(target.pk)}
    if isinstance(target, OutgoingDocument):
        return {**item, "kind": "outgoing", "label": f"{target.reference or '—'} — {target.subject}"}
    kind = "task" if is_task(target) else "incoming"
    return {**item, "kind": kind, "label": f"{target.reference or '—'} — {target.subject}"}


def document_links(user: Actor, document: IncomingDocument | OutgoingDocument) -> list[dict[str, Any]]:
    """What ``document`` links to and what links to it, that ``user`` may read, each with its
    link and whether ``user`` may take it back."""
    found: list[tuple[Linkable, DocumentLink]] = []
    for link in document.links.select_related("dossier", "linked_incoming__handler", "linked_outgoing"):
        target = link.dossier or link.linked_incoming or link.linked_outgoing
        assert target is not None
        found.append((target, link))
    for link in document.linked_from.select_related("incoming__handler", "outgoing"):
        source = link.incoming or link.outgoing
        assert source is not None
        found.append((source, link))
    return [_item(target, link, user) for target, link in found if readable(user, target)]


def dossier_part(request: HttpRequest, dossier: Dossier) -> dict[str, Any]:
    """The documents linked to ``dossier`` that the viewer may read, for its back-office page."""
    documents: list[IncomingDocument | OutgoingDocument] = []
    for link in DocumentLink.objects.filter(dossier=dossier).select_related("incoming", "outgoing"):
        document = link.incoming or link.outgoing
        assert document is not None
        if readable(request.user, document):
            documents.append(document)
    return {"linked_documents": [_item(document) for document in documents]}


def find_documents(user: Actor, reference: str) -> list[IncomingDocument | OutgoingDocument]:
    """The documents numbered ``reference`` ("15/QĐ-UBND") that ``user`` may read."""
    number, _slash, notation = reference.strip().partition("/")
    if not number or not notation:
        return []
    match = Q(code_number=number, code_notation=notation)
    incoming = [doc for doc in IncomingDocument.objects.filter(match)[:20] if readable(user, doc)]
    numbered = Q(symbol=notation, number=int(number)) if number.isdigit() else Q(pk__in=[])
    outgoing = [doc for doc in OutgoingDocument.objects.filter(numbered)[:20] if readable(user, doc)]
    return [*incoming, *outgoing]
