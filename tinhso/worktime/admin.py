"""Configuration screens for office hours and the yearly swaps of days (Vietnamese admin)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.permissions import can
from tinhso.core.text import WEEKDAYS
from tinhso.units.validity import format_period
from tinhso.worktime import actions
from tinhso.worktime.calendar import year_days
from tinhso.worktime.models import (
    CalendarException,
    HolidayYear,
    WorkPeriod,
    WorkSchedule,
    validate_periods,
)


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
    list_display = ["date", "weekday", "kind", "name", "note"]
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


class ConfirmYearForm(forms.Form):
    basis = forms.CharField(
        label=_("Legal basis"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The decisions or notices you checked this year's days against."),
    )


@admin.register(HolidayYear)
class HolidayYearAdmin(CalendarPermissionMixin, admin.ModelAdmin):
    """Each year's public holidays and swaps with their legal basis; an administrator confirms a
    year (``actions.confirm_year``) or withdraws the confirmation. No add/change forms: the rows
    are written by those actions only."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "nam/<int:year>/",
                self.admin_site.admin_view(self.year_view),
                name="worktime_holidayyear_year",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        confirmed = {row.year: row for row in HolidayYear.objects.select_related("confirmed_by")}
        years = [
            {"year": year, "confirmed": confirmed.get(year)} for year in reversed(actions.confirmable_years())
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Holidays by year"),
            "years": years,
        }
        return TemplateResponse(request, "admin/worktime/holidayyear/years.html", context)

    def year_view(self, request, year):
        if not self.has_view_permission(request):
            raise PermissionDenied
        if year not in actions.confirmable_years():
            raise Http404
        confirmed = HolidayYear.objects.select_related("confirmed_by").filter(year=year).first()
        form = ConfirmYearForm(
            request.POST if request.method == "POST" and "confirm" in request.POST else None
        )
        if request.method == "POST":
            try:
                if "withdraw" in request.POST and confirmed is not None:
                    actions.withdraw_confirmation(request.user, confirmed, request=request)
                    messages.success(
                        request, gettext("The confirmation of %(year)s was withdrawn.") % {"year": year}
                    )
                    return HttpResponseRedirect(request.path)
                if form.is_valid():
                    actions.confirm_year(request.user, year, form.cleaned_data["basis"], request=request)
                    messages.success(
                        request, gettext("The days off of %(year)s are confirmed.") % {"year": year}
                    )
                    return HttpResponseRedirect(request.path)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
        if confirmed is None:
            title = gettext("Days off in %(year)s (provisional)") % {"year": year}
        else:
            title = gettext("Days off in %(year)s") % {"year": year}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "year": year,
            "confirmed": confirmed,
            "days": year_days(year),
            "form": form,
            "public_url": reverse("worktime:year", args=[year]),
        }
        return TemplateResponse(request, "admin/worktime/holidayyear/year.html", context)
