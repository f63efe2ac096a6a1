"""Searching the documents an officer may read: accent-insensitive on every field and on the text
of the PDFs (``search_folded``, kept by the models' ``save``; the same ``fold`` key as the
procedures' search, ``tinhso.procedures.search``), on PostgreSQL and SQLite alike.

Access follows the documents' rules (``tinhso.documents.rules``): the văn thư and the leader of
an agency read all its documents, a specialist the drafts they wrote and the incoming documents
given to them; nobody reads another agency's registers.
"""

from django.db.models import Q, QuerySet

from tinhso.accounts.models import Role, User
from tinhso.core.text import fold
from tinhso.documents.models import IncomingDocument, OutgoingDocument
from tinhso.documents.rules import (
    document_agency_ids,
    granted_documents,
    in_hands_of,
    in_unit_charge_of,
    roles_in,
)

MAX_WORDS = 10
MAX_RESULTS = 100


def _readable(user: User, own_documents: Q) -> Q:
    everything, own = [], []
    for agency_id in document_agency_ids(user):
        if roles_in(user, agency_id) & {Role.DOCUMENT_CLERK, Role.LEADER}:
            everything.append(agency_id)
        else:
            own.append(agency_id)
    return Q(agency_id__in=everything) | (Q(agency_id__in=own) & own_documents)


def _matching(queryset: QuerySet, query: str) -> QuerySet:
    for word in fold(query).split()[:MAX_WORDS]:
        queryset = queryset.filter(search_folded__contains=word)
    return queryset


def search(user: User, query: str) -> tuple[list[OutgoingDocument], list[IncomingDocument]]:
    """The outgoing and the incoming documents ``user`` may read that contain every word of
    ``query``, accents ignored; nothing for an empty query."""
    if not fold(query):
        return [], []
    outgoing = _matching(
        OutgoingDocument.objects.filter(
            _readable(user, Q(created_by=user)) | granted_documents(user, "outgoing")
        ),
        query,
    )
    incoming = _matching(
        IncomingDocument.objects.filter(
            _readable(user, in_hands_of(user)) | in_unit_charge_of(user) | granted_documents(user, "incoming")
        ),
        query,
    )
    return (
        list(outgoing.select_related("agency")[:MAX_RESULTS]),
        list(incoming.select_related("agency")[:MAX_RESULTS]),
    )
