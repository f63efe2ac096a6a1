"""The parts of the citizen's e-form pages that the apps above the dossiers add, registered from
their ``ready()`` (``register_page_part``) so that the dossiers import none of them (the pattern
of ``tinhso.motcua.parts``): the national connectors add filling the applicant's questions from
the national population database (``tinhso.national``)."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from tinhso.dossiers.models import Dossier

PageContext = Callable[[HttpRequest, Dossier, list[dict[str, Any]], int], dict[str, Any] | None]

# Template name → the function giving its ``part`` context (None: not shown on this page).
PAGE_PARTS: dict[str, PageContext] = {}


def register_page_part(template: str, context: PageContext) -> None:
    """Show ``template`` above the questions of an e-form page, with ``part`` =
    ``context(request, draft, the page's fields, the page's number)``."""
    PAGE_PARTS[template] = context


def page_parts(
    request: HttpRequest, dossier: Dossier, fields: list[dict[str, Any]], number: int
) -> list[tuple[str, dict[str, Any]]]:
    found = [
        (template, context(request, dossier, fields, number)) for template, context in PAGE_PARTS.items()
    ]
    return [(template, part) for template, part in found if part is not None]
