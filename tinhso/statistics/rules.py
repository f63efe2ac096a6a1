"""Who may see statistics: leaders, dashboard viewers and agency administrators, for their
agencies and everything under them (the whole province: those of a top-level agency, and the
dashboard viewers and leaders of the provincial People's Committee's office, which follows the
one-stop work of the whole province for the committee); province administrators see everything
(``tinhso.accounts.permissions.can``)."""

from django.db.models import QuerySet

from tinhso.accounts.models import Role, User
from tinhso.accounts.permissions import agency_ids_in_scope, can, rule
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.agencies.tree import nodes, root_ids

VIEWER_ROLES = (Role.LEADER, Role.DASHBOARD_VIEWER, Role.AGENCY_ADMIN)
PROVINCE_OFFICE_ROLES = (Role.LEADER, Role.DASHBOARD_VIEWER)


def _province_wide(user: User) -> bool:
    """Cached on the user object (per request), like the memberships it is read from."""
    cached = user.__dict__.get("_tinhso_province_wide")
    if cached is None:
        cached = user.__dict__["_tinhso_province_wide"] = _reads_the_province(user)
    return cached


def _reads_the_province(user: User) -> bool:
    scope = agency_ids_in_scope(user, *VIEWER_ROLES)
    roots = root_ids()
    if roots and roots <= scope:
        return True
    # The office of the provincial People's Committee (Văn phòng UBND tỉnh) sits right under it.
    tree = nodes()
    return any(
        tree[pk].kind == AgencyKind.PC_OFFICE and tree[pk].parent_id in roots
        for pk in agency_ids_in_scope(user, *PROVINCE_OFFICE_ROLES)
        if pk in tree
    )


def visible_agencies(user: User) -> QuerySet[Agency]:
    """The agencies whose statistics ``user`` may see."""
    if can(user, "statistics.view", None):
        return Agency.objects.all()
    return Agency.objects.filter(pk__in=agency_ids_in_scope(user, *VIEWER_ROLES))


def visible(user: User) -> bool:
    """Whether ``user`` may open the statistics at all (the menu shows the link)."""
    return can(user, "statistics.view", None) or bool(agency_ids_in_scope(user, *VIEWER_ROLES))


@rule("statistics.view")
def may_view(user: User, agency: Agency | None) -> bool:
    if _province_wide(user):
        return True
    return agency is not None and agency.pk in agency_ids_in_scope(user, *VIEWER_ROLES)
