"""The catalogue read through CKAN's Action API (version 3), so that CKAN's own clients
(``ckanapi``), the CKAN harvester of other portals and the national open-data portal's
harvesting read tinhso like any CKAN site: ``/api/3/action/<name>`` and ``/api/action/<name>``,
GET with a query string or POST with a JSON body, answered in CKAN's envelope
(``{"help", "success", "result"}`` or ``{"help", "success": false, "error": {"__type",
"message"}}``) with CKAN's status codes (400 search query, 404 not found, 409 validation).

Read-only and public: only published datasets are listed. A provincial catalogue holds hundreds of
datasets, not millions, so the search runs over the published catalogue in Python (Solr's
syntax for the subset the clients send: ``q`` and ``fq`` of clauses ``field:value``,
``-field:…``, ``field:(a OR b)``, ``metadata_modified:[2026-01-01T00:00:00Z TO *]``, groups in
parentheses and bare words, searched in every text field with accents and case ignored, joined by
AND (the default) or OR)."""

import csv
import datetime
import io
import json
import re
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from tinhso.core.links import site_url
from tinhso.core.text import fold, nfc
from tinhso.opendata import catalogue
from tinhso.opendata.models import LICENSE_URLS, Dataset, License, Resource, Version

CKAN_VERSION = "2.10.0"
ROWS_MAX = 1000
DATASTORE_ROWS_MAX = 32_000


class ActionError(Exception):
    def __init__(self, status: int, kind: str, message: str | dict):
        self.status, self.kind, self.message = status, kind, message


def _not_found(what: str) -> ActionError:
    return ActionError(404, "Not Found Error", f"Not found: {what}")


def _validation(field: str, message: str) -> ActionError:
    return ActionError(409, "Validation Error", {field: [message]})


def _query_error(message: str) -> ActionError:
    return ActionError(400, "Search Query Error", message)


def _int(params: dict, name: str, default: int, maximum: int) -> int:
    value = params.get(name, default)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _validation(name, "Invalid integer") from None
    if number < 0:
        raise _validation(name, "Must be a natural number")
    return min(number, maximum)


def _json_param(params: dict, name: str, default: Any) -> Any:
    value = params.get(name, default)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise _validation(name, "Could not parse as valid JSON") from None
    return value


def _bool(params: dict, name: str, default: bool) -> bool:
    value = params.get(name, default)
    return value if isinstance(value, bool) else str(value).lower() in {"true", "1", "yes"}


# --- search over the published catalogue ---------------------------------------------------------

# A clause: an operator, ``[sign]field:value`` or a bare word or phrase (searched in ``text``).
CLAUSE = re.compile(
    r"""\s*(?:(?P<op>AND|OR|NOT|&&|\|\|)(?=\s)"""
    r"""|(?P<sign>[-+!])?(?:(?P<field>[a-z_.]+):)?(?P<value>"(?:[^"\\]|\\.)*"|\[[^\]]*\]|\([^)]*\)|[^\s()]+))"""
)
UUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")
RANGE = re.compile(r"\[\s*(\S+)\s+TO\s+(\S+)\s*\]")


# Searched word by word, accents and case ignored (Solr's analysed text fields).
TEXT_FIELDS = {"title", "notes", "text"}
SEARCH_FIELDS = TEXT_FIELDS | {
    "organization",
    "owner_org",
    "tags",
    "res_format",
    "name",
    "id",
    "license_id",
    "state",
    "type",
    "metadata_modified",
    "metadata_created",
    "dataset_type",
    "capacity",
    "groups",
}


def _values(package: dict, field: str) -> list[str]:
    """What a package holds in a searchable field, as strings."""
    match field:
        case "organization":
            return [package["organization"]["name"]]
        case "owner_org":
            return [package["owner_org"]]
        case "tags":
            return [tag["name"] for tag in package["tags"]]
        case "res_format":
            return [resource["format"] for resource in package["resources"]]
        case "name" | "id" | "license_id" | "state" | "type" | "metadata_modified" | "metadata_created":
            return [package[field]]
        case "dataset_type":
            return [package["type"]]
        case "capacity":
            return ["public"]
    return []


def _when(text: str) -> datetime.datetime | None:
    if text == "*":
        return None
    if text == "NOW":
        return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    try:
        moment = parse_datetime(text.removesuffix("Z") + ("+00:00" if text.endswith("Z") else ""))
    except ValueError:
        moment = None
    if moment is None:
        raise _query_error(f"Invalid date in range: {text}")
    return (
        moment.replace(tzinfo=None)
        if moment.tzinfo is None
        else moment.astimezone(datetime.UTC).replace(tzinfo=None)
    )


def _matcher(field: str, value: str) -> Callable[[dict], bool]:
    if field not in SEARCH_FIELDS:
        raise _query_error(f"Unknown field in search: {field}")
    if field in {"metadata_modified", "metadata_created"} and (found := RANGE.fullmatch(value)):
        low, high = _when(found.group(1)), _when(found.group(2))

        def in_range(package: dict) -> bool:
            moment = datetime.datetime.fromisoformat(package[field])
            return (low is None or moment >= low) and (high is None or moment <= high)

        return in_range
    if field in TEXT_FIELDS:
        words = fold(value.strip("()").replace('"', " ")).split()
        return lambda package: all(word in fold(_text(package, field)) for word in words)
    if value.startswith("(") and value.endswith(")"):
        wanted = {nfc(part.strip().strip('"')) for part in re.split(r"\s+OR\s+", value[1:-1].strip())}
    else:
        wanted = {nfc(value.strip('"').replace('\\"', '"'))}
    if wanted == {"*"}:
        return lambda package: bool(_values(package, field))
    return lambda package: bool(wanted & set(_values(package, field)))


def _all_of(groups: list[list[Callable[[dict], bool]]]) -> Callable[[dict], bool]:
    return lambda package: all(any(match(package) for match in group) for group in groups)


def _parse(query: str) -> list[list[Callable[[dict], bool]]]:
    """A Solr query of field clauses as AND of ORs: ``a:1 OR a:2 -b:3`` → [[a1, a2], [not b3]]."""
    groups: list[list[Callable[[dict], bool]]] = []
    position, join_next, negate_next = 0, False, False
    query = query.strip()
    while position < len(query):
        found = CLAUSE.match(query, position)
        if not found or found.end() == position:
            raise _query_error(f"Cannot parse the search query near: {query[position : position + 40]}")
        position = found.end()
        if found.group("op"):
            op = found.group("op")
            join_next = op in {"OR", "||"}
            negate_next = op == "NOT"
            continue
        field, value = found.group("field"), found.group("value")
        if field is None and value.startswith("(") and ":" in value:
            match = _all_of(_parse(value[1:-1]))  # a group: (a:1 OR a:2)
        else:
            match = _matcher(field or "text", value)
        if found.group("sign") in {"-", "!"} or negate_next:
            match = (lambda inner: lambda package: not inner(package))(match)
        if join_next and groups:
            groups[-1].append(match)
        else:
            groups.append([match])
        join_next = negate_next = False
    return groups


def _text(package: dict, field: str = "text") -> str:
    """A text field of a package in both languages; ``text`` is all of them with the keywords and
    the agency, as CKAN's catch-all field."""
    extras = {extra["key"]: extra["value"] for extra in package["extras"]}
    if field == "title":
        return f"{package['title']} {extras.get('title_en', '')}"
    if field == "notes":
        return f"{package['notes']} {extras.get('notes_en', '')}"
    keywords = " ".join(tag["name"] for tag in package["tags"])
    return " ".join(
        [
            _text(package, "title"),
            _text(package, "notes"),
            package["name"],
            package["organization"]["title"],
            keywords,
        ]
    )


SORT_KEYS: dict[str, Callable[[dict], Any]] = {
    "id": lambda package: package["id"],
    "name": lambda package: package["name"],
    "title_string": lambda package: fold(package["title"]),
    "metadata_modified": lambda package: package["metadata_modified"],
    "metadata_created": lambda package: package["metadata_created"],
}


def _sorted(packages: list[dict], sort: str) -> list[dict]:
    keys = []
    for part in [part.strip() for part in sort.split(",") if part.strip()]:
        field, _space, direction = part.partition(" ")
        direction = direction.strip() or "asc"
        if field == "score":
            continue
        if field not in SORT_KEYS or direction not in {"asc", "desc"}:
            raise _query_error(f"Cannot sort by: {part}")
        keys.append((SORT_KEYS[field], direction == "desc"))
    for key, descending in reversed(keys):
        packages = sorted(packages, key=key, reverse=descending)
    return packages


def search(params: dict, site: str) -> dict[str, Any]:
    rows = _int(params, "rows", 10, ROWS_MAX)
    start = _int(params, "start", 0, 10**9)
    q = str(params.get("q") or "").strip()
    fq = str(params.get("fq") or "").strip()
    groups = _parse(fq) if fq else []
    if q and q != "*:*":
        groups += _parse(q)
    packages = [catalogue.package_dict(dataset, site) for dataset in catalogue.published()]
    matches = _all_of(groups)
    found = [package for package in packages if matches(package)]
    sort = str(params.get("sort") or "score desc, metadata_modified desc")
    found = _sorted(found, sort)
    facet_fields = _json_param(params, "facet.field", [])
    if not isinstance(facet_fields, list) or not all(isinstance(field, str) for field in facet_fields):
        raise _validation("facet.field", "Must be a list of field names")
    limit = _int(params, "facet.limit", 50, 10**6) if str(params.get("facet.limit", "")) != "-1" else None
    mincount = _int(params, "facet.mincount", 1, 10**6)
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, dict] = {}
    for field in facet_fields:
        counts = Counter(value for package in found for value in set(_values(package, field)))
        items = [(value, count) for value, count in counts.most_common() if count >= mincount][:limit]
        facets[field] = dict(items)
        search_facets[field] = {
            "title": field,
            "items": [{"name": value, "display_name": value, "count": count} for value, count in items],
        }
    return {
        "count": len(found),
        "sort": sort,
        "results": found[start : start + rows],
        "facets": facets,
        "search_facets": search_facets,
    }


# --- actions -------------------------------------------------------------------------------------


def _dataset(params: dict, site: str) -> dict:
    key = str(params.get("id") or params.get("name") or "")
    if not key:
        raise _validation("id", "Missing value")
    by_key = Q(name=key) | Q(uuid=key) if UUID.fullmatch(key) else Q(name=key)
    dataset = catalogue.published().filter(by_key).first()
    if dataset is None:
        raise _not_found("dataset")
    return catalogue.package_dict(dataset, site)


def _organizations(site: str) -> list[dict]:
    """The agencies publishing at least one dataset, with how many."""
    datasets = list(Dataset.objects.filter(is_published=True).select_related("organization"))
    counts = Counter(dataset.organization.pk for dataset in datasets)
    agencies = {dataset.organization.pk: dataset.organization for dataset in datasets}
    organizations = [
        {**catalogue.organization_dict(agency), "package_count": counts[pk]}
        for pk, agency in agencies.items()
    ]
    return sorted(organizations, key=lambda organization: organization["name"])


def _version(resource_id: str) -> Version:
    resource = (
        Resource.objects.filter(uuid=resource_id, dataset__is_published=True)
        .select_related("dataset")
        .first()
        if UUID.fullmatch(resource_id)
        else None
    )
    version = resource.versions.order_by("-number").first() if resource else None
    if version is None:
        raise _not_found("resource")
    return version


def status_show(params: dict, site: str) -> dict:
    return {
        "site_title": "Dữ liệu mở",
        "site_description": "",
        "site_url": site,
        "ckan_version": CKAN_VERSION,
        "api_version": 3,
        "locale_default": "vi",
        "extensions": ["datastore", "activity"],
    }


def package_list(params: dict, site: str) -> list[str]:
    limit = _int(params, "limit", ROWS_MAX, ROWS_MAX)
    offset = _int(params, "offset", 0, 10**9)
    names = sorted(catalogue.published().values_list("name", flat=True))
    return names[offset : offset + limit]


def package_show(params: dict, site: str) -> dict:
    return _dataset(params, site)


def package_activity_list(params: dict, site: str) -> list[dict]:
    package = _dataset(params, site)
    dataset = Dataset.objects.get(uuid=package["id"])
    limit = _int(params, "limit", 31, 100)
    offset = _int(params, "offset", 0, 10**9)
    return [
        {
            "id": str(activity.pk),
            "package_id": package["id"],
            "activity_type": activity.kind,
            "timestamp": catalogue.ckan_time(activity.at),
            "data": activity.data if activity.kind != "created" else {},
        }
        for activity in dataset.activities.order_by("-at", "-pk")[offset : offset + limit]
    ]


def organization_list(params: dict, site: str) -> list:
    organizations = _organizations(site)
    sort = str(params.get("sort") or "name asc")
    field, _space, direction = sort.partition(" ")
    if field not in {"name", "title", "package_count"} or direction.strip() not in {"", "asc", "desc"}:
        raise _validation("sort", "Cannot sort by this field")
    organizations.sort(key=lambda organization: organization[field], reverse=direction.strip() == "desc")
    limit = _int(params, "limit", 1000, 1000)
    offset = _int(params, "offset", 0, 10**9)
    organizations = organizations[offset : offset + limit]
    if _bool(params, "all_fields", False):
        return organizations
    return [organization["name"] for organization in organizations]


def organization_show(params: dict, site: str) -> dict:
    key = str(params.get("id") or "")
    for organization in _organizations(site):
        if key in {organization["id"], organization["name"]}:
            if _bool(params, "include_datasets", False):
                organization["packages"] = [
                    catalogue.package_dict(dataset, site)
                    for dataset in catalogue.published().filter(organization__code=organization["id"])
                ]
            return organization
    raise _not_found("organization")


def group_list(params: dict, site: str) -> list:
    return []


def tag_list(params: dict, site: str) -> list[str]:
    query = fold(str(params.get("query") or ""))
    tags = {tag for tags in catalogue.published().values_list("tags", flat=True) for tag in tags}
    return sorted(tag for tag in tags if query in fold(tag))


def license_list(params: dict, site: str) -> list[dict]:
    return [
        {
            "id": str(licence.value),
            "title": str(licence.label),
            "url": LICENSE_URLS[licence],
            "od_conformance": "approved",
            "osd_conformance": "not reviewed",
            "status": "active",
        }
        for licence in License
    ]


def resource_show(params: dict, site: str) -> dict:
    resource_id = str(params.get("id") or "")
    dataset = (
        catalogue.published().filter(resources__uuid=resource_id).first()
        if UUID.fullmatch(resource_id)
        else None
    )
    if dataset is None:
        raise _not_found("resource")
    [resource] = [resource for resource in dataset.resources.all() if resource.uuid == uuid.UUID(resource_id)]
    return catalogue.resource_dict(resource, dataset, site)


def _cell_matches(value: Any, wanted: Any) -> bool:
    options = wanted if isinstance(wanted, list) else [wanted]
    return any(
        str(value).lower() == str(option).lower() if isinstance(value, bool) else str(value) == str(option)
        for option in options
    )


def datastore_search(params: dict, site: str) -> dict:
    """The newest version of a resource, as CKAN's DataStore answers a search of it; each row
    has its position in the version as ``_id``."""
    resource_id = str(params.get("resource_id") or params.get("id") or "")
    if not resource_id:
        raise _validation("resource_id", "Missing value")
    version = _version(resource_id)
    columns = [field["id"] for field in version.fields]
    fields = [{"id": "_id", "type": "int"}, *version.fields]
    records = [[number, *row] for number, row in enumerate(version.records, start=1)]
    all_ids = ["_id", *columns]
    filters = _json_param(params, "filters", {})
    if not isinstance(filters, dict) or set(filters) - set(all_ids):
        raise _validation("filters", "Unknown field or not a JSON object")
    for field, wanted in filters.items():
        index = all_ids.index(field)
        records = [row for row in records if _cell_matches(row[index], wanted)]
    q = params.get("q")
    if q:
        q = _json_param(params, "q", q) if str(q).startswith("{") else q
        if isinstance(q, dict):
            if set(q) - set(columns):
                raise _validation("q", "Unknown field")
            for field, words in q.items():
                index = all_ids.index(field)
                records = [
                    row
                    for row in records
                    if all(word in fold(str(row[index])) for word in fold(str(words)).split())
                ]
        else:
            words = fold(str(q)).split()
            records = [
                row
                for row in records
                if all(word in fold(" ".join(str(cell) for cell in row[1:])) for word in words)
            ]
    sort = str(params.get("sort") or "")
    for part in reversed([part.strip() for part in sort.split(",") if part.strip()]):
        field, _space, direction = part.partition(" ")
        if field not in all_ids or direction.strip() not in {"", "asc", "desc"}:
            raise _validation("sort", f"Cannot sort by: {part}")
        index = all_ids.index(field)
        records.sort(key=lambda row: (row[index] is None, row[index]), reverse=direction.strip() == "desc")
    chosen = params.get("fields")
    if chosen:
        chosen = chosen if isinstance(chosen, list) else [name.strip() for name in str(chosen).split(",")]
        if set(chosen) - set(all_ids):
            raise _validation("fields", "Unknown field")
        fields = [field for field in fields if field["id"] in chosen]
        indexes = [all_ids.index(field["id"]) for field in fields]
        records = [[row[index] for index in indexes] for row in records]
    limit = _int(params, "limit", 100, DATASTORE_ROWS_MAX)
    offset = _int(params, "offset", 0, 10**9)
    total = len(records)
    page = records[offset : offset + limit]
    names = [field["id"] for field in fields]
    records_format = str(params.get("records_format") or "objects")
    result_records: Any
    if records_format == "objects":
        result_records = [dict(zip(names, row, strict=True)) for row in page]
    elif records_format == "lists":
        result_records = page
    elif records_format in {"csv", "tsv"}:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter="," if records_format == "csv" else "\t", lineterminator="\n").writerows(
            page
        )
        result_records = buffer.getvalue()
    else:
        raise _validation("records_format", "Must be objects, lists, csv or tsv")
    base = reverse("ckan:action", args=["datastore_search"]) + f"?resource_id={resource_id}&limit={limit}"
    result = {
        "resource_id": resource_id,
        "fields": fields,
        "records": result_records,
        "records_format": records_format,
        "limit": limit,
        "offset": offset,
        "_links": {"start": base, "next": f"{base}&offset={offset + limit}"},
    }
    if _bool(params, "include_total", True):
        result["total"] = total
    return result


def datastore_info(params: dict, site: str) -> dict:
    resource_id = str(params.get("id") or params.get("resource_id") or "")
    version = _version(resource_id)
    return {"meta": {"count": version.row_count, "version": version.number}, "fields": version.fields}


ACTIONS: dict[str, Callable[[dict, str], Any]] = {
    function.__name__: function
    for function in (
        status_show,
        package_list,
        package_show,
        package_activity_list,
        organization_list,
        organization_show,
        group_list,
        tag_list,
        license_list,
        resource_show,
        datastore_search,
        datastore_info,
    )
}
ACTIONS["package_search"] = search


def _envelope(request: HttpRequest, name: str, body: dict, status: int = 200) -> JsonResponse:
    help_url = site_url(request) + reverse("ckan:action", args=["help_show"]) + f"?name={name}"
    return JsonResponse({"help": help_url, **body}, status=status, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
def action(request: HttpRequest, name: str) -> JsonResponse:
    if request.method not in {"GET", "POST"}:
        return _envelope(
            request,
            name,
            {"success": False, "error": {"__type": "Bad Request", "message": "GET or POST"}},
            405,
        )
    params: dict[str, Any] = dict(request.GET.items())
    if request.method == "POST" and request.body:
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            return _envelope(
                request,
                name,
                {
                    "success": False,
                    "error": {
                        "__type": "Bad Request",
                        "message": "Bad request body: a JSON object is expected",
                    },
                },
                400,
            )
        params.update(body)
    handler = ACTIONS.get(name)
    if handler is None:
        return _envelope(
            request,
            name,
            {
                "success": False,
                "error": {"__type": "Bad Request", "message": f"Action name not known: {name}"},
            },
            400,
        )
    try:
        result = handler(params, site_url(request))
    except ActionError as error:
        if isinstance(error.message, str):
            detail = {"__type": error.kind, "message": error.message}
        else:
            detail = {"__type": error.kind, **error.message}
        return _envelope(request, name, {"success": False, "error": detail}, error.status)
    return _envelope(request, name, {"success": True, "result": result})
