"""What waits for an officer in the official-documents registers, for their start page: incoming
documents to register (document clerks), to assign (leaders) and to handle (their handler), each
in the agency where the role is held (``tinhso.documents.rules``)."""

from django.db.models import Count, Q

from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.documents.models import IncomingDocument

State = IncomingDocument.State


def waiting_counts(user: User) -> dict[str, int]:
    """{"register", "assign", "handle"} for the parts ``user`` may act on (missing: none)."""
    if user.kind != UserKind.OFFICER:
        return {}
    held: dict[str, set[int]] = {}
    for agency_id, role in Membership.objects.active().filter(user=user).values_list("agency_id", "role"):
        held.setdefault(role, set()).add(agency_id)
    figures = {}
    if held.keys() & {Role.SPECIALIST, Role.LEADER}:
        figures["handle"] = Count("pk", filter=Q(state=State.ASSIGNED, handler=user))
    if Role.DOCUMENT_CLERK in held:
        figures["register"] = Count(
            "pk", filter=Q(state=State.PENDING, agency_id__in=held[Role.DOCUMENT_CLERK])
        )
    if Role.LEADER in held:
        figures["assign"] = Count("pk", filter=Q(state=State.REGISTERED, agency_id__in=held[Role.LEADER]))
    return IncomingDocument.objects.aggregate(**figures) if figures else {}
