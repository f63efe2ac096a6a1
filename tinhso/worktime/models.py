"""The working calendar as data: office hours per weekday, the yearly swaps of days and the
years whose public holidays a province administrator has confirmed.

For a year nobody has confirmed, the public holidays come from the ``holidays`` package (see
``calendar.py``) and are provisional; confirming a year stores its holidays here, each with its
legal basis, and from then on the stored days are the calendar, whatever a later version of the
package says. The other rows are what a province configures: its office hours (which may change
from a date, e.g. summer/winter hours) and the days off and make-up working days that the Prime
Minister fixes each year.
"""

import datetime
import itertools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tinhso.core.text import format_date, format_weekday_date, nfc
from tinhso.units.validity import ValidityQuerySet, format_period


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkSchedule(models.Model):
    """Office hours valid from ``valid_from`` to ``valid_to`` inclusive (empty bound: open).

    At most one schedule is valid on any day; on a day no schedule covers, the default hours
    apply (07:30–11:30 and 13:30–17:00, Monday to Friday).
    """

    name = models.CharField(_("name"), max_length=200)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        verbose_name = _("working schedule")
        verbose_name_plural = _("working schedules")
        ordering = ["-valid_from"]

    def __str__(self):
        return f"{self.name} ({format_period(self.valid_from, self.valid_to)})"

    def clean(self):
        self.name = nfc(self.name)
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": gettext("The end date cannot be before the start date.")})
        clash = WorkSchedule.objects.overlapping(self.valid_from, self.valid_to).exclude(pk=self.pk).first()
        if clash is not None:
            raise ValidationError(
                gettext("This period overlaps the schedule “%(name)s”: only one schedule can apply on a day.")
                % {"name": clash}
            )


class WorkPeriod(models.Model):
    """One stretch of office hours on a weekday, ``[start, end)``."""

    schedule = models.ForeignKey(
        WorkSchedule, on_delete=models.CASCADE, related_name="periods", verbose_name=_("schedule")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        ordering = ["weekday", "start"]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


def validate_periods(periods: list[tuple[int, datetime.time, datetime.time]]) -> None:
    """Refuse an empty week, a period that ends before it starts, or two periods that overlap."""
    if not periods:
        raise ValidationError(gettext("A schedule needs at least one working period."))
    errors = []
    for weekday, start, end in periods:
        if end <= start:
            errors.append(
                gettext("%(weekday)s: a period must end after it starts (%(start)s–%(end)s).")
                % {"weekday": Weekday(weekday).label, "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
            )
    by_day = sorted(periods)
    for (day_a, _start_a, end_a), (day_b, start_b, _end_b) in itertools.pairwise(by_day):
        if day_a == day_b and start_b < end_a:
            errors.append(gettext("%(weekday)s: two periods overlap.") % {"weekday": Weekday(day_a).label})
    if errors:
        raise ValidationError(errors)


class CalendarException(models.Model):
    """A day the Prime Minister (or the province) swaps: an extra day off or a make-up working day.

    An exception overrides both the weekly hours and the public holidays of the package.
    """

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKING_DAY = "working_day", _("Working day")

    date = models.DateField(
        _("date"), unique=True, error_messages={"unique": _("This date already has an exception.")}
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    note = models.TextField(
        _("legal basis"), blank=True, help_text=_("The decision or notice that fixed this day.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["-date"]

    def __str__(self):
        return f"{format_date(self.date)}: {self.name}"

    def clean(self):
        from tinhso.worktime.calendar import get_calendar

        self.name = nfc(self.name)
        if self.date is None or self.kind not in self.Kind.values:
            return
        calendar = get_calendar()
        day = format_weekday_date(self.date)
        if self.kind == self.Kind.WORKING_DAY and calendar.base_periods(self.date):
            raise ValidationError({"kind": gettext("%(day)s is already a working day.") % {"day": day}})
        if self.kind == self.Kind.DAY_OFF and not calendar.base_periods(self.date):
            holiday = calendar.holiday_name(self.date)
            if holiday:
                message = gettext("%(day)s is already a public holiday (%(holiday)s).") % {
                    "day": day,
                    "holiday": holiday,
                }
            else:
                message = gettext("%(day)s is already a day off (no working hours that day).") % {"day": day}
            raise ValidationError({"kind": message})


class HolidayYear(models.Model):
    """A year whose public holidays a province administrator confirmed (``actions.confirm_year``).

    The Prime Minister fixes the five Tết days and the day next to 2 September each year (Labour
    Code 2019 art. 112(3)); until the province has checked the year against that decision, the
    package's days are a guess and shown as provisional.
    """

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, error_messages={"unique": _("This year is already confirmed.")}
    )
    basis = models.TextField(
        _("legal basis"), help_text=_("The decisions or notices that fixed this year's days.")
    )
    confirmed_at = models.DateTimeField(_("confirmed at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("confirmed holiday year")
        verbose_name_plural = _("holidays by year")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class Holiday(models.Model):
    """A public holiday of a confirmed year, as confirmed, with its legal basis."""

    year = models.ForeignKey(
        HolidayYear, on_delete=models.CASCADE, related_name="holidays", verbose_name=_("year")
    )
    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    basis = models.CharField(_("legal basis"), max_length=500)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")
        ordering = ["date"]

    def __str__(self):
        return f"{format_date(self.date)}: {self.name}"
