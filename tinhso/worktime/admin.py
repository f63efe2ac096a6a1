"""Configuration screens for office hours and the yearly swaps of days (Vietnamese admin)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.permissions import can
from tinhso.core.text import WEEKDAYS
from tinhso.units.validity import format_period
from tinhso.worktime import actions
from tinhso.worktime.models import CalendarException, WorkPeriod, WorkSchedule, validate_periods


class CalendarPermissionMixin:
    """Only those allowed to change the calendar see these screens."""

    def has_module_permission(self, request):
        return can(request.user, "worktime.change")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "worktime.change", obj)

    def has_add_permission(self, request, *args):
        return can(request.user, "worktime.change")

    def has_change_permission(self, request, obj=None):
        return can(request.user, "worktime.change", obj)

    def has_delete_permission(self, request, obj=None):
        return can(request.user, "worktime.change", obj)


def _periods_of(formset) -> list:
    return [
        (form.cleaned_data["weekday"], form.cleaned_data["start"], form.cleaned_data["end"])
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class WorkPeriodFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            validate_periods(_periods_of(self))
        except ValidationError as error:
            raise ValidationError(error.messages) from error


class WorkPeriodInline(CalendarPermissionMixin, admin.TabularInline):
    model = WorkPeriod
    formset = WorkPeriodFormSet
    fields = ["weekday", "start", "end"]
    extra = 0


@admin.register(WorkSchedule)
class WorkScheduleAdmin(CalendarPermissionMixin, admin.ModelAdmin):
    list_display = ["name", "period", "note"]
    fields = ["name", "valid_from", "valid_to", "note"]
    inlines = [WorkPeriodInline]

    @admin.display(description=_("validity"))
    def period(self, obj):
        return format_period(obj.valid_from, obj.valid_to)

    def save_model(self, request, obj, form, change):
        """Saved together with its periods in ``save_related``."""

    def save_related(self, request, form, formsets, change):
        periods = [period for formset in formsets for period in _periods_of(formset)]
        actions.save_schedule(request.user, form.instance, periods, request=request)

    def construct_change_message(self, request, form, formsets, add=False):
        """The periods are replaced by the action (and audited there), not saved by the formsets."""
        return super().construct_change_message(request, form, [], add)

    def delete_model(self, request, obj):
        actions.delete_schedule(request.user, obj, request=request)

    def delete_queryset(self, request, queryset):
        for schedule in queryset:
            actions.delete_schedule(request.user, schedule, request=request)


@admin.register(CalendarException)
class CalendarExceptionAdmin(CalendarPermissionMixin, admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name", "note"]
    date_hierarchy = "date"
    fields = ["date", "kind", "name", "note"]

    @admin.display(description=_("weekday"))
    def weekday(self, obj):
        return WEEKDAYS[obj.date.weekday()]

    def save_model(self, request, obj, form, change):
        actions.save_exception(request.user, obj, request=request)

    def delete_model(self, request, obj):
        actions.delete_exception(request.user, obj, request=request)

    def delete_queryset(self, request, queryset):
        for exception in queryset:
            actions.delete_exception(request.user, exception, request=request)
