"""Who may open the operations centre: whoever may see the statistics of the same agency (leaders,
dashboard viewers and agency administrators for their agencies and everything under them; the
whole province for those of a top-level agency and of the provincial People's Committee's
office; ``tinhso.statistics.rules``). Targets, thresholds and wallboard links are configured by
province administrators, who pass every rule (``tinhso.accounts.permissions.can``)."""

from tinhso.accounts.models import User
from tinhso.accounts.permissions import can, rule
from tinhso.agencies.models import Agency


@rule("ioc.view")
def view(user: User, agency: Agency | None) -> bool:
    return can(user, "statistics.view", agency)


@rule("ioc.configure")
def configure(user: User, obj: object) -> bool:
    return False
