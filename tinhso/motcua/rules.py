"""What an officer may do to a dossier now: one answer for the officer's page, the API and tests.

The flow's actions come from the dossier's flow (the actions out of its current state that the
officer may take, ``tinhso.workflows.actions.available_actions``); the one-stop steps outside the
flow (refuse, supplement, payment, cash, extend, stop, withdrawal decisions, draft, sign) are
offered by the rules below. Each action checks again when it is taken.
"""

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.models import Role, User, UserKind
from tinhso.accounts.permissions import agency_ids_in_scope, can, rule
from tinhso.agencies.models import Agency
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.status import CLOCK_RUNNING, TRANSITIONS, Status
from tinhso.motcua.models import Extension
from tinhso.signing.actions import CLOSED_WITHOUT_RESULT
from tinhso.workflows.actions import available_actions
from tinhso.workflows.models import DossierFlow, StepRecord

FLOW = "flow"
STEP = "step"

SUPPLEMENTABLE = frozenset({Status.NEW, Status.ACCEPTED, Status.PROCESSING})
PAYABLE_ON_REQUEST = frozenset({Status.NEW, Status.ACCEPTED, Status.PROCESSING})
CASH_PAYABLE = frozenset({Status.NEW, Status.PAYMENT})
# Form 05 (Decree 118/2025/NĐ-CP Art. 21): from every status the national rules let stop, except a
# withdrawal request, which has its own decision.
STOPPABLE = frozenset(s for s, targets in TRANSITIONS.items() if Status.STOPPED in targets) - {
    Status.WITHDRAWN
}
DRAFTABLE = frozenset({Status.ACCEPTED, Status.PROCESSING})


# Permission rules -----------------------------------------------------------------------------


def officer_in(user: User, agency_ids: Iterable[int], *roles: str) -> bool:
    return user.kind == UserKind.OFFICER and bool(set(agency_ids) & agency_ids_in_scope(user, *roles))


def holds(user: User, dossier: Dossier, *roles: str) -> bool:
    """Whether ``user`` is an officer (with one of ``roles``) of the receiving agency or of the
    agency the dossier is at, or above them; the flow is read only for an officer who has them."""
    if user.kind != UserKind.OFFICER:
        return False
    scope = agency_ids_in_scope(user, *roles)
    return bool(scope) and bool(set(_agencies_of(dossier)) & scope)


def _agencies_of(dossier: Dossier) -> list[int]:
    """Read now, never from a flow cached on the dossier: a permission follows the dossier to
    where it is, and an instance may hold its flow from before an action moved it."""
    current = DossierFlow.objects.filter(dossier=dossier).values_list("current_agency_id", flat=True).first()
    return [dossier.receiving_agency_id] + ([current] if current else [])


def took_a_step(user: User, dossier: Dossier) -> bool:
    """Whether ``user`` handed the dossier on at a step of its flow (Form 06's handoffs)."""
    return (
        user.kind == UserKind.OFFICER and StepRecord.objects.filter(dossier=dossier, from_user=user).exists()
    )


@rule("motcua.view")
def may_view(user: User, dossier: Dossier | None) -> bool:
    """Officers of the receiving agency or of the agency the dossier is at (or above them), and,
    to read it only, the officers who took a step of it once it has moved on: what they decided
    stays in their sight ("Hồ sơ bạn đã xử lý"), nobody else's."""
    return dossier is not None and (holds(user, dossier) or took_a_step(user, dossier))


@rule("motcua.receive")
def _may_receive(user: User, dossier: Dossier | None) -> bool:
    """One-stop officers of the receiving agency check, accept or refuse."""
    return dossier is not None and officer_in(user, [dossier.receiving_agency_id], Role.ONE_STOP_OFFICER)


@rule("motcua.receive_at_counter")
def _may_receive_at_counter(user: User, agency: Agency | None) -> bool:
    return agency is not None and officer_in(user, [agency.pk], Role.ONE_STOP_OFFICER)


@rule("motcua.extend")
def _may_extend(user: User, dossier: Dossier | None) -> bool:
    """Leaders of the agency handling the dossier extend (Form 04) or stop it (Form 05)."""
    return dossier is not None and holds(user, dossier, Role.LEADER)


@rule("motcua.decide_withdrawal")
def _may_decide_withdrawal(user: User, dossier: Dossier | None) -> bool:
    """One-stop officers of the receiving agency, or leaders of the agency handling the dossier,
    decide on the applicant's withdrawal request (Circular 03/2025/TT-VPCP Art. 7: the one-stop
    desk that received the dossier checks it with the competent body)."""
    return dossier is not None and (
        officer_in(user, [dossier.receiving_agency_id], Role.ONE_STOP_OFFICER)
        or holds(user, dossier, Role.LEADER)
    )


@rule("motcua.attach_draft")
def _may_attach_draft(user: User, dossier: Dossier | None) -> bool:
    """Specialists and leaders of the agency handling the dossier prepare its result."""
    return dossier is not None and holds(user, dossier, Role.SPECIALIST, Role.LEADER)


# What an officer may do now -------------------------------------------------------------------


def refusable(dossier: Dossier) -> bool:
    """Whether the dossier may still be refused (Form 03): at reception, when new or waiting for
    the supplement asked before acceptance; once accepted it is stopped (Form 05) instead."""
    return dossier.status == Status.NEW or (
        dossier.status == Status.SUPPLEMENT and dossier.received_at is None
    )


@dataclass(frozen=True)
class AllowedAction:
    """One thing the officer may do: ``key`` (a flow action's key, or a step's name), its label,
    the page that takes it, and whether it moves the dossier along its flow."""

    key: str
    label: str | Promise
    url: str
    kind: str

    @property
    def primary(self) -> bool:
        return self.kind == FLOW or self.key == "grant_withdrawal"


def _steps(user: User, dossier: Dossier) -> list[tuple[str, Promise, Callable[[], bool]]]:
    """(key, label, allowed) for each step outside the flow, in the order the page lists them.
    ``allowed`` is a function, so a step's queries run only when its cheaper tests pass."""
    status = dossier.status
    has_result = functools.cache(dossier.signed_documents.exists)
    may_extend = functools.cache(lambda: can(user, "motcua.extend", dossier))
    return [
        (
            "refuse",
            _("Refuse the dossier"),
            lambda: refusable(dossier) and can(user, "motcua.receive", dossier),
        ),
        (
            "supplement",
            _("Ask for supplementary documents"),
            lambda: status in SUPPLEMENTABLE and can(user, "dossiers.request_supplement", dossier),
        ),
        (
            "payment",
            _("Ask for the fees"),
            lambda: status in PAYABLE_ON_REQUEST and can(user, "dossiers.change_status", dossier),
        ),
        (
            "cash",
            _("Record a cash payment"),
            lambda: (
                status in CASH_PAYABLE
                and dossier.paid_at is None
                and can(user, "dossiers.change_status", dossier)
            ),
        ),
        (
            "extend",
            _("Extend the due time"),
            lambda: (
                status in CLOCK_RUNNING
                and dossier.due_at is not None
                and may_extend()
                and not Extension.objects.filter(dossier=dossier).exists()
            ),
        ),
        ("stop", _("Stop processing"), lambda: status in STOPPABLE and may_extend()),
        (
            "grant_withdrawal",
            _("Stop the dossier as the applicant asked"),
            lambda: status == Status.WITHDRAWN and can(user, "motcua.decide_withdrawal", dossier),
        ),
        (
            "refuse_withdrawal",
            _("Refuse the withdrawal"),
            lambda: status == Status.WITHDRAWN and can(user, "motcua.decide_withdrawal", dossier),
        ),
        (
            "draft",
            _("Attach a draft result"),
            lambda: status in DRAFTABLE and can(user, "motcua.attach_draft", dossier) and not has_result(),
        ),
        (
            "sign",
            _("Sign the electronic result"),
            lambda: (
                status not in CLOSED_WITHOUT_RESULT
                and can(user, "signing.sign", dossier)
                and not has_result()
            ),
        ),
    ]


def allowed_actions(user: User, dossier: Dossier, flow: DossierFlow | None = None) -> list[AllowedAction]:
    """Everything ``user`` may do to ``dossier`` now: the flow's actions first, then the steps
    outside the flow. ``flow``: the dossier's flow, if the caller holds it."""
    allowed = [
        AllowedAction(action.key, action.name, reverse("motcua:action", args=[dossier.pk, action.key]), FLOW)
        for action in available_actions(user, dossier, flow)
    ]
    allowed += [
        AllowedAction(key, label, reverse(f"motcua:{key}", args=[dossier.pk]), STEP)
        for key, label, may in _steps(user, dossier)
        if may()
    ]
    return allowed
