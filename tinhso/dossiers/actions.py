"""Business actions on dossiers: each checks permission, changes state in one transaction and
writes the audit entry. Status changes all go through ``apply_status_change`` (the national
transition rules of ``tinhso.dossiers.status``, the history, the outbox event).

Public for other apps (payments, back office):

- ``change_status(actor, dossier, to_status, note="", expected_version=None)``
- ``request_payment(actor, dossier, note="", expected_version=None)`` → status 6
- ``mark_paid(actor, dossier, note="")`` → records ``paid_at``; a dossier in status 6 goes back
  to the status it was in when the payment was requested (``actor`` None = the gateway)
- ``request_supplement(actor, dossier, missing, note)`` / ``answer_supplement_request(...)``
- ``rate_dossier(actor, dossier, stars, comment="")`` → ``DossierRating``; ``can_be_rated(dossier)``
- ``lock_dossier``, ``apply_status_change``, ``record_due_time_change``, ``compute_due_at``:
  building blocks for the back office's own actions (receive, process, extend, stop…).

Supplement requests and the clock (Decree 118/2025/NĐ-CP, keeping the rule of Decree
61/2018/NĐ-CP): an officer who finds an accepted dossier incomplete notifies the applicant once,
listing everything missing (Form 02); the processing time is then counted again from the start
once the complete dossier is received. So a request during processing clears the due time
(recorded as a ``supplement`` change), and the answer sets a new due time of the procedure's full
processing time from the moment of the answer (recorded as ``supplemented``). A request at
reception (status 1) changes no due time: the clock only starts at acceptance.
"""

import datetime
from collections.abc import Callable, Container, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.accounts.permissions import require
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.audit.services import record
from tinhso.core.reference import Instances, ReferenceCache, Row
from tinhso.core.rows import insert
from tinhso.core.sql import sql
from tinhso.core.text import nfc
from tinhso.dossiers import answers
from tinhso.dossiers.codes import new_submission_reference
from tinhso.dossiers.files import StoredFile, check_and_store, clean_file_name
from tinhso.dossiers.models import (
    Attachment,
    Channel,
    Dossier,
    DossierEvent,
    DossierEventKind,
    DossierRating,
    DossierStatusChange,
    DueTimeChange,
    DueTimeChangeKind,
    IdempotencyKey,
    Notification,
    PersonalDocument,
    SupplementRequest,
    TrackingFailure,
)
from tinhso.dossiers.notifications import queue_notification
from tinhso.dossiers.signals import (
    dossier_completed_at_reception,
    dossier_created,
    outbox_written,
    supplement_requested,
)
from tinhso.dossiers.status import WITHDRAWABLE, Status, check_transition
from tinhso.procedures.boundary import reception_rules
from tinhso.procedures.fees import may_charge
from tinhso.procedures.models import (
    BoundaryFreeList,
    Level,
    OnlineLevel,
    Procedure,
    ReceptionScope,
    RequiredDocument,
    TimeUnit,
    boundary_free_lists,
)
from tinhso.units.services import unit_by_code
from tinhso.worktime.calendar import (
    add_working_days,
    add_working_hours,
    end_of_days,
    same_day_due,
    working_time_between,
)

MAX_NOTE = 2000
MAX_RATING_COMMENT = 1000


# Building blocks ---------------------------------------------------------------------------


def lock_dossier(dossier: Dossier, expected_version: int | None = None) -> Dossier:
    """The dossier re-read under a row lock; refuses when someone changed it since
    ``expected_version`` (optimistic check for forms showing an older state)."""
    locked = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "receiving_agency")
        .get(pk=dossier.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(
            _("Someone else has just changed this dossier. Reload the page and try again."), code="stale"
        )
    return locked


def apply_status_change(
    dossier: Dossier,
    to_status: int,
    actor: User | None = None,
    note: str = "",
    at: datetime.datetime | None = None,
    fields: tuple[str, ...] = (),
) -> DossierStatusChange:
    """Move a locked dossier to ``to_status`` (checked against the national rules), bump its
    version, keep the history and write the outbox event. ``fields``: other fields the caller
    set on the dossier, saved in the same statement. The caller saves the rest, audits, and
    holds the transaction."""
    at = at or timezone.now()
    from_status = dossier.status
    check_transition(from_status, to_status)
    dossier.status = to_status
    version = dossier.version
    dossier.version = F("version") + 1
    dossier.save(update_fields=["status", "version", "updated_at", *fields])
    dossier.version = version + 1  # the row is locked: nobody else moved it since it was read
    (event,) = insert(
        DossierEvent(
            dossier=dossier,
            code=dossier.display_code,
            status=to_status,
            agency_code=dossier.receiving_agency.code,
            occurred_at=at,
        )
    )
    outbox_written.send(DossierEvent, event=event)
    (change,) = insert(
        DossierStatusChange(
            dossier=dossier, from_status=from_status, to_status=to_status, at=at, actor=actor, note=nfc(note)
        )
    )
    return change


def record_due_time_change(
    dossier: Dossier,
    kind: str,
    new_due_at: datetime.datetime | None,
    reason: str = "",
    actor: User | None = None,
    at: datetime.datetime | None = None,
) -> DueTimeChange:
    """Set the dossier's due time and keep the change with its reason."""
    (change,) = insert(
        DueTimeChange(
            dossier=dossier,
            kind=kind,
            old_due_at=dossier.due_at,
            new_due_at=new_due_at,
            reason=nfc(reason),
            at=at or timezone.now(),
            actor=actor,
        )
    )
    dossier.due_at = new_due_at
    dossier.save(update_fields=["due_at", "updated_at"])
    return change


def compute_due_at(procedure: Procedure, start: datetime.datetime) -> datetime.datetime:
    """The due time of ``procedure``'s full processing time counted from ``start``: calendar days
    end at the end of the last day, or of the next working day when it is a day off (Civil Code
    2015 arts. 147–148); same-day procedures by the end of the day, the next working day when
    received after 15:00."""
    if procedure.processing_unit == TimeUnit.WORKING_HOURS:
        return add_working_hours(start, procedure.processing_time)
    if procedure.processing_unit == TimeUnit.DAYS:
        return end_of_days(start, procedure.processing_time)
    if procedure.processing_unit == TimeUnit.SAME_DAY:
        return same_day_due(start)
    return add_working_days(start, procedure.processing_time)


def _note(text: str, required: bool, message: str) -> str:
    text = nfc(text)
    if required and not text:
        raise ValidationError({"note": [message]})
    if len(text) > MAX_NOTE:
        raise ValidationError({"note": [_("Write at most %(limit)s characters.") % {"limit": MAX_NOTE}]})
    return text


# Drafts ------------------------------------------------------------------------------------


def receiving_agencies(procedure: Procedure) -> QuerySet[Agency]:
    """Where a dossier of ``procedure`` may be submitted (Decree 118/2025/NĐ-CP Art. 14):

    - a province-level procedure at the provincial public-administration service centre, which
      receives the procedures of the provincial departments (Art. 14(1)); its implementing
      agencies handle the dossier (``competent_agency``). Only a province without a service
      centre receives at the implementing agencies themselves;
    - a commune procedure without implementing agencies (every commune implements it, for its
      own commune) at every commune centre;
    - any other procedure at its implementing agencies;
    - and a procedure on a list of procedures received regardless of administrative boundary
      in force today (``BoundaryFreeList``: the province's, Art. 14, or the nationwide list of
      Art. 14(4) as added by Decree 309/2026/NĐ-CP Art. 7(2)) at every commune centre of the
      province, and at the provincial centre when the list says so (the nationwide list always:
      "Trung tâm Phục vụ hành chính công cấp tỉnh và … cấp xã tiếp nhận").

    Decree 309/2026 Art. 7 was read (luatvietnam copy); the wording of Decree 118/2025 Art. 14(1)
    to (3) was not, only its summary in the legal research note. ``received_procedures`` reads
    these rules the other way and must change with them."""
    links = Procedure.agencies.through.objects.filter(procedure=procedure)
    allowed = Q(pk__in=links.values("agency_id"))
    agencies = Agency.objects.valid_on()
    if procedure.level == Level.PROVINCE:
        centres = agencies.filter(kind=AgencyKind.SERVICE_CENTRE)
        if centres.exists():
            allowed = Q(pk__in=centres.values("pk"))
    elif procedure.level == Level.COMMUNE:
        allowed |= Q(~Exists(links), kind=AgencyKind.ONE_STOP_DESK)
    lists = list(boundary_free_lists(procedure))
    if lists:
        allowed |= Q(kind=AgencyKind.ONE_STOP_DESK)
        if any(item.receives_at_provincial_centre for item in lists):
            allowed |= Q(kind=AgencyKind.SERVICE_CENTRE)
    return agencies.filter(allowed).order_by("name_folded")


def received_procedures(agencies: Iterable[Agency]) -> QuerySet[Procedure]:
    """The procedures in force that one of ``agencies`` receives: those for which
    ``receiving_agencies`` names one of them, by the same rules read the other way (Decree
    118/2025/NĐ-CP Art. 14; boundary-free lists, Art. 14(4) as added by Decree 309/2026/NĐ-CP
    Art. 7(2)), in one statement for the counter page instead of one per procedure of the
    catalogue. A change to either function changes the other: the tests compare them for every
    agency of the demo province."""
    valid = Agency.objects.valid_on().filter(pk__in=[agency.pk for agency in agencies])
    ids = list(valid.values_list("pk", flat=True))
    kinds = set(valid.values_list("kind", flat=True))
    links = Procedure.agencies.through.objects
    allowed = Q(pk__in=links.filter(agency_id__in=ids).values("procedure_id"))
    if Agency.objects.valid_on().filter(kind=AgencyKind.SERVICE_CENTRE).exists():
        # Province-level procedures are received at the service centre, not where they are handled.
        allowed &= ~Q(level=Level.PROVINCE)
        if AgencyKind.SERVICE_CENTRE in kinds:
            allowed |= Q(level=Level.PROVINCE)
    lists = BoundaryFreeList.objects.in_force()
    if AgencyKind.ONE_STOP_DESK in kinds:
        unlinked = ~Exists(links.filter(procedure=OuterRef("pk")))
        allowed |= Q(unlinked, level=Level.COMMUNE) | Q(code__in=lists.values("procedures__code"))
    if AgencyKind.SERVICE_CENTRE in kinds:
        at_centre = lists.filter(Q(scope=ReceptionScope.NATIONWIDE) | Q(at_provincial_centre=True))
        allowed |= Q(code__in=at_centre.values("procedures__code"))
    return Procedure.objects.current().filter(allowed)


def _home_commune_agency(dossier: Dossier, receiving: Agency) -> Agency | None:
    """The agency competent for a dossier received regardless of boundary: the commune centre of
    the applicant's commune (among the procedure's implementing agencies when it names some),
    when that is not the one that received it. Procedures whose competent commune is another
    place than the applicant's (e.g. where the land lies) are not modelled. Read from the
    process's copy of the catalogue (``tinhso.procedures.boundary``)."""
    if dossier.applicant_unit_id in (None, receiving.unit_id):
        return None
    rules = reception_rules()
    if not rules.is_boundary_free(dossier.procedure):
        return None
    implementing = rules.implementing_agency_ids(dossier.procedure_id)
    home = rules.first_agency_of_commune(
        dossier.applicant_unit_id, kind=AgencyKind.ONE_STOP_DESK, among=implementing
    )
    return home if home is not None and home.pk != receiving.pk else None


def competent_agency(dossier: Dossier) -> Agency:
    """The agency that handles ``dossier``: the agency that received it, except

    - a dossier of a procedure received regardless of boundary (``BoundaryFreeList``), which
      goes to its applicant's commune (``_home_commune_agency``; Decree 118/2025 Art. 14);
    - a dossier received at a public-administration service centre for a procedure of other
      agencies, or at a commune centre for a listed procedure of a higher level, which goes to
      the procedure's first implementing agency that is not a centre itself (Decree 118/2025
      Art. 14(1); the centre receives and returns the result, the department decides)."""
    receiving = dossier.receiving_agency
    home = _home_commune_agency(dossier, receiving)
    if home is not None:
        return home
    higher_at_commune = (
        receiving.kind == AgencyKind.ONE_STOP_DESK and dossier.procedure.level != Level.COMMUNE
    )
    if receiving.kind != AgencyKind.SERVICE_CENTRE and not higher_at_commune:
        return receiving
    handling = (
        Agency.objects.valid_on()
        .filter(
            pk__in=Procedure.agencies.through.objects.filter(procedure_id=dossier.procedure_id).values(
                "agency_id"
            )
        )
        .exclude(kind=AgencyKind.SERVICE_CENTRE)
        .order_by("code")
        .first()
    )
    return handling or receiving


def boundary_errors(procedure: Procedure, agency: Agency, unit_id: int | None) -> dict[str, list[str]]:
    """A commune procedure that every commune implements for its own commune, on no list of
    procedures received regardless of boundary, is received by the centre of the applicant's
    commune only (Decree 118/2025/NĐ-CP Art. 14; Art. 17(2)(a) as amended by Decree 309/2026
    Art. 8(1): a dossier outside the receiver's competence is sent to the competent agency).
    Nothing is checked for an applicant living outside the province's communes."""
    if unit_id is None or procedure.level != Level.COMMUNE or agency.unit_id == unit_id:
        return {}
    rules = reception_rules()
    if rules.implementing_agency_ids(procedure.pk) or rules.is_boundary_free(procedure):
        return {}
    home = rules.first_agency_of_commune(unit_id, kind=AgencyKind.ONE_STOP_DESK)
    if home is None:
        return {}
    message = _(
        "%(agency)s receives this procedure only for its own commune: submit it to %(home)s, the "
        "centre of the commune where you live."
    ) % {"agency": agency.name, "home": home.name}
    return {"receiving_agency": [message]}


def received_across_boundary(dossier: Dossier) -> bool:
    """Whether ``dossier`` was received regardless of boundary by an agency that is not the
    competent one, which it is transferred to."""
    return _home_commune_agency(dossier, dossier.receiving_agency) is not None


@dataclass(frozen=True)
class InForce:
    """A procedure in force as an online submission uses it (fresh instances for each caller)."""

    procedure: Procedure
    documents: dict[int, RequiredDocument]
    agencies: Mapping[Hashable, Agency]  # where it may be submitted, by code


# A procedure in force as kept: its row, its documents' rows, its receiving agencies' rows by code.
KeptProcedure = tuple[Row, tuple[Row, ...], Mapping[Hashable, Row]]
_in_force: ReferenceCache[dict[str, KeptProcedure]] = ReferenceCache("catalogue", lambda day: {})


def procedure_in_force(code: str) -> InForce | None:
    """The procedure in force with ``code``, its documents and receiving agencies, read once per
    server process while the catalogue stays the same (the copy keeps their values)."""
    known = _in_force.get()
    found = known.get(code)
    if found is None:
        procedure = Procedure.objects.current().filter(code=code).first()
        if procedure is None:
            return None
        found = known[code] = (
            Row.of(procedure),
            tuple(Row.of(document) for document in procedure.documents.all()),
            {agency.code: Row.of(agency) for agency in receiving_agencies(procedure)},
        )
    kept, documents, agencies = found
    instances = [row.instance() for row in documents]
    return InForce(kept.instance(), {document.pk: document for document in instances}, Instances(agencies))


def applicant_fields() -> list[dict[str, Any]]:
    """The page every dossier starts with: how to reach the applicant, their address."""
    return [
        {
            "name": "phone",
            "label": _("Mobile phone number"),
            "type": "text",
            "format": "phone",
            "required": True,
            "hint": _("We send news of your dossier to this number; it also lets you track the dossier."),
        },
        {"name": "email", "label": _("Email address"), "type": "text", "format": "email"},
        {"name": "address", "label": _("Permanent address"), "type": "address", "required": True},
    ]


def applicant_answers(dossier: Dossier) -> dict[str, Any]:
    data: dict[str, Any] = {"phone": dossier.applicant_phone, "email": dossier.applicant_email}
    unit = dossier.applicant_unit
    if unit is not None:
        data["address"] = {"commune": unit.code, "detail": dossier.applicant_address}
    elif dossier.applicant_address:
        data["address"] = {"outside": True, "detail": dossier.applicant_address}
    return {key: value for key, value in data.items() if value}


def _date_of_birth(applicant: User | None) -> str:
    return applicant.date_of_birth.isoformat() if applicant is not None and applicant.date_of_birth else ""


# The questions of a group marked ``"from_account": true`` (e.g. the requester of a birth
# registration) that the applicant's account and contact details answer in advance.
ACCOUNT_ANSWERS: dict[str, Callable[[Dossier], Any]] = {
    "ho_ten": lambda dossier: dossier.applicant_name,
    "so_dinh_danh": lambda dossier: dossier.applicant_cccd,
    "ngay_sinh": lambda dossier: _date_of_birth(dossier.applicant),
    "dien_thoai": lambda dossier: dossier.applicant_phone,
    "email": lambda dossier: dossier.applicant_email,
    "noi_cu_tru": lambda dossier: applicant_answers(dossier).get("address"),
}


def answers_with_account(dossier: Dossier, fields: list[dict[str, Any]]) -> dict[str, Any]:
    """The draft's answers, where a group of ``fields`` marked ``from_account`` that has no
    answer yet is filled from the applicant's account (the citizen checks and corrects it)."""
    data = dict(dossier.form_data or {})
    for field in fields:
        if field["type"] == "group" and field.get("from_account") and field["name"] not in data:
            known = {
                inner["name"]: ACCOUNT_ANSWERS[inner["name"]](dossier)
                for inner in field["fields"]
                if inner["name"] in ACCOUNT_ANSWERS
            }
            data[field["name"]] = {name: value for name, value in known.items() if value}
    return data


def _last_address(actor: User) -> tuple[int | None, str]:
    """The address the applicant gave on their latest dossier (unit id, street line)."""
    latest = (
        Dossier.objects.filter(applicant=actor)
        .exclude(applicant_unit__isnull=True, applicant_address="")
        .order_by("-updated_at")
        .values_list("applicant_unit_id", "applicant_address")
        .first()
    )
    return latest or (None, "")


def online_agency(actor: User, in_force: InForce, agency_code: str) -> Agency:
    """The agency with ``agency_code`` that receives the procedure in force ``in_force``, where
    ``actor`` may submit it online; refuses otherwise. The pages' drafts and the API's one-call
    submission both ask this."""
    procedure = in_force.procedure
    require(actor, "dossiers.submit", procedure)
    if not procedure.submit_online or procedure.online_level == OnlineLevel.NONE:
        raise ValidationError({"procedure": [_("This procedure cannot be submitted online.")]})
    agency = in_force.agencies.get(agency_code)
    if agency is None:
        raise ValidationError({"receiving_agency": [_("Choose an agency from the list.")]})
    return agency


def submission_errors(
    applicant_errors: dict[str, str],
    form_errors: dict[str, str],
    documents: Iterable[RequiredDocument],
    attached: Container[int | None],
    channel: str,
) -> dict[str, list[str]]:
    """Everything that stops a dossier from being submitted, as field → messages: the applicant's
    and the e-form's errors (field name → message) and each required component of ``documents``
    with no file among ``attached`` (component ids). The pages' check and the API ask this."""
    errors: dict[str, list[str]] = {}
    for name, message in applicant_errors.items():
        errors.setdefault(f"applicant.{name}", []).append(message)
    for name, message in form_errors.items():
        errors.setdefault(f"form_data.{name}", []).append(message)
    for document in documents:
        if needs_upload(document, channel) and document.pk not in attached:
            errors.setdefault("attachments", []).append(
                _("Attach “%(document)s”.") % {"document": document.name}
            )
    return errors


def start_draft(
    actor: User, procedure: Procedure, receiving_agency: Agency, channel: str = Channel.ONLINE
) -> Dossier:
    in_force = procedure_in_force(procedure.code)
    if in_force is None or in_force.procedure.pk != procedure.pk:
        raise ValidationError({"procedure": [_("This procedure is no longer applied.")]})
    if online_agency(actor, in_force, receiving_agency.code).pk != receiving_agency.pk:
        raise ValidationError({"receiving_agency": [_("Choose an agency from the list.")]})
    unit_id, address = _last_address(actor)
    with transaction.atomic():
        dossier = Dossier.objects.create(
            procedure=procedure,
            applicant=actor,
            applicant_name=actor.full_name,
            applicant_cccd=actor.cccd or "",
            applicant_phone=actor.phone,
            applicant_email=actor.email,
            applicant_unit_id=unit_id,
            applicant_address=address,
            receiving_agency=receiving_agency,
            channel=channel,
        )
        record(actor, "dossiers.start_draft", dossier, {"procedure": procedure.code})
    return dossier


def _draft(actor: User, dossier: Dossier) -> Dossier:
    require(actor, "dossiers.edit_draft", dossier)
    locked = lock_dossier(dossier)
    if not locked.is_draft:
        raise ValidationError(_("This dossier has already been submitted."), code="submitted")
    return locked


def save_applicant(actor: User, dossier: Dossier, values: dict[str, Any]) -> Dossier:
    """Store the applicant page's checked answers (phone, email, address) on the draft."""
    with transaction.atomic():
        draft = _draft(actor, dossier)
        address = values.get("address") or {}
        unit = None
        if address.get("commune"):
            unit = unit_by_code(address["commune"])
        draft.applicant_phone = values.get("phone", "")
        draft.applicant_email = values.get("email", "")
        draft.applicant_unit = unit
        draft.applicant_address = address.get("detail", "")
        draft.version = F("version") + 1
        draft.save()
    draft.refresh_from_db()
    return draft


def save_answers(
    actor: User, dossier: Dossier, values: dict[str, Any], fields: list[dict[str, Any]]
) -> Dossier:
    """Replace the answers of ``fields`` (one page) in the draft with ``values``."""
    with transaction.atomic():
        draft = _draft(actor, dossier)
        data = dict(draft.form_data or {})
        for field in fields:
            data.pop(field["name"], None)
        data.update(values)
        draft.form_data = data
        draft.version = F("version") + 1
        draft.save(update_fields=["form_data", "version", "updated_at"])
    draft.refresh_from_db()
    return draft


def delete_draft(actor: User, dossier: Dossier) -> None:
    with transaction.atomic():
        draft = _draft(actor, dossier)
        record(actor, "dossiers.delete_draft", draft, {"procedure": draft.procedure.code})
        draft.delete()


def expire_draft(dossier: Dossier) -> bool:
    """Delete a draft never submitted whose retention period ended (the system, for
    ``apply_retention``; Law 91/2025/QH15 art. 14(1)). Its stored files go with the nightly
    orphan-file sweep. False when it was submitted or deleted meanwhile."""
    with transaction.atomic():
        draft = Dossier.objects.select_for_update().filter(pk=dossier.pk, is_draft=True).first()
        if draft is None:
            return False
        record(None, "dossiers.expire_draft", draft, {"procedure": draft.procedure.code})
        draft.delete()
    return True


def forget_tracking_failures(before: datetime.datetime) -> int:
    """Delete the failed public-tracking counters whose window ended before ``before``: counters,
    not business records, so no audit entry (like the tracker's own pruning)."""
    deleted, _per_model = TrackingFailure.objects.filter(window_ends__lt=before).delete()
    return deleted


def _personal_copy(owner: User, stored: StoredFile, title: str) -> PersonalDocument:
    document, _created = PersonalDocument.objects.get_or_create(
        owner=owner,
        sha256=stored.sha256,
        defaults={
            "title": title,
            "file": stored.name,
            "content_type": stored.content_type,
            "size": stored.size,
        },
    )
    return document


def _stored_copy(owner: User, sha256: str) -> StoredFile | None:
    """The file ``owner`` already keeps with this content, so that a re-upload is not stored twice."""
    document = PersonalDocument.objects.filter(owner=owner, sha256=sha256).first()
    if document is None or not document.file.name:
        return None
    return StoredFile(document.file.name, document.content_type, document.size, document.sha256)


def _store_attachment(
    actor: User,
    dossier: Dossier,
    upload: File[bytes],
    required_document: RequiredDocument | None = None,
    supplement: SupplementRequest | None = None,
) -> Attachment:
    owner = dossier.applicant
    stored = check_and_store(upload, reuse=(lambda sha256: _stored_copy(owner, sha256)) if owner else None)
    name = clean_file_name(getattr(upload, "name", ""))
    if owner is not None:
        _personal_copy(owner, stored, name)
    return Attachment.objects.create(
        dossier=dossier,
        required_document=required_document,
        supplement=supplement,
        original_name=name,
        file=stored.name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by=actor,
    )


def _attachment_of(
    actor: User,
    dossier: Dossier,
    document: PersonalDocument,
    required_document: RequiredDocument | None = None,
    supplement: SupplementRequest | None = None,
) -> Attachment:
    """An unsaved attachment of ``dossier`` pointing at the stored file of ``document``."""
    return Attachment(
        dossier=dossier,
        required_document=required_document,
        supplement=supplement,
        original_name=document.title,
        file=document.file.name,
        content_type=document.content_type,
        size=document.size,
        sha256=document.sha256,
        uploaded_by=actor,
    )


def _reuse(
    actor: User,
    dossier: Dossier,
    document: PersonalDocument,
    required_document: RequiredDocument | None = None,
    supplement: SupplementRequest | None = None,
) -> Attachment:
    if document.owner_id != dossier.applicant_id:
        raise PermissionDenied("dossiers.reuse_document")
    attachment = _attachment_of(actor, dossier, document, required_document, supplement)
    attachment.save()
    return attachment


def _check_component(dossier: Dossier, required_document: RequiredDocument | None) -> None:
    if required_document is not None and required_document.procedure_id != dossier.procedure_id:
        raise ValidationError(_("This document is not part of the procedure."), code="component")


def add_attachment(
    actor: User, dossier: Dossier, upload: File[bytes], required_document: RequiredDocument | None = None
) -> Attachment:
    """Check and store an uploaded file for a component of the draft; it also goes to the
    applicant's personal document store."""
    with transaction.atomic():
        draft = _draft(actor, dossier)
        _check_component(draft, required_document)
        return _store_attachment(actor, draft, upload, required_document)


def reuse_personal_document(
    actor: User,
    dossier: Dossier,
    document: PersonalDocument,
    required_document: RequiredDocument | None = None,
) -> Attachment:
    """Attach a file of the applicant's personal document store without uploading it again."""
    with transaction.atomic():
        draft = _draft(actor, dossier)
        _check_component(draft, required_document)
        return _reuse(actor, draft, document, required_document)


def remove_attachment(actor: User, dossier: Dossier, attachment: Attachment) -> None:
    """Take a file off a draft (it stays in the personal document store)."""
    with transaction.atomic():
        draft = _draft(actor, dossier)
        draft.attachments.filter(pk=attachment.pk).delete()


def needs_upload(document: RequiredDocument, channel: str) -> bool:
    """Whether a required component must be attached: online, a declaration that the e-form
    replaces is not (the answers are the declaration)."""
    return document.is_required and not (document.replaced_by_eform and channel == Channel.ONLINE)


def owes_fees(dossier: Dossier) -> bool:
    """Whether the applicant may pay now: the officer asked for the fees (status 6), or the
    dossier is submitted, not yet received (status 1), not paid, and its procedure has fees."""
    if dossier.is_draft:
        return False
    if dossier.status == Status.PAYMENT:
        return True
    return (
        dossier.status == Status.NEW
        and dossier.paid_at is None
        and may_charge(dossier.procedure, dossier.form_data)
    )


def missing_documents(dossier: Dossier) -> list[RequiredDocument]:
    """The required components of the procedure with no file attached."""
    attached = set(dossier.attachments.values_list("required_document_id", flat=True))
    return [
        doc
        for doc in dossier.procedure.documents.all()
        if needs_upload(doc, dossier.channel) and doc.pk not in attached
    ]


def dossier_errors(dossier: Dossier) -> dict[str, list[str]]:
    """Everything that stops a draft from being submitted (``submission_errors``)."""
    applicant_errors = answers.validate_answers(
        [{"title": "", "fields": applicant_fields()}], applicant_answers(dossier)
    )
    pages = (dossier.procedure.eform or {}).get("pages", [])
    attached = set(dossier.attachments.values_list("required_document_id", flat=True))
    errors = submission_errors(
        applicant_errors,
        answers.validate_answers(pages, dossier.form_data),
        dossier.procedure.documents.all(),
        attached,
        dossier.channel,
    )
    return {
        **errors,
        **boundary_errors(dossier.procedure, dossier.receiving_agency, dossier.applicant_unit_id),
    }


def record_new_dossier(dossier: Dossier, actor: User | None, at: datetime.datetime) -> None:
    """The first history row (status 1), outbox event and flow of a dossier just submitted online
    (it has its submission reference) or received at the counter (it has its code too)."""
    insert(DossierStatusChange(dossier=dossier, from_status=None, to_status=Status.NEW, at=at, actor=actor))
    (event,) = insert(
        DossierEvent(
            dossier=dossier,
            code=dossier.display_code,
            status=Status.NEW,
            agency_code=dossier.receiving_agency.code,
            occurred_at=at,
        )
    )
    outbox_written.send(DossierEvent, event=event)
    dossier_created.send(Dossier, dossier=dossier, at=at)


def submit_dossier(actor: User, draft: Dossier) -> Dossier:
    """Submit a draft: check everything again, give it its submission reference, status 1, audit,
    and queue the applicant's notification, all in one transaction. The dossier code is issued
    and the due time starts on reception (Decree 118/2025/NĐ-CP Art. 17(3) as amended by Decree
    309/2026/NĐ-CP Art. 8(3); ``tinhso.workflows.actions``)."""
    with transaction.atomic():
        dossier = _draft(actor, draft)
        errors = dossier_errors(dossier)
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        dossier.submission_reference = new_submission_reference()
        dossier.is_draft = False
        dossier.submitted_at = now
        dossier.version = F("version") + 1
        dossier.save(
            update_fields=["submission_reference", "is_draft", "submitted_at", "version", "updated_at"]
        )
        dossier.refresh_from_db(fields=["version"])
        record_new_dossier(dossier, actor, now)
        record(
            actor,
            "dossiers.submit",
            dossier,
            {"submission_reference": dossier.submission_reference, "status": Status.NEW},
        )
        queue_notification(dossier, Notification.Kind.SUBMITTED)
    return dossier


# After submission --------------------------------------------------------------------------


def change_status(
    actor: User | None, dossier: Dossier, to_status: int, note: str = "", expected_version: int | None = None
) -> Dossier:
    """A generic status change by an officer of the receiving agency (or the system, actor None)."""
    if actor is not None:
        require(actor, "dossiers.change_status", dossier)
    with transaction.atomic():
        locked = lock_dossier(dossier, expected_version)
        from_status = locked.status
        apply_status_change(locked, to_status, actor, note)
        record(
            actor, "dossiers.change_status", locked, {"status": [from_status, to_status], "note": nfc(note)}
        )
        queue_notification(locked, Notification.Kind.STATUS_CHANGED)
    return locked


def withdraw_dossier(
    actor: User, dossier: Dossier, reason: str, expected_version: int | None = None
) -> Dossier:
    """The applicant asks to withdraw (status 7), giving a reason. This is a request: the
    competent body then stops the dossier or refuses the request (Decree 118/2025/NĐ-CP
    Art. 21(1); ``tinhso.motcua.actions.grant_withdrawal`` / ``refuse_withdrawal``)."""
    require(actor, "dossiers.withdraw", dossier)
    reason = _note(reason, True, _("Say why you withdraw the dossier."))
    with transaction.atomic():
        locked = lock_dossier(dossier, expected_version)
        if locked.status not in WITHDRAWABLE:
            raise ValidationError(
                _("A dossier in status “%(status)s” can no longer be withdrawn.")
                % {"status": locked.status_label},
                code="not_withdrawable",
            )
        from_status = locked.status
        apply_status_change(locked, Status.WITHDRAWN, actor, reason)
        record(
            actor, "dossiers.withdraw", locked, {"status": [from_status, Status.WITHDRAWN], "reason": reason}
        )
        queue_notification(locked, Notification.Kind.STATUS_CHANGED)
    return locked


# Supplement requests: once at reception, in full (Decree 118/2025/NĐ-CP Art. 17(2)(a) as
# amended by Decree 309/2026/NĐ-CP Art. 8(1): "đầy đủ trong một lần"), and once during
# processing, within 3 working days of reception (Decree 61/2018/NĐ-CP Art. 19(4); the Decree
# 118/2025 article was not available): a later one is recorded as late.
SUPPLEMENT_AT_RECEPTION = (Status.NEW,)
SUPPLEMENT_IN_PROCESSING = (Status.ACCEPTED, Status.PROCESSING)
SUPPLEMENT_WORKING_DAYS = 3


def request_supplement(
    actor: User, dossier: Dossier, missing: list[str], note: str = "", expected_version: int | None = None
) -> SupplementRequest:
    """Ask the applicant to complete the dossier (status 5, Form 02), listing every missing item:
    once at reception and once during processing; refused a second time."""
    require(actor, "dossiers.request_supplement", dossier)
    items = [nfc(item) for item in missing if nfc(item)]
    if not items:
        raise ValidationError({"missing": [_("List what is missing from the dossier.")]})
    note = _note(note, False, "")
    with transaction.atomic():
        locked = lock_dossier(dossier, expected_version)
        from_status = locked.status
        now = timezone.now()
        apply_status_change(locked, Status.SUPPLEMENT, actor, "; ".join(items), now)
        stage = SUPPLEMENT_AT_RECEPTION if from_status == Status.NEW else SUPPLEMENT_IN_PROCESSING
        if SupplementRequest.objects.filter(dossier=locked, from_status__in=stage).exists():
            raise ValidationError(
                _(
                    "The applicant has already been asked once to complete this dossier: everything "
                    "missing must be asked for in one request."
                ),
                code="already_requested",
            )
        request = SupplementRequest.objects.create(
            dossier=locked,
            missing=items,
            note=note,
            requested_at=now,
            requested_by=actor,
            from_status=from_status,
            is_late=stage == SUPPLEMENT_IN_PROCESSING
            and locked.received_at is not None
            and now > add_working_days(locked.received_at, SUPPLEMENT_WORKING_DAYS),
        )
        supplement_requested.send(Dossier, dossier=locked, actor=actor, at=now)
        if locked.due_at is not None:
            record_due_time_change(
                locked,
                DueTimeChangeKind.SUPPLEMENT,
                None,
                _(
                    "Incomplete dossier: the processing time starts again once the complete dossier "
                    "is received."
                ),
                actor,
                now,
            )
        record(
            actor,
            "dossiers.request_supplement",
            locked,
            {
                "status": [from_status, Status.SUPPLEMENT],
                "missing": items,
                "note": note,
                "late": request.is_late,
            },
        )
        queue_notification(locked, Notification.Kind.STATUS_CHANGED)
    return request


def open_supplement_request(dossier: Dossier) -> SupplementRequest | None:
    return dossier.supplement_requests.filter(answered_at__isnull=True).order_by("-requested_at").first()


def answer_supplement_request(
    actor: User,
    dossier: Dossier,
    attachments: Sequence[File[bytes] | PersonalDocument],
    note: str = "",
    expected_version: int | None = None,
) -> Dossier:
    """The applicant sends what was missing: ``attachments`` are uploaded files and/or documents
    of their personal store. Back to status 1 (request at reception) or 4 with a new due time."""
    require(actor, "dossiers.answer_supplement", dossier)
    note = _note(note, False, "")
    if not attachments and not note:
        raise ValidationError({"attachments": [_("Add the missing documents or write an answer.")]})
    with transaction.atomic():
        locked = lock_dossier(dossier, expected_version)
        request = open_supplement_request(locked)
        if locked.status != Status.SUPPLEMENT or request is None:
            raise ValidationError(_("No supplement is requested for this dossier."), code="no_request")
        for item in attachments:
            if isinstance(item, PersonalDocument):
                _reuse(actor, locked, item, supplement=request)
            else:
                _store_attachment(actor, locked, item, supplement=request)
        now = timezone.now()
        request.answered_at, request.answer_note = now, note
        request.save(update_fields=["answered_at", "answer_note"])
        resumed = Status.NEW if request.from_status == Status.NEW else Status.PROCESSING
        apply_status_change(locked, resumed, actor, note, now)
        if resumed == Status.NEW:
            dossier_completed_at_reception.send(Dossier, dossier=locked, at=now)
        if resumed == Status.PROCESSING:
            record_due_time_change(
                locked,
                DueTimeChangeKind.SUPPLEMENTED,
                compute_due_at(locked.procedure, now),
                _("The complete dossier was received: the processing time starts again."),
                actor,
                now,
            )
        record(
            actor,
            "dossiers.answer_supplement",
            locked,
            {"status": [Status.SUPPLEMENT, resumed], "files": len(attachments), "note": note},
        )
        queue_notification(locked, Notification.Kind.STATUS_CHANGED)
    return locked


def request_payment(
    actor: User | None, dossier: Dossier, note: str = "", expected_version: int | None = None
) -> Dossier:
    """Ask the applicant to pay (status 6); the dossier returns to its status once paid."""
    if actor is not None:
        require(actor, "dossiers.change_status", dossier)
    with transaction.atomic():
        locked = lock_dossier(dossier, expected_version)
        from_status = locked.status
        apply_status_change(locked, Status.PAYMENT, actor, note)
        locked.resume_status = from_status
        locked.save(update_fields=["resume_status", "updated_at"])
        record(actor, "dossiers.request_payment", locked, {"status": [from_status, Status.PAYMENT]})
        queue_notification(locked, Notification.Kind.STATUS_CHANGED)
    return locked


def _exclude_payment_time(dossier: Dossier, actor: User | None, now: datetime.datetime) -> None:
    """The procedure's law does not count the time taken by the financial obligations ("không
    kể thời gian thực hiện nghĩa vụ tài chính", e.g. Land Law 2024 procedures under Decree
    101/2024/NĐ-CP): the due time moves on by the working time the dossier waited in status 6."""
    asked = dossier.status_changes.filter(to_status=Status.PAYMENT).order_by("-at", "-pk").first()
    if asked is None or dossier.due_at is None:
        return
    waited = working_time_between(asked.at, now)
    if waited <= datetime.timedelta(0):
        return
    record_due_time_change(
        dossier,
        DueTimeChangeKind.PAID,
        add_working_hours(dossier.due_at, Decimal(waited.total_seconds()) / 3600),
        _("The time taken by the financial obligations is not counted."),
        actor,
        now,
    )


def mark_paid(actor: User | None, dossier: Dossier, note: str = "") -> Dossier:
    """Record that the fees are paid (``actor`` None: the payment gateway). Idempotent: a dossier
    already paid and not waiting for payment is left as it is."""
    if actor is not None:
        require(actor, "dossiers.change_status", dossier)
    with transaction.atomic():
        locked = lock_dossier(dossier)
        waiting = locked.status == Status.PAYMENT
        if locked.paid_at is not None and not waiting:
            return locked
        now = timezone.now()
        locked.paid_at = now
        changes: dict[str, Any] = {"paid_at": now}
        if waiting:
            resumed = locked.resume_status or Status.NEW
            apply_status_change(locked, resumed, actor, note, now)
            locked.resume_status = None
            changes["status"] = [Status.PAYMENT, resumed]
        locked.save(update_fields=["paid_at", "resume_status", "updated_at"])
        DossierEvent.objects.create(
            dossier=locked,
            kind=DossierEventKind.PAID,
            code=locked.display_code,
            status=locked.status,
            agency_code=locked.receiving_agency.code,
            occurred_at=now,
        )
        if waiting and locked.procedure.excludes_financial_obligations and locked.due_at is not None:
            _exclude_payment_time(locked, actor, now)
        record(actor, "dossiers.mark_paid", locked, changes)
        if waiting:
            queue_notification(locked, Notification.Kind.STATUS_CHANGED)
    return locked


# Satisfaction ------------------------------------------------------------------------------


def can_be_rated(dossier: Dossier) -> bool:
    """Whether the applicant has the result, so may rate the dossier: status 10 (result
    returned), or status 9 when the electronic result is already in their document store (the
    result was sent online; the counter never hands it over, so the dossier may stay in 9)."""
    if dossier.is_draft or dossier.applicant_id is None:
        return False
    if dossier.status == Status.RETURNED:
        return True
    return (
        dossier.status == Status.FINISHED
        and PersonalDocument.objects.filter(
            owner_id=dossier.applicant_id, dossier=dossier, source=PersonalDocument.Source.RESULT
        ).exists()
    )


def rate_dossier(actor: User, dossier: Dossier, stars: int, comment: str = "") -> DossierRating:
    """The applicant rates their satisfaction with the dossier, once, after the result:
    ``stars`` 1–5 and an optional comment of at most 1,000 characters."""
    require(actor, "dossiers.rate", dossier)
    errors: dict[str, list[str]] = {}
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        errors["stars"] = [_("Choose a rating from 1 to 5 stars.")]
    comment = nfc(comment)
    if len(comment) > MAX_RATING_COMMENT:
        errors["comment"] = [_("Write at most %(limit)s characters.") % {"limit": MAX_RATING_COMMENT}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = lock_dossier(dossier)
        if not can_be_rated(locked):
            raise ValidationError(
                _("You can rate a dossier once you have received its result."), code="not_ratable"
            )
        if DossierRating.objects.filter(dossier=locked).exists():
            raise ValidationError(_("You have already rated this dossier."), code="already_rated")
        rating = DossierRating.objects.create(
            dossier=locked, stars=stars, comment=comment, rated_at=timezone.now()
        )
        record(actor, "dossiers.rate", locked, {"stars": stars, "comment": comment})
    return rating


# One-call creation (the API) ---------------------------------------------------------------


def add_personal_document(actor: User, upload: File[bytes]) -> PersonalDocument:
    """Check and store a file in the actor's personal document store (the same file twice is
    kept once)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied("dossiers.personal_documents")
    with transaction.atomic():
        stored = check_and_store(upload, reuse=lambda sha256: _stored_copy(actor, sha256))
        return _personal_copy(actor, stored, clean_file_name(getattr(upload, "name", "")))


def create_dossier(
    actor: User,
    *,
    procedure_code: str,
    agency_code: str,
    applicant: dict[str, Any],
    form_data: dict[str, Any],
    attachments: list[dict[str, Any]],
    submit: bool = True,
    idempotency_key: str = "",
    request_hash: str = "",
) -> tuple[Dossier, bool]:
    """Create a dossier in one call (draft, or submitted with its submission reference when
    ``submit``).

    ``applicant`` = {"phone", "email", "address": {"commune", "detail"}}; ``attachments`` =
    [{"personal_document": id, "required_document": id | None}]. With an ``idempotency_key``
    the same key returns the dossier it created before (``created`` False) and never creates a
    second one; a key reused with another request body is refused. Returns (dossier, created).

    The key is stored last, in the creating transaction: a concurrent request with the same key
    waits on its unique constraint, then rolls everything back and answers like a retry.
    """
    if idempotency_key:
        previous = _idempotency_key(actor, idempotency_key)
        if previous is not None:
            return _replay(previous, request_hash), False
    in_force = procedure_in_force(nfc(procedure_code))
    if in_force is None:
        raise ValidationError({"procedure": [_("No procedure in force has this code.")]})
    procedure = in_force.procedure
    agency = online_agency(actor, in_force, nfc(agency_code))

    errors: dict[str, list[str]] = {}
    context = answers.Context()
    source = answers.to_source(applicant_fields(), applicant)
    contact, contact_errors = answers.parse_fields(applicant_fields(), source, context=context)
    pages = (procedure.eform or {}).get("pages", [])
    fields = [field for page in pages for field in page["fields"]]
    values, value_errors = answers.parse_fields(fields, answers.to_source(fields, form_data), context=context)
    documents = in_force.documents
    wanted = [item.get("personal_document") for item in attachments]
    store = _personal_documents([pk for pk in wanted if isinstance(pk, int)])
    rows: list[tuple[PersonalDocument, RequiredDocument | None]] = []
    for position, item in enumerate(attachments):
        document_id, component_id = item.get("personal_document"), item.get("required_document")
        document = store.get(document_id) if isinstance(document_id, int) else None
        if document is None or document.owner_id != actor.pk:
            errors.setdefault(f"attachments.{position}", []).append(_("This document is not in your store."))
        elif component_id is None:
            rows.append((document, None))
        elif not isinstance(component_id, int) or component_id not in documents:
            errors.setdefault(f"attachments.{position}", []).append(
                _("This document is not part of the procedure.")
            )
        else:
            rows.append((document, documents[component_id]))
    if submit:
        attached = {component.pk for _doc, component in rows if component is not None}
        for name, messages in submission_errors(
            contact_errors, value_errors, documents.values(), attached, Channel.ONLINE
        ).items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    address = contact.get("address") or {}
    commune = address.get("commune")
    unit_id = context.commune_ids.get(commune) if commune else None
    if commune and unit_id is None:
        # Only a draft gets here: its address may name a commune that is not current.
        unit = unit_by_code(commune)
        unit_id = unit.pk if unit else None
    if submit and boundary_errors(procedure, agency, unit_id):
        raise ValidationError(boundary_errors(procedure, agency, unit_id))
    now = timezone.now()
    try:
        with transaction.atomic():
            dossier = Dossier(
                procedure=procedure,
                applicant=actor,
                applicant_name=actor.full_name,
                applicant_cccd=actor.cccd or "",
                applicant_phone=contact.get("phone", "") if "phone" not in contact_errors else "",
                applicant_email=contact.get("email", ""),
                applicant_unit_id=unit_id,
                applicant_address=address.get("detail", ""),
                receiving_agency=agency,
                channel=Channel.ONLINE,
                form_data=values,
                is_draft=not submit,
            )
            if submit:
                dossier.submission_reference = new_submission_reference()
                dossier.submitted_at = now
            insert(dossier)
            stored = insert(
                *(_attachment_of(actor, dossier, document, component) for document, component in rows)
            )
            if submit:
                record_new_dossier(dossier, actor, now)
                record(
                    actor,
                    "dossiers.submit",
                    dossier,
                    {"submission_reference": dossier.submission_reference, "status": Status.NEW},
                    new=True,
                )
                queue_notification(dossier, Notification.Kind.SUBMITTED)
            else:
                record(actor, "dossiers.start_draft", dossier, {"procedure": procedure.code}, new=True)
            if idempotency_key:
                insert(
                    IdempotencyKey(
                        user=actor, key=idempotency_key, request_hash=request_hash, dossier=dossier
                    )
                )
    except IntegrityError:
        previous = _idempotency_key(actor, idempotency_key) if idempotency_key else None
        if previous is None:
            raise
        # Another request with this key has just created its dossier; this one was rolled back.
        return _replay(previous, request_hash), False
    _keep_attachments(dossier, stored)
    return dossier, True


def _keep_attachments(dossier: Dossier, rows: list[Attachment]) -> None:
    """Make ``dossier.attachments.all()`` the rows just written, as ``prefetch_related`` would,
    so that the response does not read them back."""
    queryset = dossier.attachments.all()
    # Django's prefetch cache: private attributes that the stubs do not declare.
    queryset._result_cache, queryset._prefetch_done = rows, True  # type: ignore[attr-defined]
    dossier._prefetched_objects_cache = {"attachments": queryset}  # type: ignore[attr-defined]


PERSONAL_DOCUMENT_FIELDS = ("id", "owner_id", "title", "file", "content_type", "size", "sha256")
PERSONAL_DOCUMENTS_SQL = sql(
    "SELECT {d.id}, {d.owner}, {d.title}, {d.file}, {d.content_type}, {d.size}, {d.sha256} "
    "FROM {d} WHERE {d.id} IN ",
    d=PersonalDocument,
)


def _personal_documents(ids: list[int]) -> dict[int, PersonalDocument]:
    """The personal documents with these ids, by id, with the columns an attachment copies (plain
    SQL: every submission through the API reads them; measured on PostgreSQL, 88 µs of CPU a call
    against 654 µs for ``only(...).in_bulk(ids)``)."""
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(PERSONAL_DOCUMENTS_SQL + f"({', '.join(['%s'] * len(ids))})", ids)
        return {
            row[0]: PersonalDocument(**dict(zip(PERSONAL_DOCUMENT_FIELDS, row, strict=True)))
            for row in cursor.fetchall()
        }


IDEMPOTENCY_KEY_SQL = sql(
    "SELECT {IdempotencyKey.request_hash}, {IdempotencyKey.dossier} FROM {IdempotencyKey} "
    "WHERE {IdempotencyKey.user} = %s AND {IdempotencyKey.key} = %s",
    IdempotencyKey,
)


def _idempotency_key(actor: User, key: str) -> tuple[str, int | None] | None:
    """(request hash, dossier id) stored with ``key``, or None (plain SQL: every submission
    through the API with a key asks; 47 µs of CPU a call against 502 µs for the ORM's
    ``values_list(...).first()``)."""
    with connection.cursor() as cursor:
        cursor.execute(IDEMPOTENCY_KEY_SQL, [actor.pk, key])
        row: tuple[str, int | None] | None = cursor.fetchone()
        return row


def _replay(previous: tuple[str, int | None], request_hash: str) -> Dossier:
    stored_hash, dossier_id = previous
    if stored_hash != request_hash or dossier_id is None:
        raise IdempotencyConflict
    return Dossier.objects.select_related("procedure", "receiving_agency").get(pk=dossier_id)


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with another request body."""
