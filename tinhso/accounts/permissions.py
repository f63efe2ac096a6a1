"""The platform's one permission layer: named rules, ``can`` and ``require``.

Apps register a predicate per action name::

    @rule("dossiers.receive")
    def receive(user, dossier) -> bool: ...

``can(user, action, obj)`` then answers in this order: an unknown action name raises
``UnknownAction`` (a typo must neither allow nor deny silently); anonymous and deactivated
users are refused everything except the rules registered with ``public=True`` (whose predicate
then decides, with an anonymous user); superusers and province administrators may do
everything; everyone else gets what the predicate says.

A user's memberships, and the agencies they reach, are read once per user object (per request)
and cached on it.
"""

from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection

from tinhso.accounts.models import Membership, Role, User, UserKind, officer_agencies
from tinhso.agencies.models import Agency
from tinhso.core.sql import sql

# Whoever acts: a signed-in user, an anonymous visitor, or None (the platform itself, a command).
Actor: TypeAlias = User | AnonymousUser | None
Predicate = TypeVar("Predicate", bound=Callable[..., bool])

__all__ = [
    "Actor",
    "UnknownAction",
    "agency_ids_in_scope",
    "can",
    "has_role",
    "is_province_admin",
    "officer_agencies",
    "registered_actions",
    "require",
    "rule",
]


class UnknownAction(LookupError):
    """``can``/``require`` was asked about an action no rule is registered for."""


_RULES: dict[str, tuple[Callable[..., bool], bool]] = {}


def rule(action: str, public: bool = False) -> Callable[[Predicate], Predicate]:
    """Register ``predicate(user, obj) -> bool`` for ``action``; ``public`` asks the predicate
    about anonymous users too instead of refusing them."""

    def register(predicate: Predicate) -> Predicate:
        if action in _RULES and _RULES[action][0] is not predicate:
            raise ValueError(f"A permission rule for {action!r} is already registered.")
        _RULES[action] = (predicate, public)
        return predicate

    return register


def registered_actions() -> list[str]:
    return sorted(_RULES)


def _memberships(user: Any) -> list[tuple[int, str]]:
    """The user's valid memberships as (agency_id, role) pairs, cached on the user object.
    Only officers hold roles (``accounts.actions.add_membership``): citizens and businesses
    need no query."""
    if getattr(user, "kind", UserKind.OFFICER) != UserKind.OFFICER:
        return []
    cached = getattr(user, "_tinhso_memberships", None)
    if cached is None:
        memberships = Membership.objects.active().filter(user=user).order_by()  # unordered: no joins
        cached = list(memberships.values_list("agency_id", "role"))
        user._tinhso_memberships = cached
    return cached


def has_role(user: Actor, *roles: str) -> bool:
    return any(role in roles for _, role in _memberships(user))


def is_province_admin(user: Actor) -> bool:
    if user is None or not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or has_role(user, Role.PROVINCE_ADMIN)


# Every agency under (or equal to) one of the given agencies, by the stored paths.
SUBTREES_SQL = sql(
    """
SELECT DISTINCT below.{a.id} FROM {a} top
JOIN {a} below ON below.{a.path} LIKE top.{a.path} || '%%'
WHERE top.{a.id} IN ({{ids}})
""",
    a=Agency,
)


def agency_ids_in_scope(user: Actor, *roles: str) -> frozenset[int]:
    """Ids of the agencies where ``user`` holds one of ``roles`` (any role if none), with their
    descendants: an agency admin of a department manages its sub-departments too. Read in one
    statement and cached on the user object with the memberships."""
    direct = sorted({agency_id for agency_id, role in _memberships(user) if not roles or role in roles})
    if not direct:
        return frozenset()
    scopes: dict[tuple[int, ...], frozenset[int]] = user.__dict__.setdefault("_tinhso_scopes", {})
    key = tuple(direct)
    if key not in scopes:
        with connection.cursor() as cursor:
            cursor.execute(SUBTREES_SQL.format(ids=", ".join(["%s"] * len(direct))), direct)
            scopes[key] = frozenset(row[0] for row in cursor.fetchall())
    return scopes[key]


def can(user: Actor, action: str, obj: object = None) -> bool:
    try:
        predicate, public = _RULES[action]
    except KeyError:
        raise UnknownAction(f"No permission rule is registered for {action!r}.") from None
    if user is None:
        user = AnonymousUser()
    signed_in = user.is_authenticated and user.is_active
    if not signed_in:
        return public and bool(predicate(user, obj))
    if is_province_admin(user):
        return True
    return bool(predicate(user, obj))


def require(user: Actor, action: str, obj: object = None) -> None:
    """Raise ``PermissionDenied`` unless ``can(user, action, obj)``."""
    if not can(user, action, obj):
        raise PermissionDenied(action)
