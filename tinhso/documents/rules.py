"""Permission rules of the documents area. Each agency keeps its own registers (Decree
30/2020/NĐ-CP Art. 6(3): the agency's văn thư), so a role counts in the agency where it is held,
not in the agencies below it. Superusers and province administrators pass every rule first
(``tinhso.accounts.permissions.can``).

- document clerk (văn thư): numbers, issues and sends outgoing documents, registers or returns
  incoming ones, reads both registers;
- leader: reads both registers, assigns incoming documents;
- specialist: drafts, reads the documents they drafted, review or were assigned (in charge or as
  a co-ordinator, who gives an opinion);
- anyone an officer: reads a document a leader or the văn thư granted them (by name, or to an
  agency where they hold a document role), until the grant is withdrawn.
"""

from django.db.models import Q, QuerySet

from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.accounts.permissions import Actor, rule
from tinhso.agencies.models import Agency
from tinhso.documents.models import (
    AccessGrant,
    Coordinator,
    DocumentLink,
    IncomingDocument,
    OutgoingDocument,
    ReviewStep,
)

STAFF_ROLES = (Role.DOCUMENT_CLERK, Role.LEADER, Role.SPECIALIST)


def roles_in(user: Actor, agency_id: int | None) -> set[str]:
    """The roles ``user`` holds today in the agency itself, read once per user object."""
    if not isinstance(user, User) or user.kind != UserKind.OFFICER or agency_id is None:
        return set()
    cache: dict[int, set[str]] = user.__dict__.setdefault("_tinhso_document_roles", {})
    if agency_id not in cache:
        cache[agency_id] = set(
            Membership.objects.active().filter(user=user, agency_id=agency_id).values_list("role", flat=True)
        )
    return cache[agency_id]


def document_agency_ids(user: Actor) -> list[int]:
    """The agencies whose documents ``user`` works on (any of the three roles)."""
    if not isinstance(user, User) or user.kind != UserKind.OFFICER:
        return []
    memberships = Membership.objects.active().filter(user=user, role__in=STAFF_ROLES)
    return sorted(set(memberships.values_list("agency_id", flat=True)))


@rule("documents.draft")
def draft(user: User, agency: Agency | None) -> bool:
    return bool(roles_in(user, getattr(agency, "pk", None)) & set(STAFF_ROLES))


def _grants_to(user: Actor) -> QuerySet[AccessGrant]:
    """The grants in force for ``user``: to them by name, or to an agency where they hold a
    document role."""
    if not isinstance(user, User) or user.kind != UserKind.OFFICER:
        return AccessGrant.objects.none()
    return AccessGrant.objects.filter(revoked_at__isnull=True).filter(
        Q(user=user) | Q(agency_id__in=document_agency_ids(user))
    )


def granted(user: Actor, document: IncomingDocument | OutgoingDocument) -> bool:
    if not document.pk:
        return False
    if isinstance(document, IncomingDocument):
        return _grants_to(user).filter(incoming=document).exists()
    return _grants_to(user).filter(outgoing=document).exists()


def granted_documents(user: Actor, field: str) -> Q:
    """The documents (``field``: "incoming" or "outgoing") granted to ``user``, for searches and lists."""
    return Q(pk__in=_grants_to(user).filter(**{f"{field}__isnull": False}).values(f"{field}_id"))


@rule("documents.view_outgoing")
def view_outgoing(user: User, document: OutgoingDocument) -> bool:
    roles = roles_in(user, document.agency_id)
    if roles & {Role.DOCUMENT_CLERK, Role.LEADER}:
        return True
    if Role.SPECIALIST in roles and (
        document.created_by_id == user.pk or document.review_steps.filter(reviewer=user).exists()
    ):
        return True
    return granted(user, document)


@rule("documents.grant_access")
def grant_access(user: User, document: IncomingDocument | OutgoingDocument) -> bool:
    """A leader or the văn thư of the document's agency shares one document beyond its roles."""
    return bool(roles_in(user, document.agency_id) & {Role.DOCUMENT_CLERK, Role.LEADER})


@rule("documents.edit_draft")
def edit_draft(user: User, document: OutgoingDocument) -> bool:
    roles = roles_in(user, document.agency_id)
    return bool(roles & {Role.DOCUMENT_CLERK, Role.LEADER}) or document.created_by_id == user.pk


@rule("documents.issue")
def issue(user: User, document: OutgoingDocument) -> bool:
    """Numbering and issuing is the văn thư's (Art. 15(2), 16)."""
    return Role.DOCUMENT_CLERK in roles_in(user, document.agency_id)


@rule("documents.send")
def send(user: User, document: OutgoingDocument) -> bool:
    return Role.DOCUMENT_CLERK in roles_in(user, document.agency_id)


@rule("documents.view_incoming")
def view_incoming(user: User, document: IncomingDocument) -> bool:
    roles = roles_in(user, document.agency_id)
    if roles & {Role.DOCUMENT_CLERK, Role.LEADER}:
        return True
    if Role.SPECIALIST in roles and (document.handler_id == user.pk or is_coordinator(user, document)):
        return True
    if in_unit_charge(user, document):
        return True
    return granted(user, document)


def in_unit_charge(user: User, document: IncomingDocument) -> bool:
    """A leader of the unit in charge, or the person of the unit they named (Art. 24)."""
    if document.handling_unit_id is None:
        return False
    roles = roles_in(user, document.handling_unit_id)
    named = document.handler_id == user.pk and bool(roles & {Role.SPECIALIST, Role.LEADER})
    return named or Role.LEADER in roles


# A document its sender revoked or replaced is pulled back from those it was handed to: the person
# in charge is unset by ``withdrawal.tombstone``, the co-ordinators lose it here (their rows stay,
# with their opinions, for the register's readers).
PULLED_BACK = (IncomingDocument.State.REVOKED, IncomingDocument.State.REPLACED)


def in_hands_of(user: Actor) -> Q:
    """The incoming documents ``user`` handles: in charge or as a co-ordinator (for the lists,
    the API and search of a specialist)."""
    if not isinstance(user, User):
        return Q(pk__in=[])
    coordinated = Coordinator.objects.filter(user=user).exclude(incoming__state__in=PULLED_BACK)
    led = Membership.objects.active().filter(user=user, role=Role.LEADER).values("agency_id")
    return Q(handler=user) | Q(pk__in=coordinated.values("incoming_id")) | Q(handling_unit__in=led)


def in_unit_charge_of(user: Actor) -> Q:
    """The incoming documents ``in_unit_charge`` lets ``user`` read (for search)."""
    if not isinstance(user, User):
        return Q(pk__in=[])
    memberships = Membership.objects.active().filter(user=user)
    led = memberships.filter(role=Role.LEADER).values("agency_id")
    units = memberships.filter(role__in=[Role.SPECIALIST, Role.LEADER]).values("agency_id")
    return Q(handling_unit__in=led) | Q(handler=user, handling_unit__in=units)


def is_coordinator(user: User, document: IncomingDocument) -> bool:
    """Named by the leader, on a document not pulled back."""
    if not document.pk or document.state in PULLED_BACK:
        return False
    return document.coordinators.filter(user_id=user.pk).exists()


@rule("documents.give_opinion")
def give_opinion(user: User, document: IncomingDocument) -> bool:
    """The co-ordinators the leader named (Art. 24), while they work in the agency."""
    return bool(roles_in(user, document.agency_id) & {Role.SPECIALIST, Role.LEADER}) and is_coordinator(
        user, document
    )


@rule("documents.register")
def register(user: User, document: IncomingDocument) -> bool:
    """Receiving, registering and returning incoming documents (Art. 20–22)."""
    return Role.DOCUMENT_CLERK in roles_in(user, document.agency_id)


@rule("documents.assign")
def assign(user: User, document: IncomingDocument) -> bool:
    """The leader gives the handler and the deadline (Art. 24(1))."""
    return Role.LEADER in roles_in(user, document.agency_id)


@rule("documents.complete")
def complete(user: User, document: IncomingDocument) -> bool:
    if in_unit_charge(user, document):
        return True
    return document.handler_id == user.pk or Role.LEADER in roles_in(user, document.agency_id)


@rule("documents.name_handler")
def name_handler(user: User, document: IncomingDocument) -> bool:
    """The leader of the unit in charge names who of the unit handles it (Art. 24)."""
    return document.handling_unit_id is not None and Role.LEADER in roles_in(user, document.handling_unit_id)


@rule("documents.view_register")
def view_register(user: User, agency: Agency | None) -> bool:
    return bool(roles_in(user, getattr(agency, "pk", None)) & {Role.DOCUMENT_CLERK, Role.LEADER})


@rule("documents.withdraw")
def withdraw(user: User, document: OutgoingDocument) -> bool:
    """Asking to revoke, update or replace an issued document is the văn thư's (Art. 18(3)-(4))."""
    return Role.DOCUMENT_CLERK in roles_in(user, document.agency_id)


@rule("documents.approve_withdrawal")
def approve_withdrawal(user: User, document: OutgoingDocument) -> bool:
    """A leader of the issuing agency approves it: the notice of revocation, the amending or the
    replacing document are the agency's and signed by the competent person (Art. 13, 18(3))."""
    return Role.LEADER in roles_in(user, document.agency_id)


@rule("documents.sync_directory")
def sync_directory(user: User, obj: None) -> bool:
    """Only the province's administrators (who pass every rule) synchronise the directory by hand;
    the timer does it as the system."""
    return False


@rule("documents.view_dead_letters")
def view_dead_letters(user: User, agency: Agency | None) -> bool:
    return Role.DOCUMENT_CLERK in roles_in(user, getattr(agency, "pk", None))


@rule("documents.sign")
def sign(user: User, document: OutgoingDocument) -> bool:
    """The agency's leader signs its documents (Decree 30/2020 Art. 13(1))."""
    return Role.LEADER in roles_in(user, document.agency_id)


@rule("documents.manage_seal")
def manage_seal(user: User, agency: Agency | None) -> bool:
    """The văn thư keeps the agency's seal and its signing device (Art. 32(2))."""
    return Role.DOCUMENT_CLERK in roles_in(user, getattr(agency, "pk", None))


@rule("documents.review")
def review(user: User, step: ReviewStep) -> bool:
    """A reviewer of the route gives their own opinion (Decree 30/2020 Art. 10(3), 12), while they
    still work on the agency's documents."""
    return step.reviewer_id == user.pk and bool(roles_in(user, step.document.agency_id) & set(STAFF_ROLES))


@rule("documents.unlink")
def unlink(user: User, link: DocumentLink) -> bool:
    """Who made a link takes it back while they still read the document; a leader or the văn thư
    of the document's agency takes back any of its links."""
    document = link.incoming or link.outgoing
    if document is None:
        return False
    if roles_in(user, document.agency_id) & {Role.DOCUMENT_CLERK, Role.LEADER}:
        return True
    if link.created_by_id != user.pk:
        return False
    if isinstance(document, IncomingDocument):
        return view_incoming(user, document)
    return view_outgoing(user, document)
