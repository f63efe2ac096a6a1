"""The open-data pages at ``/du-lieu-mo/``: the catalogue with its search, a dataset with its
data dictionary, a preview, its versions and its history, and the CSV and DCAT downloads. Anyone
reads what is published; the publishing agency's managers ("opendata.manage") also see their
unpublished datasets and refresh, publish or withdraw them here."""

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tinhso.accounts.permissions import can
from tinhso.core.links import site_url
from tinhso.core.text import fold
from tinhso.opendata import actions, catalogue, dcat
from tinhso.opendata.changes import SHOWN_MAX, compare
from tinhso.opendata.models import Dataset, Version
from tinhso.opendata.sources import SOURCES

PREVIEW_ROWS = 20
TYPE_NAMES = {
    "text": gettext_lazy("text"),
    "int": gettext_lazy("whole number"),
    "bool": gettext_lazy("yes or no"),
}
QUERY_MAX_LENGTH = 100


def _english() -> bool:
    return translation.get_language().startswith("en")


def _label() -> str:
    """The key of a column's label in the page's language (a version's ``fields[i]["info"]``)."""
    return "label_en" if _english() else "label"


def _shown(dataset: Dataset) -> Dataset:
    """The dataset with ``shown_title`` and ``shown_notes`` in the page's language (English when
    the dataset has it)."""
    english = _english()
    dataset.shown_title = (english and dataset.title_en) or dataset.title  # type: ignore[attr-defined]
    dataset.shown_notes = (english and dataset.notes_en) or dataset.notes  # type: ignore[attr-defined]
    return dataset


def _visible(request: HttpRequest, name: str) -> Dataset:
    """A published dataset, or an unpublished one to its managers; 404 to anyone else."""
    dataset = get_object_or_404(Dataset.objects.select_related("organization"), name=name)
    if not dataset.is_published and not can(request.user, "opendata.manage", dataset.organization):
        raise Http404
    return dataset


def index(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:QUERY_MAX_LENGTH]
    organization = request.GET.get("organization", "")[:60]
    datasets = (
        Dataset.objects.filter(is_published=True)
        .select_related("organization")
        .order_by("-modified_at", "pk")
    )
    words = fold(query).split()
    for word in words:
        datasets = datasets.filter(Q(title_folded__contains=word) | Q(notes_folded__contains=word))
    publishers = sorted(
        {
            dataset.organization
            for dataset in Dataset.objects.filter(is_published=True).select_related("organization")
        },
        key=lambda agency: agency.name_folded,
    )
    chosen = next(
        (agency for agency in publishers if catalogue.organization_name(agency) == organization), None
    )
    if chosen is not None:
        datasets = datasets.filter(organization=chosen)
    page = Paginator(datasets, 20).get_page(request.GET.get("page"))
    candidates = (
        Dataset.objects.filter(is_published=False).select_related("organization").order_by("name")
        if request.user.is_authenticated and can(request.user, "opendata.manage")
        else Dataset.objects.none()
    )
    managed = [_shown(item) for item in candidates if can(request.user, "opendata.manage", item.organization)]
    for item in page.object_list:
        _shown(item)
    return render(
        request,
        "opendata/index.html",
        {
            "title": _("Open data"),
            "page": page,
            "query": query,
            "publishers": [(catalogue.organization_name(agency), agency.name) for agency in publishers],
            "organization": organization if chosen else "",
            "unpublished": managed,
            "site": site_url(request),
        },
    )


def dataset(request: HttpRequest, name: str) -> HttpResponse:
    found = _shown(_visible(request, name))
    label = _label()
    resources = []
    for resource in found.resources.all():
        versions = list(resource.versions.defer("records").order_by("-number"))
        newest = resource.versions.order_by("-number").first()
        resources.append(
            {
                "resource": resource,
                "versions": versions,
                "newest": newest,
                "name": (_english() and resource.name_en) or resource.name,
                "columns": [
                    {
                        "id": field["id"],
                        "type": TYPE_NAMES.get(field["type"], field["type"]),
                        "label": field["info"][label],
                        "notes": field["info"]["notes"],
                    }
                    for field in (newest.fields if newest else [])
                ],
                "preview": newest.records[:PREVIEW_ROWS] if newest else [],
            }
        )
    return render(
        request,
        "opendata/dataset.html",
        {
            "title": found.shown_title,  # type: ignore[attr-defined]
            "dataset": found,
            "resources": resources,
            "activities": found.activities.select_related("actor")[:20],
            "may_manage": can(request.user, "opendata.manage", found.organization),
            "organization_name": catalogue.organization_name(found.organization),
            "preview_rows": PREVIEW_ROWS,
        },
    )


def csv_download(request: HttpRequest, name: str, resource: str, number: int) -> HttpResponse:
    """A version as CSV in UTF-8 with a byte order mark (so that spreadsheet programs read the
    Vietnamese right), the columns' ids as its header."""
    found = _visible(request, name)
    version = get_object_or_404(Version, resource__dataset=found, resource__uuid=resource, number=number)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([field["id"] for field in version.fields])
    writer.writerows(version.records)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{found.name}-v{version.number}.csv"'
    return response


def version_changes(request: HttpRequest, name: str, resource: str, number: int) -> HttpResponse:
    """What version ``number`` changed from the one before it."""
    found = _shown(_visible(request, name))
    new = get_object_or_404(Version, resource__dataset=found, resource__uuid=resource, number=number)
    old = get_object_or_404(Version, resource=new.resource, number=number - 1)
    label = _label()
    changes = compare(old, new, SOURCES[found.source].row_key)
    return render(
        request,
        "opendata/changes.html",
        {
            "title": _("What version %(number)s changed") % {"number": number},
            "dataset": found,
            "old": old,
            "new": new,
            "changes": changes,
            "labels": [field["info"][label] for field in new.fields],
            "changed": [
                {
                    "key": row["key"],
                    "cells": [(info[label], before, after) for info, before, after in row["cells"]],
                }
                for row in changes.changed
            ],
            "shown_max": SHOWN_MAX,
        },
    )


def _rdf(graph, fmt: str) -> HttpResponse:
    serializer, content_type = dcat.FORMATS[fmt]
    return HttpResponse(graph.serialize(format=serializer), content_type=f"{content_type}; charset=utf-8")


def catalog(request: HttpRequest, fmt: str) -> HttpResponse:
    page = request.GET.get("page", "1")
    graph = dcat.catalog(site_url(request), int(page)) if page.isdigit() and len(page) < 7 else None
    if graph is None:
        raise Http404
    return _rdf(graph, fmt)


def dataset_rdf(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    found = get_object_or_404(catalogue.published(), name=name)
    return _rdf(dcat.dataset_graph(found, site_url(request)), fmt)


@require_POST
def manage(request: HttpRequest, name: str, operation: str) -> HttpResponse:
    found = _visible(request, name)
    if not can(request.user, "opendata.manage", found.organization):
        raise PermissionDenied
    try:
        if operation == "refresh":
            created = actions.refresh_dataset(request.user, found, request=request)
            messages.success(
                request,
                _("A new version of the data is kept.")
                if created
                else _("The data has not changed since the last version."),
            )
        elif operation == "publish":
            actions.set_published(request.user, found, True, request=request)
            messages.success(request, _("The dataset is published."))
        elif operation == "withdraw":
            actions.set_published(request.user, found, False, request=request)
            messages.success(request, _("The dataset is withdrawn from publication."))
        else:
            raise Http404
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("opendata:dataset", name=found.name)
