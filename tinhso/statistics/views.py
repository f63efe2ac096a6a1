import datetime
import hashlib

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from tinhso.accounts.permissions import can, require
from tinhso.dossiers.models import Dossier
from tinhso.statistics import charts
from tinhso.statistics.export import report_rows, report_scope, report_xlsx
from tinhso.statistics.figures import FIGURES, figure_dossiers
from tinhso.statistics.forms import DATE_FORMAT, ReportForm
from tinhso.statistics.index766 import DOSSIER_COUNTS, index_766, index_dossier_ids
from tinhso.statistics.report import one_stop_report
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


# The report's lines (``export.report_rows``) that count dossiers, in order, and their figure.
ROW_FIGURES = (
    "carried_over",
    "received",
    "received_online",
    "received_direct",
    "received_postal",
    "to_process",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "in_progress",
    "not_yet_due",
    "overdue",
    "withdrawn",
    "stopped",
    "refused",
    "returned",
)
# The report's rates (by their line in ``export.report_rows``): the figures of their numerator
# and denominator.
RATE_FIGURES = {
    18: ("received_online", "received"),
    19: ("full_process_online", "full_process"),
    21: ("received_online", "received"),
    22: ("paid_online", "fee_paid"),
    23: ("digitised", "received"),
}
# The numbers of the Decision 766 indicators that count dossiers (``index766.DOSSIER_COUNTS``).
INDEX_FIGURES = {
    "handled": _lazy("Dossiers handled in the period (Decision 766, item 2.1)"),
    "on_time": _lazy("Dossiers handled early or on time (Decision 766, item 2.1)"),
    "full_process": _lazy("Dossiers received for full-process online procedures (Decision 766, item 3.3)"),
    "full_process_online": _lazy("Of them, submitted online (Decision 766, item 3.3)"),
    "had_to_pay": _lazy("Dossiers received that had to pay (Decision 766, item 3.6)"),
    "paid_online": _lazy("Of them, paid online (Decision 766, item 3.6)"),
    "finished": _lazy("Dossiers finished with a document result (Decision 766, item 4.1)"),
    "e_result": _lazy("Of them, with an electronic result (Decision 766, item 4.1)"),
    "received": _lazy("Dossiers received in the period (Decision 766, item 4.2)"),
    "digitised": _lazy("Of them, digitised (Decision 766, item 4.2)"),
    "synced": _lazy("Of them, synchronised to the national portal (Decision 766, item 1.4)"),
}


def figure_url(figure: str, query, **changes) -> str:
    """The list of the dossiers behind ``figure`` for the report's ``query`` (a QueryDict)."""
    query = query.copy()
    for key, value in changes.items():
        query[key] = value
    path = (
        reverse("statistics:overdue") if figure == "overdue" else reverse("statistics:figure", args=[figure])
    )
    return path + "?" + query.urlencode()


def _linked_rows(result, query) -> list[tuple[str, object, str, list]]:
    """The report's lines with the list each number opens, and for a rate its numerator and
    denominator, each with its list."""
    rows = report_rows(result) if result else []
    linked = []
    for index, (label, value) in enumerate(rows):
        url = figure_url(ROW_FIGURES[index], query) if index < len(ROW_FIGURES) else ""
        parts = [
            (result["counts"][figure], figure_url(figure, query), FIGURES[figure])
            for figure in RATE_FIGURES.get(index, ())
        ]
        linked.append((label, value, url, parts))
    return linked


def _month_links(bars, query, data) -> None:
    """Each month's bar opens the dossiers received or resolved that month (within the period)."""
    for bar in bars:
        month = bar["month"]
        last = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        bar["url"] = figure_url(
            bar["key"],
            query,
            date_from=max(month, data["date_from"]).strftime(DATE_FORMAT),
            date_to=min(last, data["date_to"]).strftime(DATE_FORMAT),
        )


def _index_links(index, query) -> None:
    """The 766 indicators that count dossiers open them: numerator and denominator, for the
    scope and in the agency bars for each agency."""
    for group in index["total"]["groups"]:
        for row in group["indicators"]:
            if row["code"] in DOSSIER_COUNTS and row["denominator"] is not None:
                numerator, denominator = DOSSIER_COUNTS[row["code"]]
                row["numerator_url"] = _index_url(numerator, query)
                row["denominator_url"] = _index_url(denominator, query)


def _index_url(flag: str, query, agency_id=None) -> str:
    query = query.copy()
    if agency_id is not None:
        query["receiving_agency"] = agency_id
    return reverse("statistics:index_figure", args=[flag]) + "?" + query.urlencode()


# A report is the same for every viewer who may ask for it: computed at most once a minute per
# query, language and list of agencies the viewer may choose (the form is part of it), so that
# leaders opening the same report on a deadline day do not each count and draw it again; the page
# says when it was computed.
REPORT_CACHE_SECONDS = 60
REPORT_CACHE_VERSION = 2  # raised when the report's part of the page changes


def _report_html(query, form: ReportForm) -> str:
    """The form and the report of the valid ``form`` for ``query`` (the report's links carry
    it), rendered without the request so that nothing of one viewer is kept for another."""
    data = form.cleaned_data
    pks = form.agencies.values_list("pk", flat=True)
    choosable = "all" if form.province_wide else ",".join(map(str, pks))
    digest = hashlib.sha256(f"{query.urlencode()}|{choosable}".encode()).hexdigest()
    cache_key = f"statistics:report:{REPORT_CACHE_VERSION}:{get_language()}:{digest}"
    html = cache.get(cache_key)
    if html is None:
        result, index = _report(data)
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
            "links": {key: figure_url(key, query) for key in ("received", "resolved")},
        }
        _month_links(glance["months"]["bars"], query, data)
        _index_links(index, query)
        for bar in glance["agencies"]["bars"]:
            bar["url"] = _index_url("on_time", query, bar["pk"])
        html = render_to_string(
            "statistics/_report_body.html",
            {
                "form": form,
                "computed_at": timezone.now(),
                "report": result,
                "index": index,
                "glance": glance,
                "overdue_url": figure_url("overdue", query),
                "rows": _linked_rows(result, query),
                "scope": report_scope(result),
                "export_query": query.urlencode() + "&export=xlsx",
            },
        )
        cache.set(cache_key, html, REPORT_CACHE_SECONDS)
    return html


def _report(data: dict) -> tuple[dict, dict]:
    """The one-stop report and the Decision 766 index of the form's valid ``data``."""
    result = one_stop_report(**_scope(data), date_from=data["date_from"], date_to=data["date_to"])
    index = index_766(
        data["agency"], data["include_children"], date_from=data["date_from"], date_to=data["date_to"]
    )
    return result, index


@login_required
def report(request):
    form = _form(request)
    body = ""
    if form.is_valid():
        data = form.cleaned_data
        if request.GET.get("export") == "xlsx":
            response = HttpResponse(report_xlsx(*_report(data)), content_type=XLSX)
            name = f"bao-cao-mot-cua-{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        body = _report_html(request.GET, form)
    return render(
        request,
        "statistics/report.html",
        {"form": form, "body": body, "title": _("One-stop statistics")},
    )


def _listing(request, title: "str | Promise", dossiers, data, figure_query: str):
    page = Paginator(dossiers.select_related("procedure", "receiving_agency").order_by("pk"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "statistics/dossiers.html",
        {
            "page": page,
            "title": title,
            "scope": report_scope(_scope(data)),
            "data": data,
            **_back(request, figure_query),
        },
    )


def _back(request, figure_query: str) -> dict:
    """The list's back link: ``next`` when it is a page of this site (the operations centre opens
    the lists with its own page and scope), else the report of the same query. Anything else in
    ``next`` (another host, a scheme, ``//host``, an unknown path) is ignored."""
    target = request.GET.get("next", "")
    if (
        target.startswith("/")
        and len(target) <= 500
        and url_has_allowed_host_and_scheme(target, allowed_hosts=set())
    ):
        try:
            match = resolve(target.split("?", 1)[0])
        except Resolver404:
            match = None
        if match is not None:
            label = _("Back to the operations centre") if match.namespace == "ioc" else _("Back")
            return {"back_url": target, "back_label": label}
    return {
        "back_url": reverse("statistics:report") + "?" + figure_query,
        "back_label": _("Back to the report"),
    }


def _report_query(request) -> str:
    query = request.GET.copy()
    for key in ("page", "receiving_agency", "next"):
        query.pop(key, None)
    return query.urlencode()


@login_required
def figure(request, figure: str):
    """The dossiers behind one number of the report, same scope, period and permission."""
    if figure not in FIGURES:
        raise Http404
    form = _form(request)
    if not form.is_valid():
        return redirect(reverse("statistics:report") + "?" + request.GET.urlencode())
    data = form.cleaned_data
    dossiers = figure_dossiers(figure, **_scope(data), date_from=data["date_from"], date_to=data["date_to"])
    return _listing(request, FIGURES[figure], dossiers, data, _report_query(request))


@login_required
def overdue(request):
    """The overdue dossiers behind the report's count (the link of earlier versions)."""
    return figure(request, "overdue")


@login_required
def index_figure(request, flag: str):
    """The dossiers behind a number of the Decision 766 index (a numerator or denominator of an
    indicator that counts dossiers), for the report's agency scope or one receiving agency in it."""
    if flag not in INDEX_FIGURES:
        raise Http404
    form = _form(request)
    if not form.is_valid():
        return redirect(reverse("statistics:report") + "?" + request.GET.urlencode())
    data = form.cleaned_data
    receiving = request.GET.get("receiving_agency")
    receiving_id = int(receiving) if receiving and receiving.isdigit() else None
    ids = index_dossier_ids(
        flag,
        data["agency"],
        data["include_children"],
        date_from=data["date_from"],
        date_to=data["date_to"],
        receiving_agency_id=receiving_id,
    )
    return _listing(
        request, INDEX_FIGURES[flag], Dossier.objects.filter(pk__in=ids), data, _report_query(request)
    )
