"""The operations centre's writes: targets and their entered values, indicator thresholds, and
wallboard links. Each checks permission ("ioc.configure": province administrators), validates,
saves in one transaction with the audit entry and the ``IocEvent``; the admin, the pages and the
demo loader call these."""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.accounts.permissions import Actor, require
from tinhso.agencies.models import Agency
from tinhso.audit.services import record
from tinhso.core.text import nfc
from tinhso.ioc import indicators, measures
from tinhso.ioc.models import EnteredValue, IocEvent, Target, Threshold, WallboardLink

TARGET_FIELDS = (
    "name",
    "legal_source",
    "kind",
    "measure",
    "target_value",
    "target_date",
    "amber_margin",
    "order",
    "is_active",
)
MAX_LINK_DAYS = 366


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return value.isoformat() if hasattr(value, "isoformat") else value


def _snapshot(obj: object, fields: tuple[str, ...]) -> dict[str, Any]:
    return {field: _value(getattr(obj, field)) for field in fields}


def _event(kind: str, obj: Any, data: dict[str, Any]) -> None:
    IocEvent.objects.create(kind=kind, object_id=obj.pk, data=data, occurred_at=timezone.now())


def _percent(value: Any, label: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("%(label)s must be a number.") % {"label": label}) from None
    if not number.is_finite() or not 0 <= number <= 100:
        raise ValidationError(_("%(label)s must be between 0 and 100.") % {"label": label})
    return number.quantize(Decimal("0.1"))


def save_target(actor: Actor, target: Target, request: HttpRequest | None = None) -> Target:
    """Create or change a target. A measured target names a measure of the registry
    (``measures.MEASURES``); an entered one names none."""
    require(actor, "ioc.configure", target)
    target.name = nfc(target.name or "").strip()
    target.legal_source = nfc(target.legal_source or "").strip()
    if target.kind == Target.Kind.MEASURED and target.measure not in measures.BY_KEY:
        raise ValidationError({"measure": _("Choose one of the measures the platform computes.")})
    if target.kind == Target.Kind.ENTERED and target.measure:
        raise ValidationError({"measure": _("An entered target has no measure: leave it empty.")})
    target.target_value = _percent(target.target_value, _("The target"))
    target.amber_margin = _percent(target.amber_margin, _("The amber margin"))
    with transaction.atomic():
        before: dict[str, Any] = {}
        if target.pk:
            before = _snapshot(Target.objects.select_for_update().get(pk=target.pk), TARGET_FIELDS)
        target.full_clean()
        target.save()
        after = _snapshot(target, TARGET_FIELDS)
        changes = {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}
        record(actor, "ioc.target_saved", target, changes, request=request, new=not before)
        _event(IocEvent.Kind.TARGET_SAVED, target, after)
    return target


def validate_entered(target: Target, value: Any, as_of: datetime.date, source: str) -> tuple[Decimal, str]:
    """The value and source of an entered value, checked (``ValidationError`` otherwise)."""
    if target.kind != Target.Kind.ENTERED:
        raise ValidationError(_("This target is measured by the platform: its value cannot be entered."))
    number = _percent(value, _("The value"))
    source = nfc(source or "").strip()
    if not source:
        raise ValidationError({"source": _("Say where the value comes from.")})
    if as_of > timezone.localdate():
        raise ValidationError({"as_of": _("The date of the value cannot be in the future.")})
    return number, source


def enter_value(
    actor: Actor,
    target: Target,
    value: Any,
    as_of: datetime.date,
    source: str,
    request: HttpRequest | None = None,
) -> EnteredValue:
    """Record a value of an entered target with its source (the report or decision it comes from)."""
    require(actor, "ioc.configure", target)
    number, source = validate_entered(target, value, as_of, source)
    assert isinstance(actor, User)
    with transaction.atomic():
        entered = EnteredValue(target=target, value=number, as_of=as_of, source=source, entered_by=actor)
        entered.full_clean()
        entered.save()
        data = {"target": target.pk, "value": str(number), "as_of": as_of.isoformat(), "source": source}
        record(actor, "ioc.value_entered", target, data, request=request)
        _event(IocEvent.Kind.VALUE_ENTERED, entered, data)
    return entered


def validate_levels(indicator: str, amber: Any, red: Any) -> tuple[Decimal, Decimal]:
    """The amber and red levels of ``indicator``, checked against its direction."""
    definition = indicators.BY_KEY.get(indicator)
    if definition is None:
        raise ValidationError(_("There is no indicator %(key)s.") % {"key": indicator})
    try:
        amber_level, red_level = Decimal(str(amber)), Decimal(str(red))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("The levels must be numbers.")) from None
    if not (amber_level.is_finite() and red_level.is_finite()) or min(amber_level, red_level) < 0:
        raise ValidationError(_("The levels must be numbers of 0 or more."))
    if definition.percent and max(amber_level, red_level) > 100:
        raise ValidationError(_("The levels of a rate must be between 0 and 100."))
    if definition.worse == indicators.HIGHER and red_level < amber_level:
        raise ValidationError(_("For this indicator a higher number is worse: red must not be below amber."))
    if definition.worse == indicators.LOWER and red_level > amber_level:
        raise ValidationError(_("For this indicator a lower number is worse: red must not be above amber."))
    return amber_level, red_level


def set_threshold(
    actor: Actor, indicator: str, amber: Any, red: Any, request: HttpRequest | None = None
) -> Threshold:
    """Set the levels at which an indicator of the leaders' page turns amber and red."""
    require(actor, "ioc.configure", None)
    amber_level, red_level = validate_levels(indicator, amber, red)
    with transaction.atomic():
        threshold = Threshold.objects.select_for_update().filter(indicator=indicator).first()
        before = {"amber": str(threshold.amber), "red": str(threshold.red)} if threshold else {}
        threshold = threshold or Threshold(indicator=indicator)
        threshold.amber, threshold.red = amber_level, red_level
        threshold.save()
        after = {"amber": str(amber_level), "red": str(red_level)}
        changes = {key: [before.get(key), value] for key, value in after.items()}
        record(actor, "ioc.threshold_set", threshold, {"indicator": indicator, **changes}, request=request)
        _event(IocEvent.Kind.THRESHOLD_SET, threshold, {"indicator": indicator, **after})
    return threshold


def issue_wallboard_link(
    actor: Actor,
    name: str,
    agency: Agency | None,
    days: int,
    rotate_seconds: int = 20,
    stale_minutes: int = 30,
    request: HttpRequest | None = None,
) -> WallboardLink:
    """A read-only link for a wall screen, valid ``days`` days (at most a year), showing the
    numbers of ``agency`` (None: the province)."""
    require(actor, "ioc.configure", agency)
    name = nfc(name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the screen a name, e.g. the room it is in.")})
    if not 1 <= days <= MAX_LINK_DAYS:
        raise ValidationError({"days": _("A link is valid from 1 to %(max)d days.") % {"max": MAX_LINK_DAYS}})
    assert isinstance(actor, User)
    with transaction.atomic():
        link = WallboardLink(
            name=name,
            agency=agency,
            expires_at=timezone.now() + datetime.timedelta(days=days),
            rotate_seconds=rotate_seconds,
            stale_minutes=stale_minutes,
            created_by=actor,
        )
        link.full_clean()
        link.save()
        data = {
            "name": name,
            "agency": agency.code if agency else None,
            "expires_at": link.expires_at.isoformat(),
        }
        record(actor, "ioc.wallboard_issued", link, data, request=request, new=True)
        _event(IocEvent.Kind.LINK_ISSUED, link, data)
    return link


def revoke_wallboard_link(
    actor: Actor, link: WallboardLink, request: HttpRequest | None = None
) -> WallboardLink:
    """Stop a wallboard link at once (a screen showing it gets the refusal at its next refresh)."""
    require(actor, "ioc.configure", link.agency)
    with transaction.atomic():
        locked = WallboardLink.objects.select_for_update().get(pk=link.pk)
        if locked.revoked_at is not None:
            raise ValidationError(_("This link is already revoked."))
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        record(
            actor,
            "ioc.wallboard_revoked",
            locked,
            {"revoked_at": locked.revoked_at.isoformat()},
            request=request,
        )
        _event(IocEvent.Kind.LINK_REVOKED, locked, {"name": locked.name})
    return locked
