"""Who may print the one-stop forms. Superusers and province administrators pass every rule
first (``tinhso.accounts.permissions.can``)."""

from dataclasses import dataclass

from tinhso.accounts.models import User, UserKind
from tinhso.accounts.permissions import agency_ids_in_scope, rule
from tinhso.agencies.models import Agency
from tinhso.dossiers.models import Dossier

# The receipts a citizen keeps: Form 01 (received), 02 (supplement request), 03 (refusal).
CITIZEN_FORMS = frozenset({1, 2, 3})


@dataclass(frozen=True)
class PrintRequest:
    dossier: Dossier
    number: int


@rule("official_forms.print")
def print_form(user: User, request: PrintRequest | None) -> bool:
    """Officers whose agency scope contains the dossier's receiving agency; the applicant for
    their own Form 01/02/03."""
    if request is None:
        return False
    dossier = request.dossier
    if user.kind == UserKind.OFFICER:
        return dossier.receiving_agency_id in agency_ids_in_scope(user)
    owns = dossier.applicant_id is not None and dossier.applicant_id == user.pk
    return owns and request.number in CITIZEN_FORMS


@rule("official_forms.print_register")
def print_register(user: User, agency: Agency | None) -> bool:
    """Form 07 of an agency: its officers and those of the agencies above it."""
    return agency is not None and user.kind == UserKind.OFFICER and agency.pk in agency_ids_in_scope(user)
