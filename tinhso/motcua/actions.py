"""The one-stop back office's business actions. Moves along the flow go through
``tinhso.workflows.actions.perform_action``; the others (refuse, supplement, payment, extend,
stop, counter reception) are here, built on the dossier app's building blocks.

- ``accept_dossier(actor, dossier, assignee=None, note="", expected_version=None)`` → status 2
- ``refuse_dossier(actor, dossier, reason, expected_version=None)`` → status 3 (Form 03)
- ``ask_for_supplement(actor, dossier, missing, note="")`` → status 5 (Form 02)
- ``ask_for_payment(actor, dossier, note="")`` → status 6; ``record_cash_payment(actor, dossier)``
- ``extend_dossier(actor, dossier, new_due_at, reason)`` (Form 04): once, at least one working
  day before the due time, in the name of the agency that is late
- ``stop_dossier(actor, dossier, reason)`` → status 8 (Form 05)
- ``grant_withdrawal(actor, dossier, note="")`` → status 8 (Form 05) on the applicant's request;
  ``refuse_withdrawal(actor, dossier, reason)`` → back to the status before the request
- ``receive_at_counter(actor, agency, procedure, applicant, documents, assignee=None, paid=False)``:
  a walk-in's dossier, created, coded, accepted and (``paid``) its cash payment recorded at once,
  each paper document scanned or exempt (``GivenDocument``)
- ``sign_result(actor, dossier, pdf_bytes, title)``: the leader signs the electronic result
- ``attach_draft_result(actor, dossier, upload, title)``: the specialist's draft of the result,
  sent with the dossier to the leader who signs it
- ``record_forged_form(actor, dossier, action_key, fields, request=None)``: audit a form whose
  hidden field or choices were tampered with (the page refuses it)
"""

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import Role, User
from tinhso.accounts.permissions import require
from tinhso.accounts.validators import normalize_phone, validate_cccd
from tinhso.agencies.models import Agency
from tinhso.audit.services import record
from tinhso.core.text import format_datetime, nfc
from tinhso.dossiers import actions as dossier_actions
from tinhso.dossiers.codes import issue_code
from tinhso.dossiers.files import check_and_store, clean_file_name
from tinhso.dossiers.models import (
    Attachment,
    Channel,
    Dossier,
    DueTimeChangeKind,
    Notification,
    SupplementRequest,
)
from tinhso.dossiers.notifications import queue_notification
from tinhso.dossiers.status import CLOCK_RUNNING, FINAL, Status
from tinhso.motcua.models import CopyForm, CounterDocument, DraftResult, Extension, ScanExemption
from tinhso.motcua.rules import STOPPABLE, officer_in, refusable
from tinhso.motcua.signals import dossier_extended, dossier_refused, dossier_stopped
from tinhso.procedures.models import Procedure, RequiredDocument
from tinhso.signing.actions import issue_signed_result
from tinhso.signing.models import SignedDocument
from tinhso.workflows.actions import actions_out, perform_action
from tinhso.workflows.models import DossierFlow
from tinhso.worktime.calendar import add_working_days

MAX_TEXT = 2000

P = ParamSpec("P")
R = TypeVar("R")


def _text(value: str, field: str, message: str) -> str:
    value = nfc(value)
    if not value:
        raise ValidationError({field: [message]})
    if len(value) > MAX_TEXT:
        raise ValidationError({field: [_("Write at most %(limit)s characters.") % {"limit": MAX_TEXT}]})
    return value


def _close_flow(dossier: Dossier) -> None:
    DossierFlow.objects.filter(dossier=dossier).update(waiting_roles="", step_due_at=None)


def _audited(
    actor: User, dossier: Dossier, name: str, function: Callable[P, R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """Run ``function``; a refusal is audited before it propagates."""
    try:
        return function(*args, **kwargs)
    except (PermissionDenied, ValidationError) as error:
        record(
            actor,
            "motcua.refused",
            dossier,
            {"action": name, "reason": getattr(error, "messages", str(error))},
        )
        raise


def accept_dossier(
    actor: User,
    dossier: Dossier,
    assignee: User | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Dossier:
    """Receive a dossier (status 2, due time from now): the flow's action from its current state
    into status 2, which issues the dossier code of the reception day to an online submission
    (``tinhso.workflows.actions``; Decree 118/2025/NĐ-CP Art. 17(3) as amended by Decree
    309/2026/NĐ-CP Art. 8(3))."""
    flow = DossierFlow.objects.select_related("version").filter(dossier=dossier).first()
    action = (
        next(
            (
                a
                for a in actions_out(flow.state_id, flow.version).values()
                if a.to_state.status_code == Status.ACCEPTED
            ),
            None,
        )
        if flow is not None
        else None
    )
    if action is None:
        exc = ValidationError(_("This dossier cannot be accepted in its current state."), code="wrong_state")
        record(actor, "motcua.refused", dossier, {"action": "accept", "reason": exc.messages})
        raise exc
    perform_action(
        actor, dossier, action.key, note=note, assignee=assignee, expected_version=expected_version
    )
    dossier.refresh_from_db()
    return dossier


def _refuse(actor: User, dossier: Dossier, reason: str, expected_version: int | None) -> Dossier:
    require(actor, "motcua.receive", dossier)
    reason = _text(reason, "reason", _("Give the reason for refusing the dossier."))
    with transaction.atomic():
        locked = dossier_actions.lock_dossier(dossier, expected_version)
        if not refusable(locked):
            raise ValidationError(
                _("Only a dossier that has not been accepted can be refused."), code="wrong_state"
            )
        from_status = locked.status
        now = timezone.now()
        dossier_actions.apply_status_change(locked, Status.REFUSED, actor, reason, now)
        dossier_refused.send(Dossier, dossier=locked, actor=actor, at=now)
        _close_flow(locked)
        record(actor, "motcua.refuse", locked, {"status": [from_status, Status.REFUSED], "reason": reason})
        queue_notification(locked, Notification.Kind.STATUS_CHANGED)
    return locked


def refuse_dossier(
    actor: User, dossier: Dossier, reason: str, expected_version: int | None = None
) -> Dossier:
    """Refuse to accept the dossier (status 3), with the reason printed on Form 03."""
    return _audited(actor, dossier, "refuse", _refuse, actor, dossier, reason, expected_version)


def ask_for_supplement(
    actor: User, dossier: Dossier, missing: list[str], note: str = "", expected_version: int | None = None
) -> SupplementRequest:
    """Status 5, listing exactly what is missing (Form 02); the dossier app applies the clock rule."""
    if dossier.status in FINAL:
        raise ValidationError(_("This dossier is closed."), code="closed")
    return _audited(
        actor,
        dossier,
        "supplement",
        dossier_actions.request_supplement,
        actor,
        dossier,
        missing,
        note,
        expected_version,
    )


def ask_for_payment(
    actor: User, dossier: Dossier, note: str = "", expected_version: int | None = None
) -> Dossier:
    """Status 6: the applicant must pay the fees before the dossier goes on."""
    return _audited(
        actor,
        dossier,
        "payment",
        dossier_actions.request_payment,
        actor,
        dossier,
        nfc(note),
        expected_version,
    )


def record_cash_payment(actor: User, dossier: Dossier, note: str = "") -> Dossier:
    """The fees were paid in cash at the counter."""
    note = nfc(note) or _("Fees paid in cash at the counter.")
    return _audited(actor, dossier, "cash_payment", dossier_actions.mark_paid, actor, dossier, note)


def may_extend_at(now: datetime.datetime, due_at: datetime.datetime) -> bool:
    """Whether an extension issued at ``now`` is in time: at least one working day before the due
    time (Decree 61/2018/NĐ-CP Art. 19(9)(a), kept by Decree 118/2025/NĐ-CP: "chậm nhất 01
    ngày trước ngày hết hạn"), i.e. one working day after ``now`` is not past ``due_at``."""
    return add_working_days(now, 1) <= due_at


def _late_agency(actor: User, dossier: Dossier, flow: DossierFlow) -> Agency:
    """The agency in whose name the apology is written: the agency at fault for the delay
    (Decree 61/2018/NĐ-CP Art. 19(9)(a), "cơ quan … để quá hạn"), i.e. the one whose leader asks,
    the agency holding the dossier first."""
    for agency in (flow.current_agency, dossier.receiving_agency):
        if agency is not None and officer_in(actor, [agency.pk], Role.LEADER):
            return agency
    return flow.current_agency


def _extend(
    actor: User,
    dossier: Dossier,
    new_due_at: datetime.datetime | None,
    reason: str,
    expected_version: int | None,
) -> Extension:
    require(actor, "motcua.extend", dossier)
    reason = _text(reason, "reason", _("Give the reason for the extension."))
    with transaction.atomic():
        locked = dossier_actions.lock_dossier(dossier, expected_version)
        if locked.status not in CLOCK_RUNNING or locked.due_at is None:
            raise ValidationError(_("Only a dossier being processed can be extended."), code="wrong_state")
        if Extension.objects.filter(dossier=locked).exists():
            raise ValidationError(
                _("This dossier has already been extended once; the due time may be extended only once."),
                code="already_extended",
            )
        now = timezone.now()
        if not may_extend_at(now, locked.due_at):
            raise ValidationError(
                _(
                    "An extension must be issued at least one working day before the due time "
                    "(%(due)s); it is too late to extend this dossier."
                )
                % {"due": format_datetime(locked.due_at)},
                code="too_late",
            )
        if new_due_at is None or new_due_at <= locked.due_at:
            raise ValidationError({"new_due_at": [_("The new due time must be after the current one.")]})
        flow = DossierFlow.objects.select_for_update().select_related("current_agency").get(dossier=locked)
        agency = _late_agency(actor, locked, flow)
        extension = Extension.objects.create(
            dossier=locked,
            agency=agency,
            old_due_at=locked.due_at,
            new_due_at=new_due_at,
            reason=reason,
            at=now,
            actor=actor,
        )
        dossier_actions.record_due_time_change(
            locked, DueTimeChangeKind.EXTENSION, new_due_at, reason, actor, now
        )
        dossier_extended.send(Dossier, dossier=locked, agency=agency, actor=actor, at=now)
        flow.alert_level = DossierFlow.ALERT_NONE
        flow.save(update_fields=["alert_level"])
        record(
            actor,
            "motcua.extend",
            locked,
            {
                "due_at": [extension.old_due_at, new_due_at],
                "reason": reason,
                "agency": agency.code,
            },
        )
    return extension


def extend_dossier(
    actor: User,
    dossier: Dossier,
    new_due_at: datetime.datetime | None,
    reason: str,
    expected_version: int | None = None,
) -> Extension:
    """Extend the due time with an apology to the applicant (Form 04), in the name of and
    counted against the agency that is late; refused a second time or later than one working
    day before the due time."""
    return _audited(actor, dossier, "extend", _extend, actor, dossier, new_due_at, reason, expected_version)


def _stop(actor: User, dossier: Dossier, reason: str, expected_version: int | None) -> Dossier:
    require(actor, "motcua.extend", dossier)
    reason = _text(reason, "reason", _("Give the reason for stopping."))
    with transaction.atomic():
        locked = dossier_actions.lock_dossier(dossier, expected_version)
        if locked.status not in STOPPABLE:
            raise ValidationError(
                _("A dossier in status “%(status)s” cannot be stopped.") % {"status": locked.status_label},
                code="wrong_state",
            )
        from_status = locked.status
        now = timezone.now()
        dossier_actions.apply_status_change(locked, Status.STOPPED, actor, reason, now)
        dossier_actions.record_due_time_change(locked, DueTimeChangeKind.STOP, None, reason, actor, now)
        dossier_stopped.send(Dossier, dossier=locked, actor=actor, at=now)
        _close_flow(locked)
        record(actor, "motcua.stop", locked, {"status": [from_status, Status.STOPPED], "reason": reason})
        queue_notification(locked, Notification.Kind.STATUS_CHANGED)
    return locked


def stop_dossier(actor: User, dossier: Dossier, reason: str, expected_version: int | None = None) -> Dossier:
    """Stop processing (status 8, Form 05); a withdrawal request is decided by
    ``grant_withdrawal`` instead."""
    return _audited(actor, dossier, "stop", _stop, actor, dossier, reason, expected_version)


def _withdrawal_request(dossier: Dossier) -> tuple[str, int]:
    """The applicant's pending withdrawal request: its reason and the status the dossier was in;
    refuses when there is none."""
    request = None
    if dossier.status == Status.WITHDRAWN:
        request = dossier.status_changes.filter(to_status=Status.WITHDRAWN).order_by("-at", "-pk").first()
    if request is None or request.from_status is None:
        raise ValidationError(_("The applicant has not asked to withdraw this dossier."), code="no_request")
    return request.note, request.from_status


def _grant_withdrawal(actor: User, dossier: Dossier, note: str, expected_version: int | None) -> Dossier:
    require(actor, "motcua.decide_withdrawal", dossier)
    note = nfc(note)
    if len(note) > MAX_TEXT:
        raise ValidationError({"note": [_("Write at most %(limit)s characters.") % {"limit": MAX_TEXT}]})
    with transaction.atomic():
        locked = dossier_actions.lock_dossier(dossier, expected_version)
        requested_because, _from_status = _withdrawal_request(locked)
        reason = _("Stopped at the applicant's request: %(reason)s") % {"reason": requested_because}
        if note:
            reason = f"{reason} {note}"
        now = timezone.now()
        dossier_actions.apply_status_change(locked, Status.STOPPED, actor, reason, now)
        if locked.due_at is not None:
            dossier_actions.record_due_time_change(locked, DueTimeChangeKind.STOP, None, reason, actor, now)
        dossier_stopped.send(Dossier, dossier=locked, actor=actor, at=now)
        _close_flow(locked)
        record(
            actor,
            "motcua.grant_withdrawal",
            locked,
            {"status": [Status.WITHDRAWN, Status.STOPPED], "reason": reason},
        )
        queue_notification(locked, Notification.Kind.STATUS_CHANGED)
    return locked


def grant_withdrawal(
    actor: User, dossier: Dossier, note: str = "", expected_version: int | None = None
) -> Dossier:
    """Stop the dossier the applicant asked to withdraw (status 7 → 8); the stop notice is
    Form 05 (Decree 118/2025/NĐ-CP Art. 21(1); Circular 03/2025/TT-VPCP Art. 7)."""
    return _audited(
        actor, dossier, "grant_withdrawal", _grant_withdrawal, actor, dossier, note, expected_version
    )


def _refuse_withdrawal(actor: User, dossier: Dossier, reason: str, expected_version: int | None) -> Dossier:
    require(actor, "motcua.decide_withdrawal", dossier)
    reason = _text(reason, "reason", _("Give the reason for refusing the withdrawal."))
    with transaction.atomic():
        locked = dossier_actions.lock_dossier(dossier, expected_version)
        _requested_because, resumed = _withdrawal_request(locked)
        dossier_actions.apply_status_change(locked, resumed, actor, reason)
        record(
            actor,
            "motcua.refuse_withdrawal",
            locked,
            {"status": [Status.WITHDRAWN, resumed], "reason": reason},
        )
        queue_notification(locked, Notification.Kind.STATUS_CHANGED)
    return locked


def refuse_withdrawal(
    actor: User, dossier: Dossier, reason: str, expected_version: int | None = None
) -> Dossier:
    """Refuse the applicant's withdrawal request because the competent body has already decided
    (Circular 03/2025/TT-VPCP Art. 7): the dossier goes on from where it was, due time unchanged."""
    return _audited(
        actor, dossier, "refuse_withdrawal", _refuse_withdrawal, actor, dossier, reason, expected_version
    )


@dataclass
class GivenDocument:
    """One document a walk-in applicant gives: ``required_document`` (of the procedure) or
    ``name``, the form it is given in (``CopyForm``), how many, and its scan (``file``) or why it
    has none (``exemption``, a ``ScanExemption``)."""

    copy_form: str
    required_document: RequiredDocument | None = None
    name: str = ""
    file: File[bytes] | None = None
    exemption: str = ""
    quantity: int = 1


def _check_documents(procedure: Procedure, documents: list[GivenDocument]) -> list[str]:
    """What is wrong with the documents given, as messages. Paper dossiers are digitised at
    reception (Decree 118/2025/NĐ-CP Art. 17(1)(c)) except the cases of Circular 03/2025/TT-VPCP
    Art. 5 (``ScanExemption``); an electronic copy is its file."""
    errors: list[str] = []
    for document in documents:
        if document.required_document is not None and document.required_document.procedure_id != procedure.pk:
            errors.append(_("This document is not part of the procedure."))
        if document.required_document is None and not nfc(document.name):
            errors.append(_("Name each document the applicant gives."))
        if document.copy_form not in CopyForm.values:
            errors.append(
                _("Say whether each document is an original, a certified copy, a copy or electronic.")
            )
        if not 1 <= document.quantity <= 99:
            errors.append(_("The number of copies must be from 1 to 99."))
        if document.exemption and document.exemption not in ScanExemption.values:
            errors.append(_("Choose a reason from the list for not scanning a document."))
        elif document.exemption and document.file is not None:
            errors.append(_("A document is either scanned or exempt from scanning, not both."))
        elif document.file is None and not document.exemption:
            errors.append(
                _("Scan every paper document, or give the reason it need not be scanned.")
                if document.copy_form != CopyForm.ELECTRONIC
                else _("Attach the file of each electronic copy.")
            )
    return list(dict.fromkeys(errors))


def receive_at_counter(
    actor: User,
    agency: Agency,
    procedure: Procedure,
    applicant: Mapping[str, str | None],
    documents: list[GivenDocument],
    assignee: User | None = None,
    paid: bool = False,
) -> Dossier:
    """A walk-in citizen's dossier: created with the applicant's details (the phone number stored
    as +84…, like an online applicant's, so tracking and SMS work the same), received at once so
    coded at once (Decree 118/2025/NĐ-CP Art. 17(3) as amended by Decree 309/2026/NĐ-CP
    Art. 8(3)), the
    documents given recorded with their form and scan (``GivenDocument``), accepted and, when
    ``paid``, its fees recorded as paid in cash. All in one transaction: if any step fails,
    nothing is kept (no dossier, its code given back, its files deleted by the storage).

    ``applicant`` = {"name", "cccd", "phone", "email", "address"}."""
    require(actor, "motcua.receive_at_counter", agency)
    errors: dict[str, list[str]] = {}
    name = nfc(applicant.get("name", ""))
    if not name:
        errors["name"] = [_("Enter the applicant's full name.")]
    contact = {}
    # Each check raises on a wrong value; validate_cccd and normalize_phone return the stored form.
    for field, check in (("cccd", validate_cccd), ("phone", normalize_phone), ("email", validate_email)):
        contact[field] = nfc(applicant.get(field, ""))
        if contact[field]:
            try:
                contact[field] = check(contact[field]) or contact[field]
            except ValidationError as error:
                errors[field] = error.messages
    document_errors = _check_documents(procedure, documents)
    if document_errors:
        errors["documents"] = document_errors
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        now = timezone.now()
        dossier = Dossier.objects.create(
            code=issue_code(agency, now),
            procedure=procedure,
            applicant_name=name,
            applicant_cccd=contact["cccd"],
            applicant_phone=contact["phone"],
            applicant_email=contact["email"],
            applicant_address=nfc(applicant.get("address", "")),
            receiving_agency=agency,
            channel=Channel.DIRECT,
            is_draft=False,
            submitted_at=now,
        )
        for document in documents:
            scan = None
            if document.file is not None:
                stored = check_and_store(document.file)
                scan = Attachment.objects.create(
                    dossier=dossier,
                    required_document=document.required_document,
                    original_name=clean_file_name(getattr(document.file, "name", "")),
                    file=stored.name,
                    content_type=stored.content_type,
                    size=stored.size,
                    sha256=stored.sha256,
                    uploaded_by=actor,
                )
            CounterDocument.objects.create(
                dossier=dossier,
                required_document=document.required_document,
                name=document.required_document.name if document.required_document else nfc(document.name),
                copy_form=document.copy_form,
                quantity=document.quantity,
                scan=scan,
                scan_exemption=document.exemption,
            )
        dossier_actions.record_new_dossier(dossier, actor, now)
        record(
            actor,
            "motcua.receive_at_counter",
            dossier,
            {
                "code": dossier.code,
                "files": sum(1 for document in documents if document.file is not None),
                "documents": [[document.copy_form, document.exemption] for document in documents],
            },
        )
        accept_dossier(actor, dossier, assignee=assignee)
        if paid:
            record_cash_payment(actor, dossier)
    dossier.refresh_from_db()
    return dossier


def record_forged_form(
    actor: User, dossier: Dossier, action_key: str, fields: list[str], request: HttpRequest | None = None
) -> None:
    """A posted action form carried values its page never offered (a choice outside the list, a
    malformed hidden field): nothing is done, the attempt is audited."""
    record(
        actor,
        "motcua.refused",
        dossier,
        {"action": action_key, "reason": "forged form", "fields": sorted(fields)},
        request=request,
    )


def sign_result(actor: User, dossier: Dossier, pdf_bytes: bytes, title: str) -> SignedDocument:
    """The leader signs the dossier's electronic result (``tinhso.signing``)."""
    return _audited(actor, dossier, "sign", issue_signed_result, actor, dossier, pdf_bytes, title)


def attach_draft_result(actor: User, dossier: Dossier, upload: File[bytes], title: str) -> DraftResult:
    """Attach a draft of the result (a PDF) for the leader to read and sign."""
    return _audited(actor, dossier, "attach_draft", _attach_draft_result, actor, dossier, upload, title)


def _attach_draft_result(actor: User, dossier: Dossier, upload: File[bytes], title: str) -> DraftResult:
    require(actor, "motcua.attach_draft", dossier)
    title = _text(title, "title", _("Enter the title of the result."))
    if len(title) > 255:
        raise ValidationError({"title": [_("Write at most %(limit)s characters.") % {"limit": 255}]})
    if dossier.status not in (Status.ACCEPTED, Status.PROCESSING):
        raise ValidationError(_("A draft result is attached while the dossier is being processed."))
    stored = check_and_store(upload)
    try:
        if stored.content_type != "application/pdf":
            raise ValidationError({"file": [_("The draft result must be a PDF document.")]})
        with transaction.atomic():
            draft = DraftResult.objects.create(
                dossier=dossier,
                title=title,
                file=stored.name,
                size=stored.size,
                sha256=stored.sha256,
                uploaded_at=timezone.now(),
                uploaded_by=actor,
            )
            record(actor, "motcua.attach_draft_result", dossier, {"title": title, "sha256": stored.sha256})
    except Exception:
        default_storage.delete(stored.name)
        raise
    return draft
