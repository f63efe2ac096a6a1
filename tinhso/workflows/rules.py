"""Who may take a flow's actions and manage the flows."""

from dataclasses import dataclass

from tinhso.accounts.models import User, UserKind
from tinhso.accounts.permissions import agency_ids_in_scope, rule
from tinhso.workflows.models import Action, DossierFlow


@dataclass(frozen=True)
class Step:
    """What the permission rule ``workflows.perform_action`` is asked about."""

    flow: DossierFlow
    action: Action


@rule("workflows.perform_action")
def _may_perform(user: User, step: Step) -> bool:
    """An officer holding one of the action's roles in the agency the dossier is at (or above)."""
    return user.kind == UserKind.OFFICER and step.flow.current_agency_id in agency_ids_in_scope(
        user, *step.action.roles
    )


@rule("workflows.manage")
def _may_manage(user: User, obj: object) -> bool:
    """Only province administrators (who pass every rule) edit and publish flows."""
    return False
