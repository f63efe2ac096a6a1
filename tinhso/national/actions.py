"""The national connectors' actions: each checks permission, writes in one transaction and
records the audit entry. The views and the management commands go through these; the status
sync itself is the worker's (``tinhso.national.sync``)."""

import datetime
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.actions import citizen_by_personal_number
from tinhso.accounts.models import User, UserKind
from tinhso.accounts.permissions import Actor, require
from tinhso.agencies.models import Agency
from tinhso.audit.services import record, record_dossier_read
from tinhso.dossiers.actions import (
    add_personal_document,
    answers_with_account,
    create_dossier,
    lock_dossier,
    procedure_in_force,
    save_answers,
)
from tinhso.dossiers.models import Dossier
from tinhso.lgsp import actions as lgsp
from tinhso.lgsp.models import DataClassification, Member, MemberClass, Service, Subsystem
from tinhso.national import protocol
from tinhso.national.models import PortalIntake, PortalSync
from tinhso.procedures.actions import import_catalogue
from tinhso.procedures.catalogue import CatalogueError, check_document, parse_json
from tinhso.procedures.models import Procedure

logger = logging.getLogger(__name__)


def resend_portal_sync(actor: Actor, failed: PortalSync, request: HttpRequest | None = None) -> PortalSync:
    """Put a status change of the failure list back in the queue (the administrator's "send
    again", once the cause is fixed); the later changes of its dossier follow it."""
    require(actor, "national.manage_portal_sync", failed)
    with transaction.atomic():
        locked = PortalSync.objects.select_for_update().get(pk=failed.pk)
        if not locked.dead:
            raise ValidationError(_("This status change is not in the failure list."), code="not_failed")
        locked.dead, locked.attempts, locked.next_attempt_at = False, 0, timezone.now()
        locked.resent += 1
        locked.save()
        record(actor, "national.resend_portal_sync", locked, {"event": locked.event_id}, request)
    return locked


@dataclass
class Intake:
    """What one pull of the portal's dossiers did: the dossiers taken in, and the portal ids
    refused with the reason (they stay at the portal)."""

    taken: list[Dossier] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _messages(exc: ValidationError) -> str:
    return "; ".join(exc.messages)


def take_in_portal_dossier(item: protocol.PortalDossier) -> Dossier:
    """Receive one dossier submitted on the national portal into the one-stop inbox (status 1,
    online), once: the citizen's account is found by their personal identification number (or
    opened without a password), and the dossier is created by the dossiers' own action, with
    the portal id as its idempotency key (Decree 118/2025/NĐ-CP Art. 15: the national portal
    is the citizens' single front)."""
    with transaction.atomic():
        known = PortalIntake.objects.select_related("dossier").filter(portal_id=item.portal_id).first()
        if known is not None:
            return known.dossier
        citizen = citizen_by_personal_number(item.personal_number, item.full_name)
        in_force = procedure_in_force(item.procedure_code)
        components = {doc.position: pk for pk, doc in (in_force.documents if in_force else {}).items()}
        attachments = [
            {
                "personal_document": add_personal_document(
                    citizen, ContentFile(file.content, name=file.name)
                ).pk,
                "required_document": components.get(file.component),
            }
            for file in item.files
        ]
        dossier, _created = create_dossier(
            citizen,
            procedure_code=item.procedure_code,
            agency_code=item.agency_code,
            applicant={
                "phone": item.phone,
                "email": item.email,
                "address": {"commune": item.commune, "detail": item.address},
            },
            form_data=item.form_data,
            attachments=attachments,
            idempotency_key=f"national-portal-{item.portal_id}",
        )
        PortalIntake.objects.create(portal_id=item.portal_id, dossier=dossier, received_at=timezone.now())
        record(None, "national.take_in_portal_dossier", dossier, {"portal_id": item.portal_id})
    return dossier


def take_in_portal_dossiers() -> Intake:
    """Pull the dossiers waiting at the national portal and take each in; the portal is told
    which were taken (with the submission reference) so that it hands them over once."""
    client = protocol.portal_client()
    intake = Intake()
    for raw in client.dossiers():
        portal_id = str(raw.get("portalId", ""))[:60] if isinstance(raw, dict) else ""
        try:
            item = protocol.portal_dossier(raw)
            dossier = take_in_portal_dossier(item)
        except protocol.ConnectorError as exc:
            intake.refused.append((portal_id, str(exc)))
            continue
        except ValidationError as exc:
            intake.refused.append((portal_id, _messages(exc)))
            continue
        client.mark_received(item.portal_id, dossier.display_code)
        intake.taken.append(dossier)
    for portal_id, reason in intake.refused:
        logger.warning("Dossier %s of the national portal not taken in: %s", portal_id, reason)
    return intake


def pull_catalogue(actor: Actor = None) -> list[tuple[Procedure, bool]]:
    """Pull the procedure catalogue updates published by the national portal and write them
    through the catalogue's import action (all or nothing: one bad procedure refuses the
    pull, naming every problem)."""
    document = protocol.portal_client().procedures()
    try:
        parsed, positions = parse_json(json.dumps(document))
        catalogue = check_document(parsed, positions)
    except CatalogueError as exc:
        raise ValidationError(exc.messages) from None
    return import_catalogue(actor, catalogue, source="national-portal")


def _reader_id(actor: User) -> str:
    """``X-Road-UserId``: the country code and the person's identification number, else their
    account."""
    return "VN" + (actor.cccd or actor.username)


def lookup_population(actor: User, dossier: Dossier, request: HttpRequest | None = None) -> protocol.Citizen:
    """Ask the national population database about the dossier's applicant, through the
    gateway with the dossier as the issue, instead of asking the applicant for documents whose
    data the state holds (Decree 118/2025/NĐ-CP Art. 4(2a) added by Decree 309/2026/NĐ-CP Art.
    2(1)); the read is logged on the applicant's data-access log with the dossier's code."""
    require(actor, "national.lookup_population", dossier)
    if actor.kind == UserKind.OFFICER:
        number = dossier.applicant_cccd or (dossier.applicant.cccd if dossier.applicant else "") or ""
        if not number:
            raise ValidationError(
                _("The applicant gave no personal identification number."), code="no_number"
            )
    else:
        # A citizen asks about themselves only: the number of their account, never one typed.
        number = actor.cccd or ""
        if not number:
            raise ValidationError(
                _("Your account has no personal identification number: type your details yourself."),
                code="no_number",
            )
    issue = dossier.display_code or f"draft-{dossier.pk}"  # a draft has no reference yet
    found = protocol.lookup_citizen(number, _reader_id(actor), issue)
    with transaction.atomic():
        record_dossier_read(
            actor,
            dossier,
            list(protocol.Citizen.FIELDS),
            _("Filling the dossier from the national population database"),
            request,
        )
        record(
            actor, "national.population_lookup", dossier, {"fields": list(protocol.Citizen.FIELDS)}, request
        )
    return found


# The e-form questions a population record answers, in the groups asking about the applicant.
POPULATION_ANSWERS = {
    "ho_ten": "full_name",
    "so_dinh_danh": "personal_number",
    "ngay_sinh": "date_of_birth",
    "quoc_tich": "nationality",
}


def fill_draft_from_population(actor: User, draft: Dossier, request: HttpRequest | None = None) -> Dossier:
    """Fill the applicant's questions of a draft (the e-form's groups marked ``from_account``)
    from the population database, at the citizen's request after the e-form told them what is
    fetched and why (Law 91/2025/QH15 Art. 9: consent given knowing the data and the purpose);
    only their own record, by their account's number; they check the answers before submitting."""
    pages = (draft.procedure.eform or {}).get("pages", [])
    groups = [f for page in pages for f in page["fields"] if f["type"] == "group" and f.get("from_account")]
    if not groups:
        raise ValidationError(_("This form asks nothing the population database holds."), code="nothing")
    found = lookup_population(actor, draft, request)
    with transaction.atomic():
        # the answers the page showed, the account's included, so that none is lost
        current = answers_with_account(lock_dossier(draft), groups)
        values: dict[str, Any] = {}
        for group in groups:
            answers = dict(current.get(group["name"]) or {})
            for inner in group["fields"]:
                if inner["name"] in POPULATION_ANSWERS and inner["type"] in ("text", "date"):
                    answers[inner["name"]] = getattr(found, POPULATION_ANSWERS[inner["name"]])
            values[group["name"]] = answers
        return save_answers(actor, draft, values, groups)


POPULATION_MEMBER = ("G01", "Bộ Công an")  # Decision 09/2025/QĐ-TTg: G01 is the Ministry of Public Security
POPULATION_SUBSYSTEM, POPULATION_SERVICE = "DANCU", "tra-cuu-dan-cu"
POPULATION_OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "Tra cứu công dân trong CSDL quốc gia về dân cư", "version": "1"},
    "paths": {"/citizens/{number}": {"get": {"summary": "Một công dân theo số định danh cá nhân"}}},
}


def register_population_service(
    province: Agency, provider_url: str, platform_public_key_pem: str, platform: str = "TINHSO"
) -> tuple[Service, Subsystem]:
    """Put the national population database on the province's gateway (done by the platform
    itself, at an installation's setup or the demo's; once): the Ministry of Public Security's
    service ``tra-cuu-dan-cu`` (personal data: the exchange log keeps hashes, not bodies), the
    platform's own subsystem ``platform`` of the province's member with its key, and a grant to
    ``GET /citizens/{number}`` for a year, all through the integration platform's actions."""
    with transaction.atomic():
        member = Member.objects.filter(agency=province).first() or lgsp.register_member(
            None, MemberClass.GOV, "", "", agency=province
        )
        service = Service.objects.filter(
            subsystem__member__code=POPULATION_MEMBER[0], code=POPULATION_SERVICE
        ).first()
        client = Subsystem.objects.filter(member=member, code=platform).first()
        if service is not None and client is not None:
            return service, client
        ministry = Member.objects.filter(member_class=MemberClass.GOV, code=POPULATION_MEMBER[0]).first()
        ministry = ministry or lgsp.register_member(None, MemberClass.GOV, *POPULATION_MEMBER)
        provider = lgsp.register_subsystem(
            None, ministry, POPULATION_SUBSYSTEM, "Cơ sở dữ liệu quốc gia về dân cư"
        )
        service = lgsp.register_service(
            None,
            provider,
            code=POPULATION_SERVICE,
            title="Tra cứu thông tin công dân",
            description="Họ tên, ngày sinh, giới tính, quốc tịch, nơi thường trú theo số định danh cá nhân.",
            provider_url=provider_url,
            classification=DataClassification.PERSONAL,
            legal_basis="Luật Căn cước 26/2023/QH15; Nghị định 47/2024/NĐ-CP về chia sẻ, khai thác dữ liệu",
            openapi=POPULATION_OPENAPI,
            timeout_seconds=5,
        )
        client = lgsp.register_subsystem(
            None, member, platform, "Nền tảng Tỉnh số (một cửa, biểu mẫu điện tử)"
        )
        lgsp.set_credentials(None, client, public_key_pem=platform_public_key_pem, key_algorithm="ES256")
        access = lgsp.request_access(
            None,
            client,
            list(service.endpoints.all()),
            "Điền dữ liệu hồ sơ từ CSDL quốc gia về dân cư thay cho giấy tờ công dân phải nộp",
        )
        lgsp.approve_access(None, access, timezone.now() + datetime.timedelta(days=365))
    return service, client
