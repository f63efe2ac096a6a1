"""Permission rules for the foundation's own actions (units, agencies, accounts, audit).

Superusers and province administrators pass every rule before these predicates run
(see ``tinhso.accounts.permissions.can``).
"""

from django.contrib.auth.models import AnonymousUser

from tinhso.accounts.models import Membership, Role, User
from tinhso.accounts.permissions import Actor, agency_ids_in_scope, has_role, rule
from tinhso.agencies.models import Agency


def _agency_id(obj: object) -> int | None:
    """The agency an object belongs to: an Agency itself, or anything with ``agency_id``."""
    if isinstance(obj, Agency):
        return obj.pk
    agency_id: int | None = getattr(obj, "agency_id", None)
    return agency_id


@rule("units.view", public=True)
def view_units(user: Actor, unit: object) -> bool:
    """The list of administrative units is public information."""
    return True


@rule("units.change")
def change_units(user: User, unit: object) -> bool:
    """Only province administrators (handled before this rule) change administrative units."""
    return False


@rule("agencies.view", public=True)
def view_agencies(user: Actor, agency: object) -> bool:
    """The directory of agencies is public information."""
    return True


@rule("agencies.change")
def change_agency(user: User, agency: object) -> bool:
    """An agency administrator changes their agency and its descendants; creating top-level
    agencies (no object) is for province administrators."""
    agency_id = _agency_id(agency)
    return agency_id is not None and agency_id in agency_ids_in_scope(user, Role.AGENCY_ADMIN)


@rule("accounts.view_person")
def view_person(user: User, person: object) -> bool:
    """Anyone sees their own record; an agency administrator sees the officers of their subtree."""
    if not isinstance(person, User):
        return False
    if person.pk == user.pk:
        return True
    scope = agency_ids_in_scope(user, Role.AGENCY_ADMIN)
    return bool(scope) and person.active_memberships().filter(agency_id__in=scope).exists()


@rule("accounts.register_citizen", public=True)
def register_citizen(user: User | AnonymousUser, obj: object) -> bool:
    """People register themselves; at the counter a one-stop officer registers them."""
    if not user.is_authenticated:
        return True
    return has_role(user, Role.ONE_STOP_OFFICER)


@rule("accounts.manage_officers")
def manage_officers(user: User, obj: object) -> bool:
    """An agency administrator grants and ends memberships in their subtree, except the
    province administrator role; ``obj`` is a Membership, an Agency or an officer (User)."""
    scope = agency_ids_in_scope(user, Role.AGENCY_ADMIN)
    if not scope:
        return False
    if isinstance(obj, Membership):
        return obj.role != Role.PROVINCE_ADMIN and obj.agency_id in scope
    if isinstance(obj, User):
        memberships = obj.active_memberships()
        return memberships.exists() and not memberships.exclude(agency_id__in=scope).exists()
    agency_id = _agency_id(obj)
    return agency_id is not None and agency_id in scope


@rule("audit.view")
def view_audit(user: User, entry: object) -> bool:
    """The audit trail is read by province administrators only."""
    return False
