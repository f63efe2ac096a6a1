"""Who may print the one-stop forms. Superusers and province administrators pass every rule
first (``tinhso.accounts.permissions.can``)."""

from dataclasses import dataclass

from tinhso.accounts.models import User, UserKind
from tinhso.accounts.permissions import agency_ids_in_scope, rule
from tinhso.agencies.models import Agency
from tinhso.dossiers.models import Dossier
from tinhso.official_forms.models import IssuedForm

# The papers sent to the applicant: Form 01 (received), 02 (supplement request), 03 (refusal),
# 04 (extension apology), 05 (stop notice); the applicant gets them as issued (signed), never
# a new rendering (``views.dossier_form``).
CITIZEN_FORMS = frozenset({1, 2, 3, 4, 5})


@dataclass(frozen=True)
class PrintRequest:
    dossier: Dossier
    number: int


@rule("official_forms.print")
def print_form(user: User, request: PrintRequest | None) -> bool:
    """Officers whose agency scope contains the dossier's receiving agency; the applicant for
    the forms sent to them."""
    if request is None:
        return False
    dossier = request.dossier
    if user.kind == UserKind.OFFICER:
        return dossier.receiving_agency_id in agency_ids_in_scope(user)
    owns = dossier.applicant_id is not None and dossier.applicant_id == user.pk
    return owns and request.number in CITIZEN_FORMS


@rule("official_forms.download_issued")
def download_issued(user: User, issued: IssuedForm | None) -> bool:
    """A signed form sent to the applicant: the applicant of its dossier, and officers whose
    agency scope holds the dossier's receiving agency or the agency that issued the form."""
    if issued is None:
        return False
    dossier = issued.dossier
    if user.kind == UserKind.OFFICER:
        return bool({dossier.receiving_agency_id, issued.agency_id} & agency_ids_in_scope(user))
    return dossier.applicant_id is not None and dossier.applicant_id == user.pk


@rule("official_forms.print_register")
def print_register(user: User, agency: Agency | None) -> bool:
    """Form 07 of an agency: its officers and those of the agencies above it."""
    return agency is not None and user.kind == UserKind.OFFICER and agency.pk in agency_ids_in_scope(user)
