"""The permission layer's account side: roles, scopes and who may do everything.

The registry of named rules, ``can`` and ``require`` is ``tinhso.core.permissions`` (re-exported
here, where the apps above the accounts import it from); this module registers with it that
superusers and province administrators may do everything (``grant_everything``), and gives the
rules what they read: a user's roles (``has_role``) and the agencies they reach
(``agency_ids_in_scope``).

A user's memberships are read once per user object (per request) and cached on it; the agencies
they reach come from the process's agency tree (``tinhso.agencies.tree``).
"""

from typing import Any, TypeAlias

from django.contrib.auth.models import AnonymousUser

from tinhso.accounts.models import Membership, Role, User, UserKind, officer_agencies
from tinhso.agencies.tree import subtree_ids
from tinhso.core.permissions import UnknownAction, can, grant_everything, registered_actions, require, rule

# Whoever acts: a signed-in user, an anonymous visitor, or None (the platform itself, a command).
Actor: TypeAlias = User | AnonymousUser | None

__all__ = [
    "Actor",
    "UnknownAction",
    "agency_ids_in_scope",
    "can",
    "has_role",
    "is_province_admin",
    "memberships",
    "officer_agencies",
    "registered_actions",
    "require",
    "rule",
]


def memberships(user: Any) -> list[tuple[int, str]]:
    """The user's valid memberships as (agency_id, role) pairs, cached on the user object.
    Only officers hold roles (``accounts.actions.add_membership``): citizens and businesses
    need no query."""
    if getattr(user, "kind", UserKind.OFFICER) != UserKind.OFFICER:
        return []
    cached = getattr(user, "_tinhso_memberships", None)
    if cached is None:
        valid = Membership.objects.active().filter(user=user).order_by()  # unordered: no joins
        cached = list(valid.values_list("agency_id", "role"))
        user._tinhso_memberships = cached
    return cached


def has_role(user: Actor, *roles: str) -> bool:
    return any(role in roles for _, role in memberships(user))


def is_province_admin(user: Actor) -> bool:
    if user is None or not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or has_role(user, Role.PROVINCE_ADMIN)


grant_everything(is_province_admin)


def agency_ids_in_scope(user: Actor, *roles: str) -> frozenset[int]:
    """Ids of the agencies where ``user`` holds one of ``roles`` (any role if none), with their
    descendants: an agency admin of a department manages its sub-departments too. Read from the
    process's agency tree and cached on the user object with the memberships."""
    direct = sorted({agency_id for agency_id, role in memberships(user) if not roles or role in roles})
    if not direct:
        return frozenset()
    scopes: dict[tuple[int, ...], frozenset[int]] = user.__dict__.setdefault("_tinhso_scopes", {})
    key = tuple(direct)
    if key not in scopes:
        scopes[key] = subtree_ids(direct)
    return scopes[key]
