"""The business actions of citizen feedback: one function per step.

Each checks permission, validates, changes the report in one transaction while holding a row
lock on it (so two officers cannot both move it), records the state change and the audit entry,
and enqueues the notifications in the same transaction (database-backed task queue).
"""

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.accounts.permissions import Actor, require
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.audit.services import record
from tinhso.core.text import fold, nfc
from tinhso.feedback import geo
from tinhso.feedback.models import (
    DESCRIPTION_MAX_LENGTH,
    OPEN_STATES,
    Answer,
    Category,
    Channel,
    Follower,
    Photo,
    Rating,
    Report,
    RoutingRule,
    State,
    StateChange,
    TimeUnit,
)
from tinhso.feedback.photos import clean_photo, max_photos
from tinhso.feedback.tasks import notify_escalation, notify_report
from tinhso.units.models import AdministrativeUnit, Level


def reopen_days() -> int:
    """How many days after the answer the reporter may reopen the report."""
    return getattr(settings, "FEEDBACK_REOPEN_DAYS", 7)


def province_communes() -> QuerySet[AdministrativeUnit]:
    """The communes valid today under the platform's province, for choosing a report's place."""
    communes: QuerySet[AdministrativeUnit] = AdministrativeUnit.objects.valid_on().filter(
        level=Level.COMMUNE, parent__code=settings.PROVINCE_CODE
    )
    return communes


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update(of=("self",)).select_related("category").get(pk=report.pk)


def _transition(
    report: Report, to_state: str, actor: User | None, note: str = "", at: datetime.datetime | None = None
) -> None:
    at = at or timezone.now()
    StateChange.objects.create(
        report=report, from_state=report.state, to_state=to_state, actor=actor, note=note, at=at
    )
    report.state = to_state


# The states from which each officer step may be taken: the actions refuse any other state, and
# the officer's page offers a step only in these (``tinhso.feedback.views.officer_detail``).
ASSIGNABLE = (State.RECEIVED,)
REASSIGNABLE = (State.ASSIGNED, State.IN_PROGRESS, State.REOPENED)
STARTABLE = (State.ASSIGNED, State.REOPENED)
ANSWERABLE = (State.ASSIGNED, State.IN_PROGRESS, State.REOPENED)


def _refuse_state(report: Report, *allowed: str) -> None:
    if report.state not in allowed:
        raise ValidationError(
            _("This report is %(state)s: this step is not possible now.")
            % {"state": report.get_state_display()},
            code="state",
        )


def _text(value: str, field: str, required: bool = True, limit: int = DESCRIPTION_MAX_LENGTH) -> str:
    """NFC text with its length checked; line breaks are kept."""
    lines = [nfc(line) for line in str(value or "").replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines).strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > limit:
        raise ValidationError(
            {field: _("At most %(limit)d characters (now %(count)d).") % {"limit": limit, "count": len(text)}}
        )
    return text


def validate_location(
    latitude: object,
    longitude: object,
    address: str,
    commune: AdministrativeUnit | None,
    confirm_commune: bool = False,
) -> tuple[Decimal | None, Decimal | None, str, AdministrativeUnit]:
    """(latitude, longitude, address, commune), checked; the errors say which field is wrong.
    A pin outside the province is refused; one much nearer to another commune than to the chosen
    one (``geo.nearer_commune``) is refused with that commune's name until ``confirm_commune``."""
    errors: dict[str, list[str | ValidationError]] = {}
    address = nfc(address)
    given = [v for v in (latitude, longitude) if v not in (None, "")]
    lat = lng = None
    if given:
        lat = geo.parse_coordinate(latitude, -90, 90)
        lng = geo.parse_coordinate(longitude, -180, 180)
        if lat is None:
            errors["latitude"] = [_("The latitude must be a number, e.g. 10.3600.")]
        if lng is None:
            errors["longitude"] = [_("The longitude must be a number, e.g. 106.3600.")]
        if lat is not None and lng is not None and not geo.in_province(float(lat), float(lng)):
            errors["latitude"] = [_("This place is outside the province.")]
    elif not address:
        errors["address"] = [_("Place the pin on the map, type the coordinates or write the address.")]
    if len(address) > 255:
        errors["address"] = [
            _("At most %(limit)d characters (now %(count)d).") % {"limit": 255, "count": len(address)}
        ]
    if commune is None:
        errors["commune"] = [_("Choose the commune or ward.")]
    elif not province_communes().filter(pk=commune.pk).exists():
        errors["commune"] = [_("This commune is not in the province.")]
    if not errors and commune is not None and lat is not None and lng is not None and not confirm_commune:
        nearer = geo.nearer_commune(float(lat), float(lng), commune.code)
        other = province_communes().filter(code=nearer).first() if nearer else None
        if other is not None:
            message = _(
                "The pin is far from %(chosen)s and near %(other)s. Choose %(other)s, or confirm that "
                "the place is in %(chosen)s."
            ) % {"chosen": commune.name, "other": other.name}
            errors["commune"] = [ValidationError(message, code="commune_far", params={"other": other.pk})]
    if errors or commune is None:
        raise ValidationError(errors)
    return lat, lng, address, commune


def _validate_attributes(category: Category, values: dict[str, Any] | None) -> dict[str, Any]:
    """The Open311 attributes of the category: required ones present, list values known."""
    values = values or {}
    clean, errors = {}, {}
    for attribute in category.attributes:
        code = attribute["code"]
        value = values.get(code)
        value = [nfc(v) for v in value if nfc(v)] if isinstance(value, list | tuple) else nfc(value)
        if not value:
            if attribute.get("required"):
                errors[f"attribute[{code}]"] = [_("This field is required.")]
            continue
        keys = {str(v["key"]) for v in attribute.get("values", [])}
        chosen = value if isinstance(value, list) else [value]
        if keys and any(v not in keys for v in chosen):
            errors[f"attribute[{code}]"] = [_("Choose one of the listed values.")]
        elif (
            attribute.get("datatype") == "number" and geo.parse_coordinate(chosen[0], -(10**9), 10**9) is None
        ):
            errors[f"attribute[{code}]"] = [_("Enter a number.")]
        clean[code] = value if attribute.get("datatype") == "multivaluelist" else chosen[0]
    if errors:
        raise ValidationError(errors)
    return clean


def _create_report(
    actor: Actor,
    *,
    channel: str,
    entered_by: User | None = None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Report:
    category = fields["category"]
    if category is None or not category.is_active:
        raise ValidationError({"category": _("Choose a category.")})
    description = _text(fields.get("description"), "description")
    lat, lng, address, commune = validate_location(
        fields.get("latitude"),
        fields.get("longitude"),
        fields.get("address", ""),
        fields.get("commune"),
        bool(fields.get("confirm_commune")),
    )
    attributes = _validate_attributes(category, fields.get("attributes"))
    contact_email = nfc(fields.get("contact_email", "")).lower()
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError:
            raise ValidationError({"contact_email": _("Enter a valid email address.")}) from None
    uploads = list(fields.get("photos") or [])
    if len(uploads) > max_photos():
        raise ValidationError({"photos": _("At most %(count)d photos.") % {"count": max_photos()}})
    photo_errors, cleaned = [], []
    for upload in uploads:
        try:
            cleaned.append(clean_photo(upload))
        except ValidationError as exc:
            photo_errors.extend(exc.messages)
    if photo_errors:
        raise ValidationError({"photos": photo_errors})

    reporter = actor if channel != Channel.HOTLINE and getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    with transaction.atomic():
        report = Report.objects.create(
            category=category,
            description=description,
            public_description=description,
            search_text=fold(f"{category.name} {description} {address} {commune.name}"),
            latitude=lat,
            longitude=lng,
            address=address,
            commune=commune,
            attributes=attributes,
            media_url=fields.get("media_url", ""),
            anonymous=bool(fields.get("anonymous")),
            contact_name=nfc(fields.get("contact_name", ""))[:200],
            contact_phone=nfc(fields.get("contact_phone", ""))[:20],
            contact_email=contact_email,
            reporter=reporter,
            entered_by=entered_by,
            channel=channel,
            received_at=now,
            due_at=category.deadline_from(now),
        )
        report.code = f"PA-{timezone.localtime(now):%y%m%d}-{report.pk:06d}"
        report.escalate_at = report.due_at
        report.save(update_fields=["code", "escalate_at"])
        for content, width, height in cleaned:
            Photo.objects.create(report=report, file=content, width=width, height=height, size=content.size)
        StateChange.objects.create(
            report=report, to_state=State.RECEIVED, actor=actor if reporter or entered_by else None, at=now
        )
        record(
            actor if getattr(actor, "is_authenticated", False) else None,
            "feedback.submit",
            report,
            {"channel": channel, "category": category.service_code, "photos": len(cleaned)},
            request,
        )
        notify_report.enqueue(report.pk, "received")
    return report


def submit_report(
    user: Actor, *, request: HttpRequest | None = None, channel: str = Channel.WEB, **fields: Any
) -> Report:
    """A citizen (signed in or not), an app or an Open311 client files a report.

    Fields: category, description, commune, latitude, longitude, address, photos (uploaded files),
    anonymous, contact_name, contact_phone, contact_email, attributes, media_url, confirm_commune
    (the place is in the chosen commune although the pin is nearer to another).
    """
    require(user, "feedback.submit")
    return _create_report(user, channel=channel, request=request, **fields)


def enter_hotline_report(operator: User, *, request: HttpRequest | None = None, **fields: Any) -> Report:
    """A 1022 hotline operator enters a report received by phone or chat for the caller."""
    require(operator, "feedback.hotline_enter")
    return _create_report(operator, channel=Channel.HOTLINE, entered_by=operator, request=request, **fields)


def propose_agency(report: Report) -> Agency | None:
    """The routing table's proposal: category × commune, else the category's default rule,
    else the People's Committee of the report's commune."""
    rules = report.category.routing_rules.select_related("agency")
    rule = rules.filter(commune=report.commune).first() or rules.filter(commune__isnull=True).first()
    if rule:
        return rule.agency
    committees: QuerySet[Agency] = Agency.objects.valid_on().filter(kind=AgencyKind.COMMUNE_PC)
    return committees.filter(unit=report.commune).first()


def _check_agency(agency: Agency | None) -> None:
    if agency is None or not Agency.objects.valid_on().filter(pk=agency.pk).exists():
        raise ValidationError({"agency": _("Choose an agency that exists today.")})


def assign_report(
    user: User, report: Report, agency: Agency, note: str = "", request: HttpRequest | None = None
) -> Report:
    _check_agency(agency)
    with transaction.atomic():
        report = _locked(report)
        require(user, "feedback.route", report)
        _refuse_state(report, *ASSIGNABLE)
        _transition(report, State.ASSIGNED, user, nfc(note))
        report.assigned_agency = agency
        report.save()
        record(user, "feedback.assign", report, {"agency": agency.code}, request)
    return report


def reassign(
    user: User, report: Report, agency: Agency, reason: str, request: HttpRequest | None = None
) -> Report:
    _check_agency(agency)
    reason = _text(reason, "reason", limit=1000)
    with transaction.atomic():
        report = _locked(report)
        require(user, "feedback.route", report)
        _refuse_state(report, *REASSIGNABLE)
        if report.assigned_agency_id == agency.pk:
            raise ValidationError({"agency": _("The report is already with this agency.")})
        old = report.assigned_agency.code if report.assigned_agency_id else None
        _transition(report, State.ASSIGNED, user, reason)
        report.assigned_agency = agency
        report.save()
        record(user, "feedback.reassign", report, {"agency": [old, agency.code], "reason": reason}, request)
    return report


def start_work(user: User, report: Report, request: HttpRequest | None = None) -> Report:
    with transaction.atomic():
        report = _locked(report)
        require(user, "feedback.work", report)
        _refuse_state(report, *STARTABLE)
        _transition(report, State.IN_PROGRESS, user)
        report.save()
        record(user, "feedback.start_work", report, None, request)
    return report


def answer_report(user: User, report: Report, text: str, request: HttpRequest | None = None) -> Answer:
    """The agency's officer writes the answer; it waits for a leader's approval."""
    text = _text(text, "text")
    with transaction.atomic():
        report = _locked(report)
        require(user, "feedback.work", report)
        _refuse_state(report, *ANSWERABLE)
        if report.answers.filter(approved_at__isnull=True).exists():
            raise ValidationError(_("An answer is already waiting for a leader's approval."), code="pending")
        if report.state != State.IN_PROGRESS:
            _transition(report, State.IN_PROGRESS, user)
            report.save()
        answer = Answer.objects.create(
            report=report, text=text, officer=user, agency=report.assigned_agency, created_at=timezone.now()
        )
        record(user, "feedback.answer", report, {"answer": answer.pk}, request)
    return answer


def approve_answer(
    user: User, report: Report, public_description: str | None = None, request: HttpRequest | None = None
) -> Report:
    """A leader approves the pending answer: the report is answered and published (its public
    description, moderated, without the reporter's contact details)."""
    with transaction.atomic():
        report = _locked(report)
        require(user, "feedback.approve", report)
        _refuse_state(report, State.IN_PROGRESS)
        answer = report.answers.filter(approved_at__isnull=True).order_by("-created_at").first()
        if answer is None:
            raise ValidationError(_("There is no answer waiting for approval."), code="no_answer")
        now = timezone.now()
        answer.approved_by, answer.approved_at = user, now
        answer.save()
        if public_description is not None:
            report.public_description = _text(public_description, "public_description")
        _transition(report, State.ANSWERED, user, at=now)
        report.answered_at = now
        report.published, report.published_at = True, report.published_at or now
        report.search_text = fold(f"{report.category.name} {report.public_description} {report.address}")
        report.save()
        record(user, "feedback.approve_answer", report, {"answer": answer.pk, "published": True}, request)
        notify_report.enqueue(report.pk, "answered")
    return report


def reject_report(user: User, report: Report, reason: str, request: HttpRequest | None = None) -> Report:
    """Refuse a report that is not a matter for the authorities (spam, duplicate, private dispute)."""
    reason = _text(reason, "reason", limit=1000)
    with transaction.atomic():
        report = _locked(report)
        if not report.assigned_agency_id:
            require(user, "feedback.route", report)
        else:
            require(user, "feedback.approve", report)
        _refuse_state(report, *OPEN_STATES)
        now = timezone.now()
        _transition(report, State.REJECTED, user, reason, at=now)
        report.rejection_reason, report.closed_at = reason, now
        report.save()
        record(user, "feedback.reject", report, {"reason": reason}, request)
        notify_report.enqueue(report.pk, "rejected")
    return report


def moderate(
    user: User, report: Report, public_description: str, published: bool, request: HttpRequest | None = None
) -> Report:
    """Set the published text (personal data removed) and whether the report is public."""
    text = _text(public_description, "public_description")
    with transaction.atomic():
        report = _locked(report)
        require(user, "feedback.moderate", report)
        changes = {
            "published": [report.published, bool(published)],
            "text_changed": text != report.public_description,
        }
        report.public_description = text
        report.published = bool(published)
        if published and not report.published_at:
            report.published_at = timezone.now()
        report.search_text = fold(f"{report.category.name} {text} {report.address}")
        report.save()
        record(user, "feedback.moderate", report, changes, request)
    return report


def rate_answer(
    user: User, report: Report, stars: int | str | None, comment: str = "", request: HttpRequest | None = None
) -> Rating:
    """The reporter rates the answer (1–5); the report is then closed."""
    try:
        stars = int(stars) if stars is not None else 0
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise ValidationError({"stars": _("Choose from 1 to 5 stars.")})
    comment = _text(comment, "comment", required=False, limit=1000)
    with transaction.atomic():
        report = _locked(report)
        require(user, "feedback.rate", report)
        _refuse_state(report, State.ANSWERED)
        answer = report.current_answer
        if answer is None or Rating.objects.filter(answer=answer).exists():
            raise ValidationError(_("This answer has already been rated."), code="rated")
        rating = Rating.objects.create(answer=answer, stars=stars, comment=comment, user=user)
        now = timezone.now()
        _transition(report, State.CLOSED, user, at=now)
        report.closed_at = now
        report.save()
        record(user, "feedback.rate", report, {"stars": stars}, request)
    return rating


def reopen_report(user: User, report: Report, reason: str, request: HttpRequest | None = None) -> Report:
    """The reporter reopens an answered report within ``FEEDBACK_REOPEN_DAYS`` days."""
    reason = _text(reason, "reason", limit=1000)
    with transaction.atomic():
        report = _locked(report)
        require(user, "feedback.reopen", report)
        _refuse_state(report, State.ANSWERED, State.CLOSED)
        now = timezone.now()
        if report.answered_at is None or now > report.answered_at + datetime.timedelta(days=reopen_days()):
            raise ValidationError(
                _("A report can be reopened only within %(days)d days of the answer.")
                % {"days": reopen_days()},
                code="too_late",
            )
        _transition(report, State.REOPENED, user, reason, at=now)
        report.closed_at = None
        report.due_at = report.escalate_at = report.category.deadline_from(now)
        report.save()
        record(user, "feedback.reopen", report, {"reason": reason}, request)
    return report


def follow_report(user: User, report: Report, request: HttpRequest | None = None) -> Follower:
    """Follow a report (e.g. instead of filing a duplicate) to be told when it is answered."""
    require(user, "feedback.follow", report)
    with transaction.atomic():
        follower, created = Follower.objects.get_or_create(report=report, user=user)
        if created:
            record(user, "feedback.follow", report, None, request)
    return follower


def _escalation_target(report: Report) -> Agency | None:
    current = report.escalated_to or report.assigned_agency
    if current is None:
        committees: QuerySet[Agency] = Agency.objects.valid_on().filter(kind=AgencyKind.PROVINCIAL_PC)
        return committees.filter(parent__isnull=True).first()
    return current.parent or current


def escalate_overdue(now: datetime.datetime | None = None) -> list[Report]:
    """Escalate every open report past its escalation time to the next agency level up; the next
    escalation comes one more time limit later. Returns the reports escalated."""
    now = now or timezone.now()
    escalated = []
    with transaction.atomic():
        due = (
            Report.objects.open()
            .filter(escalate_at__lte=now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("category", "assigned_agency", "escalated_to")
        )
        for report in due:
            target = _escalation_target(report)
            report.escalation_level += 1
            report.escalated_to = target
            report.escalate_at = report.category.deadline_from(report.escalate_at)
            report.save()
            record(
                None,
                "feedback.escalate",
                report,
                {"level": report.escalation_level, "to": target.code if target else None},
            )
            notify_escalation.enqueue(report.pk)
            escalated.append(report)
    return escalated


def close_answered(now: datetime.datetime | None = None) -> int:
    """Close the answered reports whose reopening time has passed."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(days=reopen_days())
    closed = 0
    with transaction.atomic():
        for report in Report.objects.filter(state=State.ANSWERED, answered_at__lt=limit).select_for_update(
            skip_locked=True
        ):
            _transition(report, State.CLOSED, None, at=now)
            report.closed_at = now
            report.save()
            record(None, "feedback.close", report, {"reason": "reopen_period_over"})
            closed += 1
    return closed


# Configuration: categories and the routing table ---------------------------------------------


def save_category(
    actor: User,
    *,
    service_code: str,
    name: str,
    time_limit: int,
    time_unit: str,
    group: str = "",
    keywords: str = "",
    description: str = "",
    attributes: list[dict[str, Any]] | None = None,
    order: int = 0,
) -> Category:
    """Create the category ``service_code`` or update it (``actor`` None: the platform's own
    loaders)."""
    if actor is not None:
        require(actor, "feedback.configure")
    errors: dict[str, list[str]] = {}
    service_code, name = nfc(service_code), nfc(name)
    if (
        not service_code
        or len(service_code) > 50
        or not all(c.isascii() and (c.isalnum() or c in "-_") for c in service_code)
    ):
        errors["service_code"] = [_("Use at most 50 letters, digits, hyphens or underscores.")]
    if not name or len(name) > 200:
        errors["name"] = [_("Give the category a name of at most 200 characters.")]
    if isinstance(time_limit, bool) or not isinstance(time_limit, int) or time_limit <= 0:
        errors["time_limit"] = [_("The time limit must be a whole number above zero.")]
    if time_unit not in TimeUnit.values:
        errors["time_unit"] = [_("Choose hours or days.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        category, created = Category.objects.update_or_create(
            service_code=service_code,
            defaults={
                "name": name,
                "group": nfc(group),
                "keywords": nfc(keywords),
                "description": nfc(description),
                "time_limit": time_limit,
                "time_unit": time_unit,
                "attributes": attributes or [],
                "order": order,
            },
        )
        record(
            actor,
            "feedback.save_category",
            category,
            {"service_code": service_code, "name": name, "time_limit": [time_limit, time_unit]},
            new=created,
        )
    return category


def save_routing_rule(
    actor: User, *, category: Category, agency: Agency, commune: AdministrativeUnit | None = None
) -> RoutingRule:
    """Reports of ``category`` (in ``commune``, or anywhere when None) go to ``agency``; an
    existing rule for the same category and commune is replaced."""
    if actor is not None:
        require(actor, "feedback.configure")
    _check_agency(agency)
    if commune is not None and not province_communes().filter(pk=commune.pk).exists():
        raise ValidationError({"commune": [_("This commune is not in the province.")]})
    with transaction.atomic():
        routing, created = RoutingRule.objects.update_or_create(
            category=category, commune=commune, defaults={"agency": agency}
        )
        record(
            actor,
            "feedback.save_routing_rule",
            routing,
            {
                "category": category.service_code,
                "commune": commune.code if commune else None,
                "agency": agency.code,
            },
            new=created,
        )
    return routing


FINISHED_STATES = (State.CLOSED, State.REJECTED)
# What anonymising a closed report clears: the contact details and the link to the account.
ANONYMISED_FIELDS = ["contact_name", "contact_phone", "contact_email", "reporter"]


def anonymise_report(report: Report) -> bool:
    """Remove who sent a closed report once its retention period ended (the system, for
    ``apply_retention``; Law 91/2025/QH15 art. 2(1): de-identified data is no longer personal
    data, art. 14(1)). The report keeps its category, place, agency, states, dates and answers,
    so every count and duration stays the same. False when it was reopened meanwhile."""
    with transaction.atomic():
        report = Report.objects.select_for_update().filter(pk=report.pk, state__in=FINISHED_STATES).first()
        if report is None:
            return False
        report.contact_name = report.contact_phone = report.contact_email = ""
        report.reporter = None
        report.anonymous = True
        report.save(update_fields=[*ANONYMISED_FIELDS, "anonymous", "updated_at"])
        followers = report.followers.count()
        report.followers.all().delete()
        record(None, "feedback.anonymise", report, {"fields": ANONYMISED_FIELDS, "followers": followers})
    return True
