"""The Open311 GeoReport v2 API (https://wiki.open311.org/GeoReport_v2), XML and JSON.

Our states map to ``open`` (received, assigned, in progress, reopened) and ``closed``
(answered, rejected, closed), with ``status_notes`` saying which. Reports not yet published
(moderated) are shown without their description and location. Every service takes the commune
as the attribute ``commune`` (the platform has no commune boundaries to detect it from).
"""

import datetime
import json
import uuid
import xml.etree.ElementTree as ET

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from tinhso.feedback.actions import province_communes, submit_report
from tinhso.feedback.models import OPEN_STATES, Category, Channel, Open311ApiKey, Report, State

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2025-12-01T00:00:00+07:00"
DEFAULT_DAYS = 90
MAX_RESULTS = 1000


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = str(description)


def iso(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _to_xml(element: ET.Element, value) -> None:
    if isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def render(fmt: str, data, root: str, item: str, status: int = 200) -> HttpResponse:
    """A list of dicts as JSON, or as ``<root><item>…</item></root>`` XML; a dict as one object.

    Inside an item, list values become nested elements named by ``LIST_ITEMS``."""
    if fmt == "json":
        text = json.dumps(data, ensure_ascii=False, indent=None)
        # "<", ">" and "&" as \\u escapes: the same JSON value, never markup.
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return HttpResponse(text, status=status, content_type="application/json; charset=utf-8")
    element = ET.Element(root)
    items = data if isinstance(data, list) else [data]
    for entry in items:
        parent = ET.SubElement(element, item) if isinstance(data, list) else element
        _write(parent, entry)
    body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


LIST_ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}


def _write(parent: ET.Element, entry: dict) -> None:
    for key, value in entry.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):
            for member in value:
                sub = ET.SubElement(child, LIST_ITEMS[key])
                if isinstance(member, dict):
                    _write(sub, member)
                else:
                    _to_xml(sub, member)
        else:
            _to_xml(child, value)


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt, [{"code": status, "description": str(description)}], "errors", "error", status)


def error_for_request(request, status: int, code: str, message: str) -> HttpResponse:
    """An error answered outside the views (refused at the boundary, unknown path, outage), in the
    format the path asks for (JSON unless it ends in ``.xml``)."""
    return error("xml" if request.path.endswith(".xml") else "json", status, message)


def handles_errors(view):
    def wrapper(request, fmt, *args, **kwargs):
        try:
            return view(request, fmt, *args, **kwargs)
        except Open311Error as exc:
            return error(fmt, exc.status, exc.description)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@require_GET
@handles_errors
def discovery(request, fmt):
    base = request.build_absolute_uri(reverse("open311:discovery", args=["json"])).rsplit("/", 1)[0]
    data = {
        "changeset": CHANGESET,
        "contact": _("1022 hotline of the province; %(url)s")
        % {"url": request.build_absolute_uri("/phan-anh/")},
        "key_service": _("API keys are issued by the province's IT department (create_open311_key)."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, data, "discovery", "discovery")


def service_data(category: Category) -> dict:
    return {
        "service_code": category.service_code,
        "service_name": category.name,
        "description": category.description,
        "metadata": True,
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.group,
    }


@require_GET
@handles_errors
def services(request, fmt):
    data = [service_data(c) for c in Category.objects.filter(is_active=True)]
    return render(fmt, data, "services", "service")


def commune_attribute() -> dict:
    return {
        "variable": True,
        "code": "commune",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": _("The code of the commune or ward where the problem is."),
        "order": 1,
        "description": _("Commune or ward"),
        "values": [{"key": u.code, "name": u.name} for u in province_communes().order_by("name_folded")],
    }


def category_attributes(category: Category) -> list[dict]:
    attributes = [commune_attribute()]
    for index, attribute in enumerate(category.attributes, start=2):
        attributes.append(
            {
                "variable": attribute.get("variable", True),
                "code": attribute["code"],
                "datatype": attribute.get("datatype", "string"),
                "required": bool(attribute.get("required")),
                "datatype_description": attribute.get("datatype_description", ""),
                "order": attribute.get("order", index),
                "description": attribute.get("description", ""),
                **({"values": attribute["values"]} if attribute.get("values") else {}),
            }
        )
    return attributes


def _category(code: str, status: int = 404) -> Category:
    category = Category.objects.filter(service_code=code, is_active=True).first()
    if category is None:
        raise Open311Error(status, _("Unknown service_code: %(code)s.") % {"code": code})
    return category


@require_GET
@handles_errors
def service_definition(request, fmt, service_code):
    category = _category(service_code)
    data = {"service_code": category.service_code, "attributes": category_attributes(category)}
    return render(fmt, data, "service_definition", "service_definition")


def status_notes(report: Report) -> str:
    label = report.get_state_display()
    if report.state == State.REJECTED:
        return f"{label}: {report.rejection_reason}"
    if not report.published:
        return _("%(state)s; the details are published after moderation.") % {"state": label}
    if report.state in (State.ANSWERED, State.CLOSED) and report.current_answer:
        return f"{label}: {report.current_answer.text}"
    return label


def request_data(request, report: Report) -> dict:
    published = report.published
    photo = report.photos.first() if published else None
    media = request.build_absolute_uri(reverse("feedback:photo", args=[photo.pk])) if photo else None
    return {
        "service_request_id": report.code,
        "status": "open" if report.state in OPEN_STATES else "closed",
        "status_notes": status_notes(report),
        "service_name": report.category.name,
        "service_code": report.category.service_code,
        "description": report.public_description if published else None,
        "agency_responsible": report.assigned_agency.name if report.assigned_agency_id else None,
        "service_notice": _("Answered within %(limit)d %(unit)s.")
        % {"limit": report.category.time_limit, "unit": report.category.get_time_unit_display()},
        "requested_datetime": iso(report.received_at),
        "updated_datetime": iso(
            report.closed_at if report.state not in OPEN_STATES and report.closed_at else report.updated_at
        ),
        "expected_datetime": iso(report.due_at),
        "address": (report.address or report.commune.name) if published else None,
        "address_id": None,
        "zipcode": None,
        "lat": float(report.latitude) if published and report.latitude is not None else None,
        "long": float(report.longitude) if published and report.longitude is not None else None,
        "media_url": media,
    }


def _reports():
    return Report.objects.select_related("category", "assigned_agency", "commune")


def parse_when(value: str, name: str, end: bool = False) -> datetime.datetime:
    """An ISO 8601 date or datetime; naive values are in Vietnam's time."""
    parsed = None
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            if day:
                parsed = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(400, _("%(name)s is not an ISO 8601 date-time.") % {"name": name})
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _find_requests(params) -> list[Report]:
    if params.get("service_request_id"):
        codes = [c.strip() for c in params["service_request_id"].split(",") if c.strip()]
        return list(_reports().filter(code__in=codes).order_by("-received_at")[:MAX_RESULTS])
    reports = _reports().published()
    if params.get("service_code"):
        codes = [c.strip() for c in params["service_code"].split(",") if c.strip()]
        known = set(Category.objects.filter(service_code__in=codes).values_list("service_code", flat=True))
        unknown = sorted(set(codes) - known)
        if unknown:
            raise Open311Error(400, _("Unknown service_code: %(code)s.") % {"code": ", ".join(unknown)})
        reports = reports.filter(category__service_code__in=codes)
    end = parse_when(params["end_date"], "end_date", end=True) if params.get("end_date") else timezone.now()
    if params.get("start_date"):
        start = parse_when(params["start_date"], "start_date")
    else:
        start = end - datetime.timedelta(days=DEFAULT_DAYS)
    if end < start:
        raise Open311Error(400, _("end_date is before start_date."))
    reports = reports.filter(received_at__gte=start, received_at__lte=end)
    if params.get("status"):
        wanted = {s.strip() for s in params["status"].split(",") if s.strip()}
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, _("status must be open or closed."))
        if wanted == {"open"}:
            reports = reports.filter(state__in=OPEN_STATES)
        elif wanted == {"closed"}:
            reports = reports.exclude(state__in=OPEN_STATES)
    return list(reports.order_by("-received_at")[:MAX_RESULTS])


@csrf_exempt
@require_http_methods(["GET", "POST"])
@handles_errors
def requests_view(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    data = [request_data(request, r) for r in _find_requests(request.GET)]
    return render(fmt, data, "service_requests", "request")


def _create(request, fmt):
    params = request.POST
    key = Open311ApiKey.check_key(params.get("api_key", ""))
    if key is None:
        raise Open311Error(403, _("api_key is missing or not valid."))
    if not params.get("service_code"):
        raise Open311Error(400, _("service_code is required."))
    category = _category(params["service_code"], status=400)
    attributes = {}
    for name in params:
        if name.startswith("attribute[") and name.endswith("]"):
            values = params.getlist(name)
            attributes[name[10:-1]] = values if len(values) > 1 else values[0]
    commune_code = attributes.pop("commune", "")
    commune = province_communes().filter(code=commune_code).first() if isinstance(commune_code, str) else None
    name = " ".join(p for p in (params.get("first_name", ""), params.get("last_name", "")) if p)
    media_url = params.get("media_url", "")
    if media_url and not media_url.startswith(("https://", "http://")):
        raise Open311Error(400, _("media_url must be an http(s) URL."))
    try:
        report = submit_report(
            None,
            request=request,
            channel=Channel.OPEN311,
            category=category,
            description=params.get("description", ""),
            latitude=params.get("lat"),
            longitude=params.get("long"),
            address=params.get("address_string", ""),
            commune=commune,
            attributes=attributes,
            media_url=media_url[:200],
            contact_name=name,
            contact_phone=params.get("phone", ""),
            contact_email=params.get("email", ""),
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            messages = [
                f"{field}: {'; '.join(ValidationError(errs).messages)}"
                for field, errs in exc.error_dict.items()
            ]
        else:
            messages = exc.messages
        raise Open311Error(400, " ".join(messages)) from None
    except PermissionDenied:
        raise Open311Error(403, _("api_key is missing or not valid.")) from None
    Open311ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    data = [
        {
            "service_request_id": report.code,
            "token": str(report.token),
            "service_notice": _("Your report %(code)s was received; it is due by %(due)s.")
            % {"code": report.code, "due": iso(report.due_at)},
            "account_id": None,
        }
    ]
    return render(fmt, data, "service_requests", "request", status=201)


@require_GET
@handles_errors
def request_detail(request, fmt, service_request_id):
    report = _reports().filter(code=service_request_id).first()
    if report is None:
        raise Open311Error(404, _("No service request %(id)s.") % {"id": service_request_id})
    return render(fmt, [request_data(request, report)], "service_requests", "request")


@require_GET
@handles_errors
def token(request, fmt, token):
    try:
        value = uuid.UUID(token)
    except ValueError:
        value = None
    report = Report.objects.filter(token=value).first() if value else None
    if report is None:
        raise Open311Error(404, _("No service request has this token."))
    data = [{"service_request_id": report.code, "token": str(report.token)}]
    return render(fmt, data, "service_requests", "request")
