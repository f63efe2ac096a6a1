"""The sections of the account page that the apps above the accounts add, registered from their
``ready()`` (``register_part``) so that the accounts import none of them (the pattern of
``tinhso.motcua.parts``): the integration platform adds which agency called which service about
the person (``tinhso.lgsp``)."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

PartContext = Callable[[HttpRequest], dict[str, Any] | None]

# Template name → the function giving its ``part`` context (None: the section is not shown).
PARTS: dict[str, PartContext] = {}


def register_part(template: str, context: PartContext) -> None:
    PARTS[template] = context


def parts(request: HttpRequest) -> list[tuple[str, dict[str, Any]]]:
    found = [(template, context(request)) for template, context in PARTS.items()]
    return [(template, part) for template, part in found if part is not None]
