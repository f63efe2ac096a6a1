"""Changes to the working calendar: each checks permission, saves in one transaction and is audited."""

from django.db import transaction

from tinhso.accounts.permissions import require
from tinhso.audit.services import record
from tinhso.worktime.models import CalendarException, WorkPeriod, WorkSchedule, validate_periods

EXCEPTION_FIELDS = ("date", "kind", "name", "note")
SCHEDULE_FIELDS = ("name", "valid_from", "valid_to", "note")


def _value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _changes(before: dict, after: dict) -> dict:
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def _removed(before: dict) -> dict:
    return {key: [value, None] for key, value in before.items()}


def _snapshot(obj, fields) -> dict:
    return {field: _value(getattr(obj, field)) for field in fields}


def _period_rows(periods) -> list[str]:
    return [f"{weekday}:{start:%H:%M}-{end:%H:%M}" for weekday, start, end in sorted(periods)]


def save_exception(actor, exception: CalendarException, request=None) -> CalendarException:
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


def delete_exception(actor, exception: CalendarException, request=None) -> None:
    require(actor, "worktime.change", exception)
    with transaction.atomic():
        changes = _removed(_snapshot(exception, EXCEPTION_FIELDS))
        record(actor, "worktime.exception_deleted", exception, changes, request=request)
        exception.delete()


def save_schedule(actor, schedule: WorkSchedule, periods, request=None) -> WorkSchedule:
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


def delete_schedule(actor, schedule: WorkSchedule, request=None) -> None:
    require(actor, "worktime.change", schedule)
    with transaction.atomic():
        before = _snapshot(schedule, SCHEDULE_FIELDS)
        before["periods"] = _period_rows(schedule.periods.values_list("weekday", "start", "end"))
        record(actor, "worktime.schedule_deleted", schedule, _removed(before), request=request)
        schedule.delete()
