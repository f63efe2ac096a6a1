"""What waits for an officer in the official-documents registers, for their start page: incoming
documents to register (document clerks), to assign (leaders) and to handle (their handler), each
in the agency where the role is held (``tinhso.documents.rules``); the handling past its deadline
(theirs, and for a leader the agency's: Decree 30/2020 Art. 24); the drafts waiting for their
review (Art. 11, 12), as their review inbox lists them."""

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.documents.models import IncomingDocument, ReviewStep
from tinhso.documents.rules import in_hands_of

State = IncomingDocument.State


def waiting_counts(user: User, now: datetime.datetime | None = None) -> dict[str, int]:
    """{"register", "assign", "handle", "overdue", "review"} for the parts ``user`` may act on
    (missing: none)."""
    if user.kind != UserKind.OFFICER:
        return {}
    now = now or timezone.now()
    held: dict[str, set[int]] = {}
    for agency_id, role in Membership.objects.active().filter(user=user).values_list("agency_id", "role"):
        held.setdefault(role, set()).add(agency_id)
    figures = {}
    if held.keys() & {Role.SPECIALIST, Role.LEADER}:
        unit = Q(handler__isnull=True, handling_unit_id__in=held.get(Role.LEADER, set()))
        figures["handle"] = Count("pk", filter=Q(Q(handler=user) | unit, state=State.ASSIGNED))
        followed = in_hands_of(user) | Q(agency_id__in=held.get(Role.LEADER, set()))
        figures["overdue"] = Count("pk", filter=Q(followed, state=State.ASSIGNED, handling_due_at__lt=now))
    if Role.DOCUMENT_CLERK in held:
        figures["register"] = Count(
            "pk", filter=Q(state=State.PENDING, agency_id__in=held[Role.DOCUMENT_CLERK])
        )
    if Role.LEADER in held:
        figures["assign"] = Count("pk", filter=Q(state=State.REGISTERED, agency_id__in=held[Role.LEADER]))
    counts: dict[str, int] = IncomingDocument.objects.aggregate(**figures) if figures else {}
    review = ReviewStep.objects.filter(reviewer=user, state=ReviewStep.State.PENDING).count()
    if review or held.keys() & {Role.SPECIALIST, Role.LEADER}:
        counts["review"] = review
    return counts
