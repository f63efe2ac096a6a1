"""Pages of the operations centre: the leaders' page, the lists its feedback, documents and
"due soon" numbers open, the scorecard, and the wallboard (no sign-in: a signed link)."""

import hashlib
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from tinhso.accounts.permissions import can, require
from tinhso.agencies.models import Agency
from tinhso.feedback.models import Category
from tinhso.feedback.views import map_settings
from tinhso.ioc import indicators, transparency, wallboard
from tinhso.ioc.scorecard import scorecard
from tinhso.lgsp.models import Service, Subsystem
from tinhso.statistics.charts import month_bars
from tinhso.statistics.rules import visible_agencies
from tinhso.units.models import AdministrativeUnit

PAGE_SIZE = 50


def _pk(raw: str) -> int | None:
    """``raw`` as a primary key: ASCII digits that fit a database integer, else None."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 18 else None


def scope_of(request) -> Agency | None:
    """The agency asked for (``?agency=<id>``; empty: the province, or the viewer's own top
    agency when they may not see the province). Unknown or outside the viewer's scope: refused
    alike, so that the answer tells nothing about agencies the viewer may not see."""
    raw = request.GET.get("agency", "")
    if raw:
        pk = _pk(raw)
        agency = Agency.objects.filter(pk=pk).first() if pk is not None else None
        if agency is None or not can(request.user, "ioc.view", agency):
            raise PermissionDenied("ioc.view")
        return agency
    if can(request.user, "ioc.view", None):
        return None
    own = visible_agencies(request.user).order_by("path").first()
    if own is None:
        raise PermissionDenied("ioc.view")
    return own


def _choices(request, agency) -> list[tuple[str, str, bool]]:
    """The scopes the viewer may choose: the province (if allowed), then their agencies."""
    rows = []
    if can(request.user, "ioc.view", None):
        rows.append(("", _("The whole province"), agency is None))
    for pk, name in visible_agencies(request.user).order_by("path").values_list("pk", "name"):
        rows.append((str(pk), name, agency is not None and agency.pk == pk))
    return rows


# The figures of a scope are the same for every leader who may see it; computed at most once a
# minute per scope, language and list of scopes the viewer may choose (drawn with them), so that a
# room of leaders and the operations centre's screens opening the page do not each compute every
# indicator again; the page says when they were computed.
DASHBOARD_CACHE_SECONDS = 60
DASHBOARD_CACHE_VERSION = 2  # raised when the kept part of the page changes


def _figures_html(request, agency: Agency | None) -> str:
    """The scope list and the figures of the leaders' page for ``agency`` (None: the province),
    rendered without the request so that nothing of one viewer is kept for another."""
    province = can(request.user, "ioc.view", None)
    choosable = visible_agencies(request.user).order_by("path").values_list("pk", flat=True)
    # The levels are in the key too: a level the administrator sets shows at once.
    levels = repr(sorted(indicators.levels().items()))
    digest = hashlib.sha256(f"{province}|{list(choosable)}|{levels}".encode()).hexdigest()
    key = f"ioc:dashboard:{DASHBOARD_CACHE_VERSION}:{agency.pk if agency else 0}:{get_language()}:{digest}"
    html = cache.get(key)
    if html is None:
        data = indicators.dashboard(agency)
        trend = indicators.trend(agency, data["today"])
        bars = month_bars(trend)
        for bar in bars["bars"]:
            row = next(row for row in trend if row["month"] == bar["month"])
            bar["url"] = row[f"{bar['key']}_url"]
        html = render_to_string(
            "ioc/_dashboard_body.html",
            {
                "d": data,
                "choices": _choices(request, agency),
                "trend": trend,
                "bars": bars,
                "province": agency is None,
                "rising_levels": data["rising_levels"],
                "rising_minimum": indicators.RISING_MINIMUM,
                **map_settings(),
            },
        )
        cache.set(key, html, DASHBOARD_CACHE_SECONDS)
    return html


@login_required
def dashboard(request):
    agency = scope_of(request)
    return render(
        request,
        "ioc/dashboard.html",
        {
            "title": _("Operations centre"),
            "body": _figures_html(request, agency),
            "scope_name": agency.name if agency else _("The whole province"),
        },
    )


@login_required
def records(request, figure: str):
    """The records behind a feedback, documents or "due soon" number, same scope, same definition."""
    agency = scope_of(request)
    now = timezone.now()
    titles = {
        **indicators.DOSSIER_FIGURES,
        **indicators.RATING_FIGURES,
        **indicators.FEEDBACK_FIGURES,
        **indicators.DOCUMENT_FIGURES,
        **indicators.SHARING_FIGURES,
        **indicators.SERVICE_FIGURES,
    }
    if figure not in titles:
        raise Http404
    filters = []
    rows: QuerySet[Any]
    if figure in indicators.DOSSIER_FIGURES:
        kind = "dossiers"
        rows = indicators.due_soon_dossiers(agency, now).select_related("procedure", "receiving_agency")
        rows = rows.order_by("due_at", "pk")
    elif figure in indicators.RATING_FIGURES:
        kind = "ratings"
        rows = indicators.rated_dossiers(figure, agency, now).select_related(
            "procedure", "receiving_agency", "rating"
        )
        rows = rows.order_by("-rating__rated_at", "pk")
    elif figure in indicators.FEEDBACK_FIGURES:
        kind = "feedback"
        category = _optional(Category, request.GET.get("category"))
        commune = _optional(AdministrativeUnit, request.GET.get("commune"))
        filters = [str(x) for x in (category, commune) if x is not None]
        rows = indicators.feedback_reports(figure, agency, now, category=category, commune=commune)
        rows = rows.select_related("category", "commune", "assigned_agency").order_by("due_at", "pk")
    elif figure in indicators.SHARING_FIGURES:
        kind = "calls"
        rows = indicators.sharing_calls(figure, agency, now).order_by("-request_in_ts", "-sequence")
    elif figure in indicators.SERVICE_FIGURES:
        kind = "services"
        rows = indicators.sharing_services(figure, agency, now).select_related("subsystem__member")
        rows = rows.order_by("title", "pk")
    else:
        kind = "deliveries" if figure in ("doc_failed", "doc_unsent") else "documents"
        rows = indicators.document_records(figure, agency, now)
        if kind == "deliveries":
            rows = rows.select_related("document", "document__agency", "recipient", "external").order_by("pk")
        else:
            rows = rows.select_related("agency").order_by("handling_due_at", "arrived_at", "pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    if kind == "documents":
        for document in page:
            document.may_read = can(request.user, "documents.view_incoming", document)
    if kind == "calls":
        _name_calls(page)
    back = indicators.dashboard_path(agency)
    return render(
        request,
        "ioc/records.html",
        {
            "title": titles[figure],
            "kind": kind,
            "page": page,
            "filters": filters,
            "scope_name": agency.name if agency else _("The whole province"),
            "computed_at": now,
            "back": back,
        },
    )


def _name_calls(page) -> None:
    """The systems and services of a page of calls by their names (the identifier when unknown).
    The path is not shown: it can carry a personal number (the population lookup's
    ``/citizens/<number>``); the full records are on the province administrator's page."""
    systems = {s.identifier: s for s in Subsystem.objects.select_related("member")}
    titles = {s.identifier: s.title for s in Service.objects.select_related("subsystem__member")}
    for call in page:
        system = systems.get(call.client)
        call.client_name = f"{system.member.name} ({system.name})" if system else call.client
        call.service_title = titles.get(call.service, call.service or "—")
        call.duration_ms = round((call.response_out_ts - call.request_in_ts).total_seconds() * 1000)
        call.failed = bool(call.fault_code) or call.status_code >= 500


def _optional(model, raw):
    """The row named by ``raw`` (an id); None when absent; 404 when not a known id."""
    if not raw:
        return None
    row = model.objects.filter(pk=_pk(raw)).first() if _pk(raw) else None
    if row is None:
        raise Http404
    return row


@login_required
def targets(request):
    require(request.user, "ioc.view", None)
    return render(
        request, "ioc/scorecard.html", {"title": _("Digital-transformation scorecard"), "s": scorecard()}
    )


WALL_TILES = 8  # tiles a wall page shows at most, so that a 1366 × 768 screen shows them all


def wall_pages(data: dict) -> list[dict]:
    """The wallboard's pages: the exceptions, then each area, an area with more than
    ``WALL_TILES`` tiles split into pages of even size, numbered ("2/2"); a TV does not scroll."""
    pages = []
    for key, title, tiles in (
        ("exceptions", _("Needs attention"), data["exceptions"]),
        *((area["key"], area["title"], area["tiles"]) for area in data["areas"]),
    ):
        count = -(-len(tiles) // WALL_TILES)
        size = -(-len(tiles) // count) if tiles else 0
        for number in range(max(count, 1)):
            pages.append(
                {
                    "id": f"wall-{key}-{number + 1}",
                    "title": title if count <= 1 else f"{title} ({number + 1}/{count})",
                    "tiles": tiles[number * size : (number + 1) * size],
                }
            )
    return pages


@never_cache
def wall(request, token: str):
    """The wallboard: the link's scope only, no sign-in, refreshed and rotated by its script."""
    try:
        link = wallboard.resolve(token)
    except wallboard.Refused as refused:
        return render(request, "ioc/wall_refused.html", {"message": refused.message}, status=refused.status)
    data = indicators.dashboard(link.agency)
    stale = (data["computed_at"] - data["data_as_of"]).total_seconds() > link.stale_minutes * 60
    return render(
        request,
        "ioc/wall.html",
        {
            "link": link,
            "d": data,
            "pages": wall_pages(data),
            "s": scorecard() if link.agency is None else None,
            "stale": stale,
            "scope_name": link.agency.name if link.agency else _("The whole province"),
        },
    )


def public(request):
    """The public transparency page: no sign-in, counts and rates per department and commune."""
    query = request.GET.get("q", "")[:100]
    return render(
        request,
        "ioc/transparency.html",
        {"title": _("Public service transparency"), "query": query, "t": transparency.rows(query)},
    )
