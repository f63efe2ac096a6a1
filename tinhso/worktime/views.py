"""The public calendar of days off, one year a page, each day with its legal basis."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.worktime.actions import confirmable_years
from tinhso.worktime.calendar import VN_TZ, is_provisional, year_days
from tinhso.worktime.models import HolidayYear


def current(request):
    return redirect("worktime:year", timezone.now().astimezone(VN_TZ).year)


def year(request, year):
    years = confirmable_years()
    if year not in years:
        raise Http404
    provisional = is_provisional(year)
    if provisional:
        title = _("Days off in %(year)s (provisional)") % {"year": year}
    else:
        title = _("Days off in %(year)s") % {"year": year}
    context = {
        "title": title,
        "year": year,
        "years": list(years),
        "provisional": provisional,
        "confirmed": HolidayYear.objects.filter(year=year).first(),
        "days": year_days(year),
    }
    return render(request, "worktime/year.html", context)
