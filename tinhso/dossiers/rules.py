"""Permission rules for dossiers. Superusers and province administrators pass every rule first
(``tinhso.accounts.permissions.can``). Actions taken by the system (``actor`` None, e.g. the
payment gateway's IPN) are not checked here: their callers have verified the request.
"""

from collections.abc import Callable

from tinhso.accounts.models import Role, User, UserKind
from tinhso.accounts.permissions import agency_ids_in_scope, rule
from tinhso.dossiers.models import Dossier
from tinhso.procedures.models import Procedure

PROCESSING_ROLES = (Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER)


def _owns(user: User, dossier: Dossier | None) -> bool:
    return dossier is not None and dossier.applicant_id is not None and dossier.applicant_id == user.pk


def _officer_in_scope(user: User, dossier: Dossier | None, *roles: str) -> bool:
    return (
        dossier is not None
        and user.kind == UserKind.OFFICER
        and dossier.receiving_agency_id in agency_ids_in_scope(user, *roles)
    )


@rule("dossiers.submit")
def submit(user: User, procedure: Procedure | None) -> bool:
    """Citizens and businesses submit online for themselves."""
    return user.kind in (UserKind.CITIZEN, UserKind.BUSINESS)


@rule("dossiers.edit_draft")
def edit_draft(user: User, dossier: Dossier) -> bool:
    return _owns(user, dossier) and dossier.is_draft


# The other officers who may read a dossier, as the apps above decide (``register_viewer``, from
# their ``ready()``): the back office admits the agency holding it and the officers who handled it.
_VIEWERS: list[Callable[[User, Dossier], bool]] = []


def register_viewer(check: Callable[[User, Dossier], bool]) -> None:
    if check not in _VIEWERS:
        _VIEWERS.append(check)


@rule("dossiers.view")
def view(user: User, dossier: Dossier | None) -> bool:
    """The applicant, officers of the receiving agency (or above it), and the officers an app
    above admits (``register_viewer``): its documents are read by whoever processes it."""
    if _owns(user, dossier) or _officer_in_scope(user, dossier):
        return True
    return (
        dossier is not None
        and user.kind == UserKind.OFFICER
        and any(check(user, dossier) for check in _VIEWERS)
    )


@rule("dossiers.withdraw")
def withdraw(user: User, dossier: Dossier) -> bool:
    return _owns(user, dossier) and not dossier.is_draft


@rule("dossiers.answer_supplement")
def answer_supplement(user: User, dossier: Dossier) -> bool:
    return _owns(user, dossier) and not dossier.is_draft


@rule("dossiers.rate")
def rate(user: User, dossier: Dossier) -> bool:
    """Only the applicant rates their dossier (when and how often: ``actions.rate_dossier``)."""
    return _owns(user, dossier) and not dossier.is_draft


@rule("dossiers.request_supplement")
def request_supplement(user: User, dossier: Dossier | None) -> bool:
    return _officer_in_scope(user, dossier, *PROCESSING_ROLES)


@rule("dossiers.change_status")
def change_status(user: User, dossier: Dossier | None) -> bool:
    """Officers handling dossiers of the receiving agency (payment requests, generic changes)."""
    return _officer_in_scope(user, dossier, *PROCESSING_ROLES)
