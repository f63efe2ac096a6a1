"""Links between a document and a one-stop dossier or another document (``DocumentLink``), read
both ways: a document's page lists what it links to and what links to it, the back office's
dossier page lists the documents linked to the dossier (a part registered by ``tinhso.motcua``,
which is above this app). Each side is shown only to those who may read it: a document by the
documents' rules, a dossier by ``dossiers.view``."""

from typing import Any

from django.db.models import Q
from django.http import HttpRequest

from tinhso.accounts.permissions import Actor, can
from tinhso.documents.models import DocumentLink, IncomingDocument, OutgoingDocument
from tinhso.dossiers.models import Dossier

Linkable = Dossier | IncomingDocument | OutgoingDocument


def readable(user: Actor, target: Linkable) -> bool:
    if isinstance(target, Dossier):
        return can(user, "dossiers.view", target)
    if isinstance(target, IncomingDocument):
        return can(user, "documents.view_incoming", target)
    return can(user, "documents.view_outgoing", target)


def _item(target: Linkable) -> dict[str, Any]:
    if isinstance(target, Dossier):
        return {"kind": "dossier", "target": target, "label": target.code or str(target.pk)}
    kind = "incoming" if isinstance(target, IncomingDocument) else "outgoing"
    return {"kind": kind, "target": target, "label": f"{target.reference or '—'} — {target.subject}"}


def document_links(user: Actor, document: IncomingDocument | OutgoingDocument) -> list[dict[str, Any]]:
    """What ``document`` links to and what links to it, that ``user`` may read."""
    targets: list[Linkable] = []
    for link in document.links.select_related("dossier", "linked_incoming", "linked_outgoing"):
        target = link.dossier or link.linked_incoming or link.linked_outgoing
        assert target is not None
        targets.append(target)
    for link in document.linked_from.select_related("incoming", "outgoing"):
        source = link.incoming or link.outgoing
        assert source is not None
        targets.append(source)
    return [_item(target) for target in targets if readable(user, target)]


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
