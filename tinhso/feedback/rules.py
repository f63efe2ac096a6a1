"""Permission rules of citizen feedback.

- Routing officers (a one-stop officer or specialist of the public-administration service centre
  or of the People's Committee office) route reports, enter hotline reports and moderate.
- Officers (one-stop officer, specialist, leader) work the reports of their agency's subtree.
- Leaders approve answers for publication in their subtree and see the overdue reports
  escalated to it.
- Citizens see published reports and their own; they rate and reopen their own reports.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser

from tinhso.accounts.models import Role, User
from tinhso.accounts.permissions import Actor, agency_ids_in_scope, has_role, memberships, rule
from tinhso.agencies.models import AgencyKind
from tinhso.agencies.tree import nodes
from tinhso.feedback.models import Report

ROUTING_ROLES = (Role.ONE_STOP_OFFICER, Role.SPECIALIST)
ROUTING_AGENCY_KINDS = (AgencyKind.SERVICE_CENTRE, AgencyKind.PC_OFFICE)
WORK_ROLES = (Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER)


def is_routing_officer(user: Any) -> bool:
    """A one-stop officer or specialist today of a service centre or a People's Committee office."""
    tree = nodes()
    return any(
        role in ROUTING_ROLES and agency_id in tree and tree[agency_id].kind in ROUTING_AGENCY_KINDS
        for agency_id, role in memberships(user)
    )


def _in_scope(user: User, agency_id: int | None, *roles: str) -> bool:
    return agency_id is not None and agency_id in agency_ids_in_scope(user, *roles)


@rule("feedback.submit", public=True)
def submit(user: Actor, obj: object) -> bool:
    """Anyone may report a problem, signed in or not."""
    return True


@rule("feedback.view", public=True)
def view(user: User | AnonymousUser, report: Report | None) -> bool:
    """Published reports are public; the reporter and the officers concerned see the rest."""
    if report is None or report.published:
        return True
    if not user.is_authenticated:
        return False
    if report.reporter_id == user.pk:
        return True
    return (
        is_routing_officer(user) or work(user, report) or _in_scope(user, report.escalated_to_id, Role.LEADER)
    )


@rule("feedback.route")
def route(user: User, report: Report | None) -> bool:
    return is_routing_officer(user)


@rule("feedback.hotline_enter")
def hotline_enter(user: User, obj: object) -> bool:
    return is_routing_officer(user)


@rule("feedback.work")
def work(user: User, report: Report) -> bool:
    """Without a report: whether the user works reports at all (the agency inbox)."""
    if report is None:
        return has_role(user, *WORK_ROLES)
    return _in_scope(user, report.assigned_agency_id, *WORK_ROLES)


@rule("feedback.approve")
def approve(user: User, report: Report) -> bool:
    if report is None:
        return has_role(user, Role.LEADER)
    return _in_scope(user, report.assigned_agency_id, Role.LEADER)


@rule("feedback.moderate")
def moderate(user: User, report: Report | None) -> bool:
    return is_routing_officer(user) or (report is not None and approve(user, report))


@rule("feedback.view_overdue")
def view_overdue(user: User, obj: object) -> bool:
    return has_role(user, Role.LEADER) or is_routing_officer(user)


@rule("feedback.follow")
def follow(user: User, report: Report | None) -> bool:
    """Published reports, and open ones (following instead of filing a duplicate)."""
    return report is not None and (report.published or report.is_open or report.reporter_id == user.pk)


@rule("feedback.rate")
def rate(user: User, report: Report | None) -> bool:
    return report is not None and report.reporter_id == user.pk


@rule("feedback.reopen")
def reopen(user: User, report: Report | None) -> bool:
    return report is not None and report.reporter_id == user.pk


@rule("feedback.configure")
def configure(user: User, obj: object) -> bool:
    """Categories and the routing table are the province administrators' (who pass every rule)."""
    return False
