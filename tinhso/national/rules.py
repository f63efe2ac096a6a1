"""Who may use the national connectors. Superusers and province administrators pass every rule
first (``tinhso.accounts.permissions.can``): they alone see the portal sync and send failures
again."""

from tinhso.accounts.models import User, UserKind
from tinhso.accounts.permissions import can, rule
from tinhso.dossiers.models import Dossier


@rule("national.manage_portal_sync")
def manage_portal_sync(user: User, obj: object = None) -> bool:
    return False


@rule("national.lookup_population")
def lookup_population(user: User, dossier: Dossier | None) -> bool:
    """An officer who may see the dossier (its receiving agency or above) asks about its
    applicant; the applicant asks about themselves to fill their own draft."""
    if dossier is None:
        return False
    if user.kind == UserKind.OFFICER:
        return can(user, "dossiers.view", dossier)
    return dossier.applicant_id == user.pk and dossier.is_draft
