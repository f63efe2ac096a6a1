"""Permission rules for payments (registered from ``PaymentsConfig.ready``).

Superusers and province administrators pass every rule before these predicates run.
"""

from typing import cast

from tinhso.accounts.models import Role, User
from tinhso.accounts.permissions import agency_ids_in_scope, has_role, rule
from tinhso.dossiers.models import Dossier


def _dossier_of(obj: object) -> Dossier:
    """The dossier a Payment, a Receipt or a Dossier is about."""
    payment = getattr(obj, "payment", None)
    if payment is not None:
        return cast(Dossier, payment.dossier)
    return cast(Dossier, getattr(obj, "dossier", obj))


@rule("payments.start")
def start(user: User, dossier: Dossier | None) -> bool:
    """Only the dossier's applicant pays its fees online."""
    return dossier is not None and dossier.applicant_id == user.pk


@rule("payments.view")
def view(user: User, obj: object) -> bool:
    """A payment or receipt is seen by the payer, the applicant, and the officers of the receiving
    agency (and the agencies above it)."""
    if obj is None:
        return False
    if getattr(obj, "payer_id", None) == user.pk:
        return True
    dossier = _dossier_of(obj)
    if dossier.applicant_id == user.pk:
        return True
    return dossier.receiving_agency_id in agency_ids_in_scope(user)


@rule("payments.reconcile")
def reconcile(user: User, obj: object) -> bool:
    """Agency leaders reconcile their agencies' payments (province administrators: all)."""
    return has_role(user, Role.LEADER)
