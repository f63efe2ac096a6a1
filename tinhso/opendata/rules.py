"""Who manages the open-data catalogue. Province administrators pass every rule first
(``tinhso.accounts.permissions.can``); an agency's administrators and leaders manage the datasets
their agency (or an agency under it) publishes. Reading the published catalogue needs no rule:
it is public."""

from tinhso.accounts.models import Role, User, UserKind
from tinhso.accounts.permissions import agency_ids_in_scope, rule
from tinhso.agencies.models import Agency


@rule("opendata.manage")
def manage(user: User, organization: Agency | None = None) -> bool:
    if user.kind != UserKind.OFFICER:
        return False
    scope = agency_ids_in_scope(user, Role.AGENCY_ADMIN, Role.LEADER)
    return bool(scope) if organization is None else organization.pk in scope
