"""Business actions of drafting from a template and of the review route (Decree 30/2020/NĐ-CP
Art. 10–12): each checks permission, validates, changes state in one transaction, writes the
audit entry and the ``DocumentEvent``. Pages, the API and the demo call these.

- Art. 10(2)–(3): the specialist drafts in the system; the persons with authority give their
  opinion on the draft in the system and send it back to the drafter when it must change.
- Art. 11: the draft is approved by the person with authority to sign; a draft changed after its
  approval goes back to them. So a draft sent for review can be signed only once its route is
  complete for the latest version (``sign_draft`` checks it); a draft never routed is approved
  by the signer's own signature.
- Art. 12: the head of the drafting unit checks the content, the person charged with it the
  format, each answering for it: these are the reviewers of the route. Their co-signature
  (ký nháy / ký tắt: initials on the draft) is practice, not written in Decree 30; it is
  recorded with the approval when the drafter asks for it.

Every save of a draft keeps a ``DraftVersion`` with the PDF rendered from it (Appendix VI:
keep all drafts, opinions and approvals).
"""

import datetime
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import Membership, User, UserKind
from tinhso.accounts.permissions import require
from tinhso.agencies.models import Agency
from tinhso.audit.services import actor_label, record
from tinhso.core.text import nfc
from tinhso.documents import drafts
from tinhso.documents.actions import _text, create_draft, event
from tinhso.documents.models import (
    DocumentEvent,
    DraftVersion,
    OutgoingDocument,
    ReviewStep,
    Secrecy,
    Urgency,
)
from tinhso.documents.rules import STAFF_ROLES

MAX_LINES = 30
MAX_REVIEWERS = 10


@dataclass
class DraftInput:
    """What the specialist fills in the template's form."""

    subject: str
    body: str = ""
    addressees: str = ""
    grounds: str = ""
    articles: str = ""
    recipients: str = ""
    unit_symbol: str = ""
    urgency: int = Urgency.NORMAL
    secrecy: int = Secrecy.NONE
    signer: User | None = None
    signer_competence: str = ""
    signer_position: str = ""
    signer_title: str = ""
    authority: str = ""


@dataclass
class RouteStep:
    reviewer: User
    stage: int = 1
    purpose: str = ""
    initials: bool = False


def _signer(agency: Agency, signer: User | None) -> str:
    """The signer's name: a leader of the agency (Art. 13), or none chosen yet."""
    if signer is None:
        return ""
    if not Membership.objects.active().filter(user=signer, agency=agency, role="leader").exists():
        raise ValidationError(_("The signer must be a leader of the agency."), code="signer")
    return nfc(signer.full_name) or signer.get_username()


def _multiline(value: str | None, label: str, max_length: int, required: bool = True) -> str:
    """``_text`` for a text of several lines: each line normalised, the line breaks kept."""
    text = "\n".join(nfc(line) for line in (value or "").splitlines()).strip()
    _text(text.replace("\n", " "), label, max_length, required)
    return text


def _parts(template: drafts.Template, data: DraftInput) -> dict[str, Any]:
    """The template's parts from the form, checked: a type has only its own parts."""
    parts: dict[str, Any] = {
        "paragraphs": drafts.blocks(
            _multiline(data.body, _("the text"), 20000, required=not template.articles)
        ),
        "recipients": drafts.lines(_multiline(data.recipients, _("the recipients"), 3000, required=False)),
        "unit": nfc(data.unit_symbol or "").strip().upper(),
        "signer_title": _text(data.signer_title, _("the signer's other position"), 100, required=False),
    }
    if template.addressees:
        parts["addressees"] = drafts.lines(_multiline(data.addressees, _("the addressees"), 3000))
    if template.grounds:
        parts["grounds"] = drafts.lines(_multiline(data.grounds, _("the grounds"), 5000))
    if template.articles:
        parts["articles"] = drafts.blocks(_multiline(data.articles, _("the articles"), 20000))
        parts["authority"] = _text(data.authority, _("the issuing authority"), 200)
    if data.signer_competence not in drafts.COMPETENCES:
        raise ValidationError(_("Choose the signing authority from the list."), code="competence")
    for name in ("addressees", "grounds", "articles", "recipients", "paragraphs"):
        if len(parts.get(name, [])) > MAX_LINES * 4:
            raise ValidationError(_("The draft has too many lines."), code="too_long")
    return parts


def _template(type_code: str) -> drafts.Template:
    if type_code not in drafts.TEMPLATES:
        raise ValidationError(_("Choose a document type that has a template."), code="type")
    return drafts.TEMPLATES[type_code]


def _save_version(
    actor: User, document: OutgoingDocument, parts: dict[str, Any], pdf: bytes, at: datetime.datetime
) -> DraftVersion:
    """Inside the caller's transaction: the next version, which becomes the draft's file."""
    last = document.versions.order_by("-number").first()
    version = DraftVersion(
        document=document,
        number=(last.number if last else 0) + 1,
        parts=parts,
        created_by=actor,
        created_at=at,
    )
    version.file.save(f"{secrets.token_hex(16)}.pdf", ContentFile(pdf), save=False)
    version.save()
    document.file = version.file.name
    document.file_name = f"du-thao-{document.pk}-v{version.number}.pdf"
    document.save(update_fields=["file", "file_name"])
    event(
        DocumentEvent.Kind.VERSION,
        document.agency,
        actor=actor,
        at=at,
        outgoing=document,
        note=f"v{version.number}",
    )
    return version


def draft_from_template(actor: User, agency: Agency, type_code: str, data: DraftInput) -> OutgoingDocument:
    """A new draft of ``type_code`` written in the template's form, with its first version."""
    require(actor, "documents.draft", agency)
    template = _template(type_code)
    parts = _parts(template, data)
    signer_name = _signer(agency, data.signer)
    preview = OutgoingDocument(
        agency=agency,
        type_code=type_code,
        unit_symbol=parts["unit"],
        subject=_text(data.subject, _("the subject"), 500),
        urgency=data.urgency,
        secrecy=data.secrecy,
        signer_competence=data.signer_competence,
        signer_position=_text(data.signer_position, _("the signer's position"), 100, required=False),
        signer_name=signer_name,
    )
    pdf = drafts.render(preview, parts)
    with transaction.atomic():
        document = create_draft(
            actor,
            agency,
            type_code=type_code,
            subject=preview.subject,
            content=" ".join(parts["paragraphs"] + parts.get("articles", []))[:5000],
            unit_symbol=parts["unit"],
            urgency=data.urgency,
            secrecy=data.secrecy,
            signer_competence=preview.signer_competence,
            signer_position=preview.signer_position,
            signer_name=signer_name,
        )
        _save_version(actor, document, parts, pdf, timezone.now())
    return document


def save_version(actor: User, document: OutgoingDocument, data: DraftInput) -> DraftVersion:
    """The drafter's correction of a draft written from a template: a new version. Not while the
    reviewers have it; after an approval the route must be run again (Art. 11(2))."""
    require(actor, "documents.edit_draft", document)
    if document.state != OutgoingDocument.State.DRAFT or document.signed_at:
        raise ValidationError(_("A signed or issued document cannot be changed."), code="signed")
    if not document.versions.exists():
        raise ValidationError(_("This draft was not written from a template."), code="no_template")
    if drafts.route_state(document) == "open":
        raise ValidationError(
            _("The draft is with its reviewers; it can be changed once they return it."), code="in_review"
        )
    template = _template(document.type_code)
    parts = _parts(template, data)
    signer_name = _signer(document.agency, data.signer)
    document.subject = _text(data.subject, _("the subject"), 500)
    document.unit_symbol = parts["unit"] if document.type_code == "cong_van" else ""
    if document.type_code == "cong_van" and not document.unit_symbol:
        raise ValidationError(
            _("A letter (công văn) needs the abbreviation of the drafting unit, e.g. VP."), code="unit_symbol"
        )
    if data.urgency not in Urgency.values or data.secrecy not in Secrecy.values:
        raise ValidationError(_("Choose the urgency and secrecy from the lists."), code="marks")
    document.urgency, document.secrecy = data.urgency, data.secrecy
    document.signer_competence = data.signer_competence
    document.signer_position = _text(data.signer_position, _("the signer's position"), 100, required=False)
    document.signer_name = signer_name
    document.content = " ".join(parts["paragraphs"] + parts.get("articles", []))[:5000]
    pdf = drafts.render(document, parts)
    at = timezone.now()
    with transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
        if locked.state != OutgoingDocument.State.DRAFT or locked.signed_at:
            raise ValidationError(_("A signed or issued document cannot be changed."), code="signed")
        document.save(
            update_fields=[
                "subject",
                "unit_symbol",
                "urgency",
                "secrecy",
                "signer_competence",
                "signer_position",
                "signer_name",
                "content",
            ]
        )
        version = _save_version(actor, document, parts, pdf, at)
        record(
            actor,
            "documents.draft_version",
            document,
            {"version": version.number, "subject": document.subject},
        )
    return version


def _check_reviewer(document: OutgoingDocument, user: User) -> None:
    staff = Membership.objects.active().filter(user=user, agency_id=document.agency_id, role__in=STAFF_ROLES)
    if user.kind != UserKind.OFFICER or not staff.exists():
        raise ValidationError(
            _("%(name)s does not work on the documents of this agency.") % {"name": actor_label(user)},
            code="reviewer",
        )


def send_for_review(actor: User, document: OutgoingDocument, route: list[RouteStep]) -> list[ReviewStep]:
    """Start a review round: the reviewers of the first stage have the draft at once, each later
    stage when every reviewer of the one before has approved."""
    require(actor, "documents.edit_draft", document)
    if document.state != OutgoingDocument.State.DRAFT or document.signed_at:
        raise ValidationError(_("A signed or issued document is not reviewed."), code="signed")
    if not route:
        raise ValidationError(_("Choose at least one reviewer."), code="route")
    if len(route) > MAX_REVIEWERS:
        raise ValidationError(
            _("A route has at most %(max)d reviewers.") % {"max": MAX_REVIEWERS}, code="route"
        )
    ids = [step.reviewer.pk for step in route]
    if len(set(ids)) != len(ids):
        raise ValidationError(_("A reviewer is chosen twice."), code="duplicate_reviewer")
    if document.created_by_id in ids:
        raise ValidationError(_("The drafter does not review their own draft."), code="own_draft")
    for step in route:
        _check_reviewer(document, step.reviewer)
        if step.stage < 1:
            raise ValidationError(_("The order of a reviewer starts at 1."), code="stage")
    purposes = [_text(step.purpose, _("what is reviewed"), 100, required=False) for step in route]
    order = {stage: index + 1 for index, stage in enumerate(sorted({step.stage for step in route}))}
    at = timezone.now()
    with transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().select_related("agency").get(pk=document.pk)
        if locked.state != OutgoingDocument.State.DRAFT or locked.signed_at:
            raise ValidationError(_("A signed or issued document is not reviewed."), code="signed")
        if drafts.route_state(locked) == "open":
            raise ValidationError(_("The draft is already with its reviewers."), code="in_review")
        version = locked.versions.order_by("-number").first()
        round_ = drafts.current_round(locked) + 1
        steps = [
            ReviewStep.objects.create(
                document=locked,
                round=round_,
                stage=order[step.stage],
                reviewer=step.reviewer,
                purpose=purpose,
                initials=step.initials,
                version=version,
                state=ReviewStep.State.PENDING if order[step.stage] == 1 else ReviewStep.State.WAITING,
            )
            for step, purpose in zip(route, purposes, strict=True)
        ]
        names = "; ".join(f"{step.stage}. {actor_label(step.reviewer)}" for step in steps)
        event(
            DocumentEvent.Kind.REVIEW_SENT,
            locked.agency,
            actor=actor,
            at=at,
            outgoing=locked,
            note=names[:500],
        )
        record(
            actor,
            "documents.review_route",
            locked,
            {
                "round": round_,
                "version": version.number if version else None,
                "route": [[step.stage, step.reviewer_id, step.purpose, step.initials] for step in steps],
            },
        )
    return steps


def review_draft(actor: User, step: ReviewStep, *, approve: bool, opinion: str = "") -> ReviewStep:
    """The reviewer's decision on their step: approve (with the co-signature if asked for) or
    return to the drafter with comments, which ends the round (Art. 10(3))."""
    require(actor, "documents.review", step)
    opinion = _text(opinion, _("your comments"), 5000, required=not approve)
    at = timezone.now()
    with transaction.atomic():
        document = (
            OutgoingDocument.objects.select_for_update().select_related("agency").get(pk=step.document_id)
        )
        locked = ReviewStep.objects.select_for_update().get(pk=step.pk)
        if locked.state != ReviewStep.State.PENDING:
            raise ValidationError(_("This review is not waiting for you."), code="not_pending")
        if document.state != OutgoingDocument.State.DRAFT or document.signed_at:
            raise ValidationError(_("A signed or issued document is not reviewed."), code="signed")
        locked.opinion, locked.decided_at = opinion, at
        round_steps = ReviewStep.objects.filter(document=document, round=locked.round).exclude(pk=locked.pk)
        if approve:
            locked.state = ReviewStep.State.APPROVED
            locked.initialled_at = at if locked.initials else None
            if not round_steps.filter(stage=locked.stage, state=ReviewStep.State.PENDING).exists():
                round_steps.filter(stage=locked.stage + 1, state=ReviewStep.State.WAITING).update(
                    state=ReviewStep.State.PENDING
                )
        else:
            locked.state = ReviewStep.State.RETURNED
            round_steps.filter(state__in=[ReviewStep.State.PENDING, ReviewStep.State.WAITING]).update(
                state=ReviewStep.State.CANCELLED
            )
        locked.save(update_fields=["state", "opinion", "decided_at", "initialled_at"])
        note = opinion
        if locked.initialled_at:
            note = f"{_('initialled')}. {opinion}".strip()
        event(
            DocumentEvent.Kind.REVIEW_APPROVED if approve else DocumentEvent.Kind.REVIEW_RETURNED,
            document.agency,
            actor=actor,
            at=at,
            outgoing=document,
            note=note[:500],
        )
        record(
            actor,
            "documents.review",
            document,
            {
                "step": locked.pk,
                "decision": locked.state,
                "initialled": bool(locked.initialled_at),
                "opinion": opinion,
            },
        )
    return locked
