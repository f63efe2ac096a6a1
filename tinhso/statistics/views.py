from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tinhso.accounts.permissions import can, require
from tinhso.statistics import charts
from tinhso.statistics.export import report_rows, report_scope, report_xlsx
from tinhso.statistics.forms import ReportForm
from tinhso.statistics.index766 import index_766
from tinhso.statistics.report import one_stop_report, overdue_before, overdue_dossiers
from tinhso.statistics.rules import visible_agencies

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form(request) -> ReportForm:
    agencies = visible_agencies(request.user)
    province_wide = can(request.user, "statistics.view", None)
    if not province_wide and not agencies.exists():
        raise PermissionDenied("statistics.view")
    form = ReportForm(request.GET or None, agencies=agencies, province_wide=province_wide)
    if form.is_valid():
        require(request.user, "statistics.view", form.cleaned_data["agency"])
    return form


def _scope(data: dict) -> dict:
    return {key: data[key] for key in ("agency", "include_children", "field", "procedure")}


def _linked_rows(result, overdue_url: str) -> list[tuple[str, object, str]]:
    """The report's lines with the link each number opens: the overdue count (the line after
    "not yet due": "late" and "overdue" read the same in Vietnamese) opens its dossiers."""
    rows = report_rows(result) if result else []
    labels = [label for label, _value in rows]
    overdue = labels.index(_("— not yet due")) + 1 if rows else -1
    return [
        (label, value, overdue_url if index == overdue else "") for index, (label, value) in enumerate(rows)
    ]


@login_required
def report(request):
    form = _form(request)
    result = index = glance = None
    overdue_url = ""
    if form.is_valid():
        data = form.cleaned_data
        overdue_url = reverse("statistics:overdue") + "?" + request.GET.urlencode()
        result = one_stop_report(**_scope(data), date_from=data["date_from"], date_to=data["date_to"])
        index = index_766(
            data["agency"], data["include_children"], date_from=data["date_from"], date_to=data["date_to"]
        )
        if request.GET.get("export") == "xlsx":
            response = HttpResponse(report_xlsx(result, index), content_type=XLSX)
            name = f"bao-cao-mot-cua-{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        glance = {
            "received": charts.number(result["received"]["total"]),
            "resolved": charts.number(result["resolved"]["total"]),
            "on_time": None
            if result["rates"]["on_time"] is None
            else charts.number(result["rates"]["on_time"]),
            "overdue": result["in_progress"]["overdue"],
            "months": charts.month_bars(
                charts.monthly_flow(**_scope(data), date_from=result["date_from"], date_to=result["date_to"])
            ),
            "agencies": charts.agency_on_time(index),
            "groups": charts.group_points(index),
        }
    return render(
        request,
        "statistics/report.html",
        {
            "form": form,
            "report": result,
            "index": index,
            "glance": glance,
            "overdue_url": overdue_url,
            "rows": _linked_rows(result, overdue_url),
            "scope": report_scope(result) if result else "",
            "export_query": request.GET.urlencode() + "&export=xlsx" if result else "",
            "title": _("One-stop statistics"),
        },
    )


@login_required
def overdue(request):
    """The open overdue dossiers behind the report's count, same scope and permission."""
    form = _form(request)
    if not form.is_valid():
        return redirect(reverse("statistics:report") + "?" + request.GET.urlencode())
    data = form.cleaned_data
    before = overdue_before(data["date_to"])
    dossiers = overdue_dossiers(**_scope(data), before=before)
    page = Paginator(dossiers, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "statistics/overdue.html",
        {
            "page": page,
            "before": before,
            "scope": report_scope(_scope(data)),
            "report_url": reverse("statistics:report") + "?" + request.GET.urlencode(),
            "title": _("Overdue dossiers"),
        },
    )
