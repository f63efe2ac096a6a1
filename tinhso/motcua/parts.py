"""The parts of the back office's dossier page that the apps above it add, registered from their
``ready()`` (``register_part``) so that the back office imports none of them: the one-stop forms
add the forms signed and sent to the applicant and those to print (``tinhso.official_forms``)."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from tinhso.dossiers.models import Dossier

PartContext = Callable[[HttpRequest, Dossier], dict[str, Any]]

# Template name → the function giving its ``part`` context, in the order registered.
PARTS: dict[str, PartContext] = {}


def register_part(template: str, context: PartContext) -> None:
    """Show ``template`` on the dossier page, with ``part`` = ``context(request, dossier)``."""
    PARTS[template] = context


def parts(request: HttpRequest, dossier: Dossier) -> list[tuple[str, dict[str, Any]]]:
    return [(template, context(request, dossier)) for template, context in PARTS.items()]
