"""Changes to the working calendar: each checks permission, saves in one transaction and is audited."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.accounts.permissions import Actor, require
from tinhso.audit.services import record
from tinhso.core.text import nfc
from tinhso.worktime.calendar import VN_TZ, holiday_basis, package_holidays
from tinhso.worktime.models import (
    CalendarException,
    Holiday,
    HolidayYear,
    WorkPeriod,
    WorkSchedule,
    validate_periods,
)

# The Labour Code 2019 (Law 45/2019/QH14) is in force from 1/1/2021 (art. 220(1)): earlier years
# follow the 2012 Code and are not confirmed here.
FIRST_CONFIRMABLE_YEAR = 2021

EXCEPTION_FIELDS = ("date", "kind", "name", "note")
SCHEDULE_FIELDS = ("name", "valid_from", "valid_to", "note")
# A weekly period: (weekday, start, end).
Period = tuple[int, datetime.time, datetime.time]


def _value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def _removed(before: dict[str, Any]) -> dict[str, list[Any]]:
    return {key: [value, None] for key, value in before.items()}


def _snapshot(obj: object, fields: Iterable[str]) -> dict[str, Any]:
    return {field: _value(getattr(obj, field)) for field in fields}


def _period_rows(periods: Iterable[Period]) -> list[str]:
    return [f"{weekday}:{start:%H:%M}-{end:%H:%M}" for weekday, start, end in sorted(periods)]


def save_exception(
    actor: Actor, exception: CalendarException, request: HttpRequest | None = None
) -> CalendarException:
    """Create or change a day off / make-up working day."""
    require(actor, "worktime.change", exception)
    with transaction.atomic():
        before = {}
        if exception.pk:
            old = CalendarException.objects.select_for_update().get(pk=exception.pk)
            before = _snapshot(old, EXCEPTION_FIELDS)
        exception.full_clean()
        exception.save()
        action = "worktime.exception_changed" if before else "worktime.exception_created"
        changes = _changes(before, _snapshot(exception, EXCEPTION_FIELDS))
        record(actor, action, exception, changes, request=request)
    return exception


def delete_exception(actor: Actor, exception: CalendarException, request: HttpRequest | None = None) -> None:
    require(actor, "worktime.change", exception)
    with transaction.atomic():
        changes = _removed(_snapshot(exception, EXCEPTION_FIELDS))
        record(actor, "worktime.exception_deleted", exception, changes, request=request)
        exception.delete()


def save_schedule(
    actor: Actor, schedule: WorkSchedule, periods: Iterable[Period], request: HttpRequest | None = None
) -> WorkSchedule:
    """Create or change a schedule together with its periods ``[(weekday, start, end), ...]``."""
    require(actor, "worktime.change", schedule)
    periods = list(periods)
    with transaction.atomic():
        before = {}
        if schedule.pk:
            old = WorkSchedule.objects.select_for_update().get(pk=schedule.pk)
            before = _snapshot(old, SCHEDULE_FIELDS)
            before["periods"] = _period_rows(old.periods.values_list("weekday", "start", "end"))
        schedule.full_clean()
        validate_periods(periods)
        schedule.save()
        schedule.periods.all().delete()
        WorkPeriod.objects.bulk_create(
            WorkPeriod(schedule=schedule, weekday=day, start=start, end=end) for day, start, end in periods
        )
        after = _snapshot(schedule, SCHEDULE_FIELDS)
        after["periods"] = _period_rows(periods)
        action = "worktime.schedule_changed" if before else "worktime.schedule_created"
        record(actor, action, schedule, _changes(before, after), request=request)
    return schedule


def delete_schedule(actor: Actor, schedule: WorkSchedule, request: HttpRequest | None = None) -> None:
    require(actor, "worktime.change", schedule)
    with transaction.atomic():
        before = _snapshot(schedule, SCHEDULE_FIELDS)
        before["periods"] = _period_rows(schedule.periods.values_list("weekday", "start", "end"))
        record(actor, "worktime.schedule_deleted", schedule, _removed(before), request=request)
        schedule.delete()


def confirmable_years(today: datetime.date | None = None) -> range:
    """The years an administrator may confirm: from 2021 to the next year (later years are not
    decided yet: the Prime Minister fixes each year's Tết days in the autumn before)."""
    today = today or timezone.now().astimezone(VN_TZ).date()
    return range(FIRST_CONFIRMABLE_YEAR, today.year + 2)


def confirm_year(actor: User, year: int, basis: str, request: HttpRequest | None = None) -> HolidayYear:
    """Confirm ``year``'s public holidays as the calendar shows them now (the package's days),
    each stored with its legal basis; from then on they are no longer provisional.

    ``basis`` names the decisions or notices the administrator checked them against (Labour Code
    2019 art. 112(3): the Prime Minister fixes the Tết days and the day next to 2/9). A day the
    decision fixed differently is corrected with a calendar exception, before or after.
    """
    require(actor, "worktime.change", None)
    basis = " ".join(nfc(basis or "").split())
    if isinstance(year, bool) or not isinstance(year, int) or year not in confirmable_years():
        raise ValidationError(
            {
                "year": _("Only the years from %(first)s to next year can be confirmed.")
                % {"first": FIRST_CONFIRMABLE_YEAR}
            }
        )
    if not basis:
        raise ValidationError({"basis": _("Give the decisions or notices that fixed this year's days.")})
    with transaction.atomic():
        if HolidayYear.objects.select_for_update().filter(year=year).exists():
            raise ValidationError({"year": _("This year is already confirmed.")})
        confirmed = HolidayYear.objects.create(
            year=year, basis=basis, confirmed_at=timezone.now(), confirmed_by=actor
        )
        days = sorted(package_holidays(year).items())
        Holiday.objects.bulk_create(
            Holiday(year=confirmed, date=day, name=name, basis=holiday_basis(day, name)) for day, name in days
        )
        record(
            actor,
            "worktime.year_confirmed",
            confirmed,
            {"basis": [None, basis], "holidays": [None, [f"{day.isoformat()} {name}" for day, name in days]]},
            request=request,
            new=True,
        )
    return confirmed


def withdraw_confirmation(actor: Actor, confirmed: HolidayYear, request: HttpRequest | None = None) -> None:
    """Undo a confirmation: the year's holidays are the package's guess again, shown as provisional."""
    require(actor, "worktime.change", confirmed)
    with transaction.atomic():
        stored = HolidayYear.objects.select_for_update().get(pk=confirmed.pk)
        days = [f"{row.date.isoformat()} {row.name}" for row in stored.holidays.all()]
        record(
            actor,
            "worktime.year_confirmation_withdrawn",
            stored,
            {"basis": [stored.basis, None], "holidays": [days, None]},
            request=request,
        )
        stored.delete()
