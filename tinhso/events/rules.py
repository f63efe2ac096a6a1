"""Who reads the event feed and who manages the webhooks.

"events.read": the province's administrators, and the accounts given the permission "Can read
the event feed" (``events.read_feed``, given on /su-kien/doc-luong/: an integration system's
account holding an API token).
"events.manage": webhook subscriptions, their secrets and resends; province administrators only
(they pass every rule, ``tinhso.accounts.permissions``)."""

from tinhso.accounts.models import User
from tinhso.accounts.permissions import rule


@rule("events.read")
def read(user: User, obj: object) -> bool:
    return user.has_perm("events.read_feed")


@rule("events.manage")
def manage(user: User, obj: object) -> bool:
    return False
