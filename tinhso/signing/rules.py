"""Permission rules for signed results. Superusers and province administrators pass every rule
first (``tinhso.accounts.permissions.can``)."""

from tinhso.accounts.models import Role, UserKind
from tinhso.accounts.permissions import agency_ids_in_scope, rule


def _officer_in_scope(user, dossier, *roles) -> bool:
    return (
        dossier is not None
        and user.kind == UserKind.OFFICER
        and dossier.receiving_agency_id in agency_ids_in_scope(user, *roles)
    )


@rule("signing.sign")
def sign(user, dossier) -> bool:
    """Leaders of the dossier's receiving agency (or of an agency above it) sign its result."""
    return _officer_in_scope(user, dossier, Role.LEADER)


@rule("signing.download")
def download(user, document) -> bool:
    """The applicant of the dossier, and officers of its receiving agency (or above it)."""
    dossier = document.dossier if document is not None else None
    if dossier is None:
        return False
    owns = dossier.applicant_id is not None and dossier.applicant_id == user.pk
    return owns or _officer_in_scope(user, dossier)
