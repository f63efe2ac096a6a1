"""Permission rules for signed results. Superusers and province administrators pass every rule
first (``tinhso.accounts.permissions.can``)."""

from tinhso.accounts.models import Role, UserKind
from tinhso.accounts.permissions import agency_ids_in_scope, rule
from tinhso.dossiers.actions import competent_agency


def _officer_in_scope(user, agency_ids, *roles) -> bool:
    return user.kind == UserKind.OFFICER and bool(set(agency_ids) & agency_ids_in_scope(user, *roles))


@rule("signing.sign")
def sign(user, dossier) -> bool:
    """Leaders of the agency competent for the dossier (or of an agency above it) sign its result:
    the agency that received it, or, for a dossier received at a public-administration service
    centre, the department that decides on it (Decree 118/2025/NĐ-CP Art. 14(1): the centre
    receives and returns, the competent agency decides)."""
    return dossier is not None and _officer_in_scope(user, [competent_agency(dossier).pk], Role.LEADER)


@rule("signing.download")
def download(user, document) -> bool:
    """The applicant of the dossier, and officers of its receiving agency or of the agency that
    signed it (or above them)."""
    dossier = document.dossier if document is not None else None
    if dossier is None:
        return False
    owns = dossier.applicant_id is not None and dossier.applicant_id == user.pk
    return owns or _officer_in_scope(user, [dossier.receiving_agency_id, document.agency_id])


@rule("signing.manage_certificates")
def manage_certificates(user, agency) -> bool:
    """Only province administrators (who pass every rule first) issue agencies' certificates."""
    return False
