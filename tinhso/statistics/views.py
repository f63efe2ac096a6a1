from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tinhso.accounts.permissions import can, require
from tinhso.statistics.export import report_rows, report_scope, report_xlsx
from tinhso.statistics.forms import ReportForm
from tinhso.statistics.report import one_stop_report
from tinhso.statistics.rules import visible_agencies

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def report(request):
    agencies = visible_agencies(request.user)
    province_wide = can(request.user, "statistics.view", None)
    if not province_wide and not agencies.exists():
        raise PermissionDenied("statistics.view")
    form = ReportForm(request.GET or None, agencies=agencies, province_wide=province_wide)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        require(request.user, "statistics.view", data["agency"])
        result = one_stop_report(
            agency=data["agency"],
            include_children=data["include_children"],
            field=data["field"],
            procedure=data["procedure"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
        if request.GET.get("export") == "xlsx":
            response = HttpResponse(report_xlsx(result), content_type=XLSX)
            name = f"bao-cao-mot-cua-{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    return render(
        request,
        "statistics/report.html",
        {
            "form": form,
            "report": result,
            "rows": report_rows(result) if result else [],
            "scope": report_scope(result) if result else "",
            "export_query": request.GET.urlencode() + "&export=xlsx" if result else "",
            "title": _("One-stop statistics"),
        },
    )
