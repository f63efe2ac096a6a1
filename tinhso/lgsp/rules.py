"""Permission rules of the integration platform. Superusers and province administrators pass
every rule first (``tinhso.accounts.permissions.can``): they register members and read the
exchange log and the operational records."""

from tinhso.accounts.models import Role, User, UserKind
from tinhso.accounts.permissions import agency_ids_in_scope, rule
from tinhso.lgsp.models import DataClassification, Member, Service, Subsystem


def _governs(user: User, member: Member | None) -> bool:
    """Leaders and administrators of the member's agency (or of an agency above it)."""
    if member is None or member.agency_id is None or user.kind != UserKind.OFFICER:
        return False
    return member.agency_id in agency_ids_in_scope(user, Role.LEADER, Role.AGENCY_ADMIN)


@rule("lgsp.manage_members")
def manage_members(user: User, member: Member | None = None) -> bool:
    """Only province administrators admit members to the platform."""
    return False


@rule("lgsp.manage_subsystems")
def manage_subsystems(user: User, member: Member | None) -> bool:
    """The member's own leaders and administrators register its systems, services and keys."""
    return _governs(user, member)


@rule("lgsp.request_access")
def request_access(user: User, client: Subsystem | None) -> bool:
    return client is not None and _governs(user, client.member)


@rule("lgsp.decide_access")
def decide_access(user: User, service: Service | None) -> bool:
    """The owner of the service (its provider member) approves, rejects and revokes."""
    return service is not None and _governs(user, service.subsystem.member)


@rule("lgsp.try_service")
def try_service(user: User, service: Service | None) -> bool:
    """Any signed-in person may try a public service of the catalogue through the gateway, as the
    platform's own sandbox system (``LGSP_CLIENT``, which must hold a grant)."""
    return service is not None and service.classification == DataClassification.PUBLIC


@rule("lgsp.view_operations")
def view_operations(user: User, obj: object = None) -> bool:
    """The exchange log and the operational records: province administrators only."""
    return False
