"""Who may see statistics: leaders, dashboard viewers and agency administrators, for their
agencies and everything under them (the whole province: those of a top-level agency);
province administrators see everything (``tinhso.accounts.permissions.can``)."""

from tinhso.accounts.models import Role
from tinhso.accounts.permissions import agency_ids_in_scope, can, rule
from tinhso.agencies.models import Agency

VIEWER_ROLES = (Role.LEADER, Role.DASHBOARD_VIEWER, Role.AGENCY_ADMIN)


def visible_agencies(user):
    """The agencies whose statistics ``user`` may see."""
    from tinhso.accounts.permissions import is_province_admin

    if is_province_admin(user):
        return Agency.objects.all()
    return Agency.objects.filter(pk__in=agency_ids_in_scope(user, *VIEWER_ROLES))


def visible(user) -> bool:
    """Whether ``user`` may open the statistics at all (the menu shows the link)."""
    return can(user, "statistics.view", None) or visible_agencies(user).exists()


@rule("statistics.view")
def may_view(user, agency) -> bool:
    scope = agency_ids_in_scope(user, *VIEWER_ROLES)
    if agency is None:
        roots = set(Agency.objects.filter(parent__isnull=True).values_list("pk", flat=True))
        return bool(roots) and roots <= scope
    return agency.pk in scope
