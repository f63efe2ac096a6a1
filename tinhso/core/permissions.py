"""The platform's one permission registry: named rules, ``can`` and ``require``.

Apps register a predicate per action name in their ``rules.py``::

    @rule("dossiers.receive")
    def receive(user, dossier) -> bool: ...

``can(user, action, obj)`` then answers in this order: an unknown action name raises
``UnknownAction`` (a typo must neither allow nor deny silently); anonymous and deactivated
users are refused everything except the rules registered with ``public=True`` (whose predicate
then decides, with an anonymous user); those a check registered with ``grant_everything`` admits
may do everything (the accounts app registers its superusers and province administrators);
everyone else gets what the predicate says.

The registry sits in core so that every app, the agencies below the accounts included, asks
it the one way; the rules, and the memberships they read, live in the apps that own them
(``tinhso.accounts.permissions``: roles, scopes and the province administrator).
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    # The configured user model (AUTH_USER_MODEL), as django-stubs names it for ``request.user``.
    from django.contrib.auth.models import _User

# Whoever acts: a signed-in user, an anonymous visitor, or None (the platform itself, a command).
Actor: TypeAlias = "_User | AnonymousUser | None"
Predicate = TypeVar("Predicate", bound=Callable[..., bool])

__all__ = ["Actor", "UnknownAction", "can", "grant_everything", "registered_actions", "require", "rule"]


class UnknownAction(LookupError):
    """``can``/``require`` was asked about an action no rule is registered for."""


_RULES: dict[str, tuple[Callable[..., bool], bool]] = {}
_EVERYTHING: list[Callable[["_User"], bool]] = []


def rule(action: str, public: bool = False) -> Callable[[Predicate], Predicate]:
    """Register ``predicate(user, obj) -> bool`` for ``action``; ``public`` asks the predicate
    about anonymous users too instead of refusing them."""

    def register(predicate: Predicate) -> Predicate:
        if action in _RULES and _RULES[action][0] is not predicate:
            raise ValueError(f"A permission rule for {action!r} is already registered.")
        _RULES[action] = (predicate, public)
        return predicate

    return register


def grant_everything(check: Callable[["_User"], bool]) -> None:
    """Register ``check(user)``: a signed-in, active user it admits passes every rule."""
    if check not in _EVERYTHING:
        _EVERYTHING.append(check)


def registered_actions() -> list[str]:
    return sorted(_RULES)


def can(user: Actor, action: str, obj: object = None) -> bool:
    try:
        predicate, public = _RULES[action]
    except KeyError:
        raise UnknownAction(f"No permission rule is registered for {action!r}.") from None
    if user is None:
        user = AnonymousUser()
    if isinstance(user, AnonymousUser) or not (user.is_authenticated and user.is_active):
        return public and bool(predicate(user, obj))
    if any(check(user) for check in _EVERYTHING):
        return True
    return bool(predicate(user, obj))


def require(user: Actor, action: str, obj: object = None) -> None:
    """Raise ``PermissionDenied`` unless ``can(user, action, obj)``."""
    if not can(user, action, obj):
        raise PermissionDenied(action)
