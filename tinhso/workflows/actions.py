"""The workflow engine and the flow administration actions.

- ``flow_version_for(procedure)``: the published version a new dossier of ``procedure`` starts on.
- ``start_flow(dossier)``: put a submitted dossier on its flow (idempotent; done on submission).
- ``available_actions(user, dossier, flow=None)``: the actions ``user`` may take now.
- ``perform_action(actor, dossier, action_key, note="", assignee=None, agency=None,
  expected_version=None)``: take one, under a row lock, moving the national status with it.
- ``publish_version(actor, version)`` / ``new_version(actor, flow)``: versioning.
- ``save_flow``, ``delete_flow``, ``edit_draft``, ``delete_draft``: the flows admin's writes.
- ``load_flow(definition)``: the generic and demo flows, made by the platform through those writes.
- ``classify_result(finished_at, due_at)``: "early", "on_time" or "late".
"""

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import Role, User, UserKind
from tinhso.accounts.permissions import Actor, agency_ids_in_scope, can, require
from tinhso.agencies.models import Agency
from tinhso.audit.services import record
from tinhso.core.reference import ReferenceCache, Row
from tinhso.core.rows import insert
from tinhso.core.text import fold, nfc
from tinhso.dossiers.actions import (
    apply_status_change,
    competent_agency,
    compute_due_at,
    lock_dossier,
    missing_documents,
    received_across_boundary,
    record_due_time_change,
)
from tinhso.dossiers.codes import issue_book_number, issue_code
from tinhso.dossiers.models import Channel, Dossier, DueTimeChangeKind, Notification
from tinhso.dossiers.notifications import queue_notification
from tinhso.dossiers.signals import dossier_accepted
from tinhso.dossiers.status import FINAL, Status
from tinhso.procedures.fees import may_charge
from tinhso.procedures.models import Procedure
from tinhso.signing.models import SignedDocument
from tinhso.workflows.generic import GENERIC, HOURS, definition_signature, published_signature
from tinhso.workflows.models import (
    Action,
    Condition,
    DossierFlow,
    DurationUnit,
    Flow,
    FlowVersion,
    State,
    StepRecord,
)
from tinhso.workflows.rules import Step
from tinhso.workflows.validation import validate_version
from tinhso.worktime.calendar import (
    SAME_DAY_CUTOFF,
    add_working_days,
    add_working_hours,
    is_working_day,
    next_working_moment,
    working_periods,
)

EARLY, ON_TIME, LATE = "early", "on_time", "late"
# While the applicant has to act (complete the dossier, pay) or has asked to withdraw it (the
# request is decided first), the flow waits.
WAITING_FOR_APPLICANT = frozenset({Status.SUPPLEMENT, Status.PAYMENT, Status.WITHDRAWN})
MAX_NOTE = 2000
# An online dossier is examined (accepted, refused or sent back to be completed) within 8 working
# hours of its submission: the due time of the reception step. The rule is the one of the 2025–2026
# sector decrees (e.g. Decree 216/2026/NĐ-CP for criminal-record certificates); the general
# article of Decree 118/2025/NĐ-CP could not be read.
ONLINE_EXAMINATION_HOURS = 8


def examination_due(dossier: Dossier, at: datetime.datetime) -> datetime.datetime | None:
    """When the online dossier submitted (or completed) at ``at`` must have been examined."""
    if dossier.channel != Channel.ONLINE:
        return None
    return add_working_hours(at, ONLINE_EXAMINATION_HOURS)


def transfer_due(accepted_at: datetime.datetime) -> datetime.datetime:
    """When a paper dossier received at the counter at ``accepted_at`` must be transferred: the
    same working day, or "đầu giờ ngày làm việc tiếp theo" when received after 15:00 (Decree
    118/2025/NĐ-CP Art. 18(2) as amended by Decree 309/2026/NĐ-CP Art. 9), read here as the end of
    the first working hour of the next working day."""
    local = timezone.localtime(accepted_at)
    if is_working_day(local) and local.time() <= SAME_DAY_CUTOFF:
        return working_periods(local)[-1][1]
    return add_working_hours(next_working_moment(local.replace(hour=23, minute=59)), 1)


def boundary_free_start(dossier: Dossier, accepted_at: datetime.datetime) -> datetime.datetime:
    """When the competent agency receives a dossier accepted regardless of boundary at another
    agency, the start of its processing time ("tính từ thời điểm cơ quan có thẩm quyền giải
    quyết thủ tục hành chính nhận được hồ sơ", Decree 118/2025/NĐ-CP Art. 17(3) second paragraph
    as amended by Decree 309/2026/NĐ-CP Art. 8(3)): an online dossier is handed over
    electronically when it is accepted; a paper dossier is transferred at once during the working
    day, or at the start of the next working day when received after 15:00 (Art. 18(2) as
    amended by Decree 309/2026 Art. 9)."""
    if dossier.channel == Channel.ONLINE:
        return accepted_at
    local = timezone.localtime(accepted_at)
    if is_working_day(local) and local.time() <= SAME_DAY_CUTOFF:
        return next_working_moment(local)
    return next_working_moment(local.replace(hour=23, minute=59))


# Versions ------------------------------------------------------------------------------------


# Kept while the flows stay the same: the published flow version of each procedure (by procedure
# id), and the start (by version id) and the actions out of each state (by state id) of published
# versions.
_versions: ReferenceCache[dict[int, Row]] = ReferenceCache("flows", lambda day: {}, dated=False)
_starts: ReferenceCache[dict[int, tuple[int, str]]] = ReferenceCache("flows", lambda day: {}, dated=False)
_actions: ReferenceCache[dict[int, tuple[Row, ...]]] = ReferenceCache("flows", lambda day: {}, dated=False)


def flow_version_for(procedure: Procedure) -> FlowVersion:
    """The published version of the procedure's own flow, else of the default shared flow
    (created, the generic one, when the platform has none yet). Each server process keeps the
    answer per procedure while the flows stay the same."""
    known = _versions.get()
    kept = known.get(procedure.pk)
    if kept is not None:
        version: FlowVersion = kept.instance()
        return version
    default = Flow.objects.filter(is_default=True, procedure__isnull=True).order_by("pk").values("pk")[:1]
    found = (
        FlowVersion.objects.filter(is_published=True)
        .filter(Q(flow__procedure=procedure) | Q(flow=Subquery(default)))
        .order_by(F("flow__procedure").asc(nulls_last=True), "flow_id", "-number")
        .first()
    )
    if found is None:
        # Not kept: created in this transaction, it is gone if the transaction rolls back.
        return load_flow(GENERIC)[0].versions.filter(is_published=True).latest("number")
    known[procedure.pk] = Row.of(found)
    return found


def publish_version(actor: User | None, version: FlowVersion) -> FlowVersion:
    """Check and publish a draft version; from then on it never changes."""
    if actor is not None:
        require(actor, "workflows.manage", version)
    with transaction.atomic():
        locked = FlowVersion.objects.select_for_update().get(pk=version.pk)
        if locked.is_published:
            raise ValidationError(_("This version is already published."), code="published")
        validate_version(locked)
        locked.is_published = True
        locked.published_at = timezone.now()
        locked.save(update_fields=["is_published", "published_at"])
        record(actor, "workflows.publish", locked, {"flow": locked.flow.key, "number": locked.number})
    return locked


def new_version(actor: User | None, flow: Flow) -> FlowVersion:
    """A draft copy of the flow's latest version, to edit and publish."""
    if actor is not None:
        require(actor, "workflows.manage", flow)
    with transaction.atomic():
        Flow.objects.select_for_update().get(pk=flow.pk)
        latest = flow.versions.order_by("-number").first()
        version = FlowVersion.objects.create(flow=flow, number=(latest.number + 1) if latest else 1)
        if latest is not None:
            states: dict[int, State] = {}
            for state in latest.states.all():
                old_pk = state.pk
                state.pk, state.version = None, version
                state.save()
                states[old_pk] = state
            for action in latest.actions.all():
                action.pk, action.version = None, version
                action.from_state = states[action.from_state_id]
                action.to_state = states[action.to_state_id]
                action.save()
        record(actor, "workflows.new_version", version, {"flow": flow.key, "number": version.number})
    return version


def save_flow(actor: User | None, flow: Flow, changed: list[str], request: HttpRequest | None = None) -> Flow:
    """Create a flow or change its key, name, procedure or default flag (``changed`` names the
    fields the form changed, for the audit). ``actor`` None is the platform itself (``load_flow``)."""
    if actor is not None:
        require(actor, "workflows.manage", flow)
    created = flow.pk is None
    with transaction.atomic():
        flow.save()
        values = {
            "key": flow.key,
            "name": flow.name,
            "procedure": flow.procedure_id,
            "default": flow.is_default,
        }
        record(
            actor,
            "workflows.create_flow" if created else "workflows.change_flow",
            flow,
            values | {"default": flow.is_default, "fields": sorted(changed)},
            request,
            new=created,
        )
    return flow


def delete_flow(actor: User, flow: Flow, request: HttpRequest | None = None) -> None:
    """Delete a flow that was never published (a published version may have run dossiers)."""
    require(actor, "workflows.manage", flow)
    with transaction.atomic():
        stored = Flow.objects.select_for_update().get(pk=flow.pk)
        if stored.versions.filter(is_published=True).exists():
            raise ValidationError(_("A flow with a published version cannot be deleted."), code="published")
        record(actor, "workflows.delete_flow", stored, {"key": stored.key, "name": stored.name}, request)
        stored.delete()


def _outline(version: FlowVersion) -> dict[str, list[str]]:
    """A version's states and actions as the audit keeps them."""
    return {
        "states": sorted(version.states.values_list("key", flat=True)),
        "actions": sorted(
            f"{from_key}-{key}-{to_key}"
            for key, from_key, to_key in version.actions.values_list(
                "key", "from_state__key", "to_state__key"
            )
        ),
    }


def edit_draft(
    actor: User | None, version: FlowVersion, save: Callable[[], None], request: HttpRequest | None = None
) -> FlowVersion:
    """Save the admin's edits of a draft version: ``save`` writes the version with its states and
    actions; then the whole flow is checked. A published version, or a flow that is not valid,
    raises ``ValidationError`` and nothing is saved. ``actor`` None is the platform itself."""
    if actor is not None:
        require(actor, "workflows.manage", version)
    with transaction.atomic():
        before = None
        if version.pk is not None:
            if FlowVersion.objects.select_for_update().get(pk=version.pk).is_published:
                raise ValidationError(_("This version is already published."), code="published")
            before = _outline(version)
        save()
        validate_version(version)
        after = _outline(version)
        changes: dict[str, Any] = {"flow": version.flow.key, "number": version.number}
        for name in after:
            if before is None or before[name] != after[name]:
                changes[name] = [before[name] if before else [], after[name]]
        record(actor, "workflows.edit_draft", version, changes, request, new=before is None)
    return version


def load_flow(definition: dict[str, Any], procedure: Procedure | None = None) -> tuple[Flow, bool]:
    """Create or update the flow ``definition`` (the generic and the demo flows) as the platform,
    through ``save_flow``, ``edit_draft`` and ``publish_version``: idempotent, a flow whose latest
    published version already has the same definition is kept. Returns (flow, whether a version
    was published)."""
    with transaction.atomic():
        flow = Flow.objects.select_for_update().filter(key=definition["key"]).first()
        if flow is None:
            flow = Flow(
                key=definition["key"],
                name=definition["name"],
                is_default=definition["default"],
                procedure=procedure,
            )
            try:
                save_flow(None, flow, ["key", "name", "is_default", "procedure"])
            except IntegrityError:
                # Another process created it at the same moment (many first submissions at
                # once on a new installation): use theirs, committed with its version.
                flow = Flow.objects.select_for_update().get(key=definition["key"])
        latest = flow.published_version()
        if latest is not None and published_signature(latest) == definition_signature(definition):
            return flow, False
        number = (flow.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        version = FlowVersion(flow=flow, number=number)

        def save() -> None:
            version.save()
            states: dict[str, State] = {}
            for key, name, code, start, end in definition["states"]:
                states[key] = State.objects.create(
                    version=version, key=key, name=name, status_code=code, is_start=start, is_end=end
                )
            for position, spec in enumerate(definition["actions"]):
                Action.objects.create(
                    version=version,
                    key=spec["key"],
                    name=spec["name"],
                    from_state=states[spec["from"]],
                    to_state=states[spec["to"]],
                    roles=spec["roles"],
                    conditions=spec.get("conditions", []),
                    duration=spec.get("duration"),
                    duration_unit=spec.get("unit", HOURS),
                    assign_role=spec.get("assign_role", ""),
                    transfers_to_agency_kind=spec.get("kind", ""),
                    returns_to_receiving_agency=spec.get("returns", False),
                    position=position,
                )

        edit_draft(None, version, save)
        publish_version(None, version)
    return flow, True


def delete_draft(actor: User, version: FlowVersion, request: HttpRequest | None = None) -> None:
    """Delete a draft version; published versions stay for ever."""
    require(actor, "workflows.manage", version)
    with transaction.atomic():
        if FlowVersion.objects.select_for_update().get(pk=version.pk).is_published:
            raise ValidationError(_("This version is already published."), code="published")
        record(
            actor,
            "workflows.delete_draft",
            version,
            {"flow": version.flow.key, "number": version.number} | _outline(version),
            request,
        )
        version.delete()


# Running dossiers ----------------------------------------------------------------------------


def waiting_roles(actions: Iterable[Action]) -> str:
    """The roles that may take one of ``actions``, as ``DossierFlow.waiting_roles`` stores them."""
    roles = sorted({role for action in actions for role in action.roles})
    return "," + ",".join(roles) + "," if roles else ""


# A published version never changes, so each process reads its states and actions once.


def _start(version_id: int) -> tuple[int, str]:
    """(start state id, waiting roles) of a published version."""
    known = _starts.get()
    found = known.get(version_id)
    if found is None:
        state = State.objects.prefetch_related("actions_out").get(version_id=version_id, is_start=True)
        found = known[version_id] = (state.pk, waiting_roles(state.actions_out.all()))
    return found


def _read_actions_out(state_id: int) -> dict[str, Action]:
    actions = Action.objects.filter(from_state_id=state_id).select_related("to_state", "target_agency")
    return {action.key: action for action in actions.order_by("position", "pk")}


def actions_out(state_id: int, version: FlowVersion) -> dict[str, Action]:
    """The actions out of a state of ``version`` by key, in the flow's order (read once per
    process for a published version; each caller gets its own instances)."""
    if version.published_at is None:
        return _read_actions_out(state_id)
    known = _actions.get()
    rows = known.get(state_id)
    if rows is None:
        rows = known[state_id] = tuple(
            Row.of(action, "to_state", "target_agency") for action in _read_actions_out(state_id).values()
        )
    actions: list[Action] = [row.instance() for row in rows]
    return {action.key: action for action in actions}


def start_flow(dossier: Dossier, at: datetime.datetime | None = None, *, new: bool = False) -> DossierFlow:
    """Put a submitted dossier on the current flow of its procedure, at the start state, with
    its receiving agency (idempotent; ``new``: the dossier was just created, so has no flow)."""
    if not new:
        existing = DossierFlow.objects.filter(dossier=dossier).first()
        if existing is not None:
            return existing
    version = flow_version_for(dossier.procedure)
    state_id, roles = _start(version.pk)
    (flow,) = insert(
        DossierFlow(
            dossier=dossier,
            version=version,
            state_id=state_id,
            current_agency_id=dossier.receiving_agency_id,
            waiting_roles=roles,
            search_name=fold(dossier.applicant_name)[:200],
            step_started_at=at or dossier.submitted_at or timezone.now(),
            step_due_at=examination_due(dossier, at or dossier.submitted_at or timezone.now()),
        )
    )
    return flow


def restart_examination(dossier: Dossier, at: datetime.datetime) -> None:
    """The applicant completed the dossier at reception: its examination time starts again."""
    DossierFlow.objects.filter(dossier=dossier).update(
        step_started_at=at, step_due_at=examination_due(dossier, at), step_alert_sent=False
    )


def put_on_flow(sender: object, dossier: Dossier, at: datetime.datetime, **kwargs: object) -> None:
    """``dossiers.signals.dossier_created``: the new dossier starts on its flow."""
    start_flow(dossier, at, new=True)


def examine_again(sender: object, dossier: Dossier, at: datetime.datetime, **kwargs: object) -> None:
    """``dossiers.signals.dossier_completed_at_reception``."""
    restart_examination(dossier, at)


def step_due(
    action: Action, start: datetime.datetime, dossier_due: datetime.datetime | None
) -> datetime.datetime | None:
    """When the step ``action`` starts is due: its own duration, else the dossier's due time."""
    if action.duration is None:
        return dossier_due
    if action.duration_unit == DurationUnit.WORKING_DAYS:
        return add_working_days(start, int(action.duration))
    return add_working_hours(start, Decimal(action.duration))


def classify_result(finished_at: datetime.datetime, due_at: datetime.datetime | None) -> str:
    """Early: finished on a day before the due day; on time: by the due time; late: after."""
    if due_at is None or finished_at <= due_at:
        if due_at is not None and timezone.localdate(finished_at) < timezone.localdate(due_at):
            return EARLY
        return ON_TIME
    return LATE


def _is_leader_in_scope(user: Actor, agency_id: int | None) -> bool:
    return agency_id in agency_ids_in_scope(user, Role.LEADER)


def result_signed(dossier: Dossier) -> bool:
    """Whether the electronic result of ``dossier`` has been signed (``tinhso.signing``)."""
    return SignedDocument.objects.filter(dossier=dossier).exists()


def condition_failures(action: Action, dossier: Dossier, flow: DossierFlow) -> list[str]:
    """The Vietnamese reasons why the conditions of ``action`` do not hold (empty: they do)."""
    failures: list[str] = []
    for condition in action.conditions or []:
        if condition == Condition.PAYMENT_RECEIVED:
            if dossier.paid_at is None and may_charge(dossier.procedure, dossier.form_data):
                failures.append(_("The fees have not been paid yet."))
        elif condition == Condition.ALL_DOCUMENTS_PRESENT:
            if missing_documents(dossier):
                failures.append(_("Some required documents are missing."))
        elif condition == Condition.RESULT_SIGNED:
            if not result_signed(dossier):
                failures.append(_("The result has not been signed yet."))
        elif condition == Condition.ASSIGNED and flow.assignee_id is None:
            failures.append(_("The dossier has not been assigned to an officer."))
    return failures


def _may_take(user: Actor, flow: DossierFlow, action: Action) -> bool:
    if not can(user, "workflows.perform_action", Step(flow, action)):
        return False
    if flow.assignee_id and (user is None or flow.assignee_id != user.pk):
        return _is_leader_in_scope(user, flow.current_agency_id) or bool(user and user.is_superuser)
    return True


def available_actions(user: Actor, dossier: Dossier, flow: DossierFlow | None = None) -> list[Action]:
    """The actions ``user`` may take on ``dossier`` now (conditions not yet met included: the
    page explains them when taken). ``flow``: the dossier's flow, if the caller holds it."""
    if flow is None:
        flow = DossierFlow.objects.filter(dossier=dossier).select_related("state", "version").first()
    if flow is None or dossier.status in FINAL or dossier.status in WAITING_FOR_APPLICANT:
        return []
    actions = actions_out(flow.state_id, flow.version).values()
    return [action for action in actions if _may_take(user, flow, action)]


def _target_agency(action: Action, flow: DossierFlow, dossier: Dossier, agency: Agency | None) -> Agency:
    """Where the dossier is after ``action``. A dossier received at a service centre for a
    department is handled by the department from its acceptance; an action "back to the
    receiving agency" brings the result back to the centre that returns it, and any other step
    (an opinion given by a consulted agency) back to the agency handling the dossier."""
    if action.target_agency is not None:
        return action.target_agency
    if action.returns_to_receiving_agency:
        if action.to_state.status_code in (Status.FINISHED, Status.RETURNED):
            return dossier.receiving_agency
        return competent_agency(dossier)
    if (
        action.to_state.status_code == Status.ACCEPTED
        and flow.current_agency_id == dossier.receiving_agency_id
    ):
        return competent_agency(dossier)
    if action.transfers_to_agency_kind:
        if (
            agency is None
            or agency.kind != action.transfers_to_agency_kind
            or not Agency.objects.valid_on().filter(pk=agency.pk).exists()
        ):
            raise ValidationError({"agency": [_("Choose the agency to send the dossier to.")]})
        return agency
    return flow.current_agency


def step_target(action: Action, flow: DossierFlow, dossier: Dossier) -> Agency:
    """Where ``action`` sends the dossier, for an action that needs no agency chosen (the
    officers a page offers as assignees belong there)."""
    return _target_agency(action, flow, dossier, None)


def _check_assignee(action: Action, assignee: User | None, agency: Agency) -> User | None:
    if not action.assign_role:
        return None
    if assignee is None:
        raise ValidationError({"assignee": [_("Choose the officer who handles the next step.")]})
    if assignee.kind != UserKind.OFFICER or agency.pk not in agency_ids_in_scope(
        assignee, action.assign_role
    ):
        raise ValidationError({"assignee": [_("This officer cannot handle the dossier in this agency.")]})
    return assignee


# The dossier's date each status sets, saved with the status change.
STATUS_DATES: dict[int, str] = {
    Status.ACCEPTED: "received_at",
    Status.FINISHED: "finished_at",
    Status.RETURNED: "returned_at",
}


def _enter_status(locked: Dossier, code: int, actor: User, note: str, now: datetime.datetime) -> None:
    """Move the dossier's national status and apply what the new status means for its dates.

    Reception (status 2) issues the dossier code, its date part the reception day: "Mỗi hồ sơ
    thủ tục hành chính sau khi được tiếp nhận sẽ được cấp 01 Mã số hồ sơ được ghi trong Giấy tiếp
    nhận hồ sơ và hẹn trả kết quả" (Decree 118/2025/NĐ-CP Art. 17(3) as amended by Decree
    309/2026/NĐ-CP Art. 8(3)). A counter dossier has it already; the code is issued before the
    status change so that its outbox event carries it, and stored with the reception time, as is
    the dossier's number in the tracking book (``issue_book_number``)."""
    fields: tuple[str, ...] = ()
    if code == Status.ACCEPTED and not locked.code:
        locked.code = issue_code(locked.receiving_agency, now)
        fields = ("code",)
    if code == Status.ACCEPTED and locked.book_number is None:
        locked.book_number = issue_book_number(locked.receiving_agency_id, locked.procedure.field_id, now)
        fields += ("book_number",)
    if code in STATUS_DATES:
        setattr(locked, STATUS_DATES[code], now)
        fields += (STATUS_DATES[code],)
    apply_status_change(locked, code, actor, note, now, fields)
    if code == Status.ACCEPTED:
        if received_across_boundary(locked):
            start = boundary_free_start(locked, now)
            reason = _(
                "Dossier accepted for %(agency)s, the competent agency: the processing time starts "
                "when it receives the dossier."
            ) % {"agency": competent_agency(locked).name}
        else:
            start, reason = now, _("Dossier accepted: the processing time starts.")
        record_due_time_change(
            locked, DueTimeChangeKind.ACCEPTANCE, compute_due_at(locked.procedure, start), reason, actor, now
        )
        dossier_accepted.send(Dossier, dossier=locked, actor=actor, at=now)
    queue_notification(locked, Notification.Kind.STATUS_CHANGED)


def perform_action(
    actor: User,
    dossier: Dossier,
    action_key: str,
    note: str = "",
    assignee: User | None = None,
    agency: Agency | None = None,
    expected_version: int | None = None,
    at: datetime.datetime | None = None,
) -> DossierFlow:
    """Take the action ``action_key`` on ``dossier``: one transaction holding the dossier and its
    flow locked, so of two officers acting at once exactly one wins. Refusals (wrong role,
    agency or state, conditions unmet) change nothing and are audited."""
    try:
        return _perform(actor, dossier, action_key, nfc(note), assignee, agency, expected_version, at)
    except (PermissionDenied, ValidationError) as error:
        record(
            actor,
            "workflows.refused",
            dossier,
            {"action": action_key, "reason": getattr(error, "messages", None) or str(error)},
        )
        raise


def _perform(
    actor: User,
    dossier: Dossier,
    action_key: str,
    note: str,
    assignee: User | None,
    agency: Agency | None,
    expected_version: int | None,
    at: datetime.datetime | None,
) -> DossierFlow:
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": [_("Write at most %(limit)s characters.") % {"limit": MAX_NOTE}]})
    with transaction.atomic():
        locked = lock_dossier(dossier, expected_version)
        flow = (
            DossierFlow.objects.select_for_update(of=("self",))
            .select_related("state", "current_agency", "version")
            .get(dossier=locked)
        )
        flow.dossier = locked  # the caller reads the dossier as the action leaves it
        action = actions_out(flow.state_id, flow.version).get(action_key)
        if action is None:
            raise ValidationError(
                _("This action is not possible in the dossier's current state (%(state)s).")
                % {"state": flow.state.name},
                code="wrong_state",
            )
        if not _may_take(actor, flow, action):
            raise PermissionDenied("workflows.perform_action")
        if locked.status in FINAL or locked.status in WAITING_FOR_APPLICANT:
            raise ValidationError(
                _("A dossier in status “%(status)s” cannot be processed now.")
                % {"status": locked.status_label},
                code="wrong_status",
            )
        failures = condition_failures(action, locked, flow)
        if failures:
            raise ValidationError(failures, code="conditions")
        target = _target_agency(action, flow, locked, agency)
        next_assignee = _check_assignee(action, assignee, target)

        now = at or timezone.now()
        to_state = action.to_state
        if to_state.status_code != locked.status:
            _enter_status(locked, to_state.status_code, actor, note or action.name, now)
        finished = to_state.status_code in (Status.FINISHED, Status.RETURNED)
        if to_state.status_code == Status.FINISHED:
            flow.timing = classify_result(now, locked.due_at)
        insert(
            StepRecord(
                dossier=locked,
                action=action,
                action_name=action.name,
                from_state=flow.state,
                to_state=to_state,
                from_user=actor,
                to_user=next_assignee,
                from_agency=flow.current_agency,
                to_agency=target,
                at=now,
                step_started_at=flow.step_started_at,
                step_due_at=flow.step_due_at,
                on_time=None if flow.step_due_at is None else now <= flow.step_due_at,
                note=note,
            )
        )
        previous = flow.state
        flow.state = to_state
        flow.current_agency = target
        flow.assignee = next_assignee
        flow.waiting_roles = waiting_roles(actions_out(to_state.pk, flow.version).values())
        flow.step_started_at = now
        flow.step_due_at = None if finished or to_state.is_end else step_due(action, now, locked.due_at)
        flow.step_alert_sent = False
        if (
            to_state.status_code == Status.ACCEPTED
            and previous.status_code != Status.ACCEPTED
            and locked.channel == Channel.DIRECT
        ):
            transfer = transfer_due(now)
            flow.step_due_at = min(flow.step_due_at or transfer, transfer)
        flow.save()
        record(
            actor,
            "workflows.perform_action",
            locked,
            {
                "action": action.key,
                "state": [previous.key, to_state.key],
                "agency": target.code,
                "assignee": next_assignee.username if next_assignee else None,
                "note": note,
            },
        )
    return flow
