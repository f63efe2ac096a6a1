"""The parts of the back office's dossier page that the apps above it add, registered from their
``ready()`` (``register_part``) so that the back office imports none of them: the one-stop forms
add the forms signed and sent to the applicant and those to print (``tinhso.official_forms``).
Likewise the links of the back office's navigation to their pages (``register_link``): the
integration platform's operations, the webhooks, the national portal sync."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise

from tinhso.dossiers.models import Dossier

PartContext = Callable[[HttpRequest, Dossier], dict[str, Any]]

# Template name → the function giving its ``part`` context, in the order registered.
PARTS: dict[str, PartContext] = {}


def register_part(template: str, context: PartContext) -> None:
    """Show ``template`` on the dossier page, with ``part`` = ``context(request, dossier)``."""
    PARTS[template] = context


# (URL name, label, permission rule): shown to whoever passes the rule, in the order registered.
LINKS: list[tuple[str, str | Promise, str]] = []


def register_link(url_name: str, label: str | Promise, rule: str) -> None:
    """Link the back office's navigation to ``url_name`` for the users ``rule`` allows."""
    if all(known[0] != url_name for known in LINKS):
        LINKS.append((url_name, label, rule))


def parts(request: HttpRequest, dossier: Dossier) -> list[tuple[str, dict[str, Any]]]:
    return [(template, context(request, dossier)) for template, context in PARTS.items()]
