"""Permission rules for signed results. Superusers and province administrators pass every rule
first (``tinhso.accounts.permissions.can``)."""

from tinhso.accounts.models import Role, User, UserKind
from tinhso.accounts.permissions import agency_ids_in_scope, rule
from tinhso.agencies.models import Agency
from tinhso.dossiers.actions import competent_agency
from tinhso.dossiers.models import Dossier
from tinhso.signing.models import SignedDocument


def _officer_in_scope(user: User, agency_ids: list[int | None], *roles: str) -> bool:
    return user.kind == UserKind.OFFICER and bool(set(agency_ids) & agency_ids_in_scope(user, *roles))


@rule("signing.sign")
def sign(user: User, dossier: Dossier | None) -> bool:
    """Leaders of the agency competent for the dossier (or of an agency above it) sign its result:
    the agency that received it, or, for a dossier received at a public-administration service
    centre, the department that decides on it (Decree 118/2025/NĐ-CP Art. 14(1): the centre
    receives and returns, the competent agency decides)."""
    return dossier is not None and _officer_in_scope(user, [competent_agency(dossier).pk], Role.LEADER)


@rule("signing.download")
def download(user: User, document: SignedDocument | None) -> bool:
    """The applicant of the dossier, and officers of its receiving agency or of the agency that
    signed it (or above them)."""
    if document is None or document.dossier is None:
        return False
    dossier = document.dossier
    owns = dossier.applicant_id is not None and dossier.applicant_id == user.pk
    return owns or _officer_in_scope(user, [dossier.receiving_agency_id, document.agency_id])


@rule("signing.manage_certificates")
def manage_certificates(user: User, agency: Agency) -> bool:
    """Only province administrators (who pass every rule first) issue agencies' certificates."""
    return False
