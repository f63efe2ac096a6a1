"""``/api/v1/lgsp/``: the catalogue of data-sharing services (public), access requests, their
approval and the revocation of grants (through the actions, with the same permissions as the
pages), and the health of the services and the operational records (province administrators).
The data plane itself is the gateway (``tinhso.lgsp.gateway``), not this API."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field as SchemaField

from tinhso.accounts.permissions import require
from tinhso.core.api import ApiError, ApiRequest
from tinhso.lgsp import actions, operations
from tinhso.lgsp.models import AccessRequest, Endpoint, Grant, Service, Subsystem

router = Router(tags=["lgsp"])


class EndpointOut(Schema):
    id: int
    method: str
    path: str


class ServiceOut(Schema):
    id: int
    identifier: str
    code: str
    title: str
    owner: str
    classification: str
    legal_basis: str
    sla_availability: float
    sla_response_ms: int
    quiet_after_hours: int | None = SchemaField(
        description="The longest the service normally goes without a successful call; null: not watched."
    )
    endpoints: list[EndpointOut]


def _service(service: Service) -> dict[str, Any]:
    return {
        "id": service.pk,
        "identifier": service.identifier,
        "code": service.code,
        "title": service.title,
        "owner": service.subsystem.member.name,
        "classification": service.classification,
        "legal_basis": service.legal_basis,
        "sla_availability": float(service.sla_availability),
        "sla_response_ms": service.sla_response_ms,
        "quiet_after_hours": service.quiet_hours,
        "endpoints": [{"id": e.pk, "method": e.method, "path": e.path} for e in service.endpoints.all()],
    }


@router.get(
    "/services", response=list[ServiceOut], auth=None, summary="The catalogue of data-sharing services"
)
def services(request: ApiRequest) -> list[dict[str, Any]]:
    found = (
        Service.objects.filter(is_active=True)
        .select_related("subsystem__member")
        .prefetch_related("endpoints")
    )
    return [_service(service) for service in found.order_by("code")]


@router.get(
    "/services/{pk}/openapi", response={200: dict, 404: ApiError}, auth=None, summary="A service's OpenAPI"
)
def service_openapi(request: ApiRequest, pk: int) -> dict:
    return get_object_or_404(Service, pk=pk, is_active=True).openapi


class AccessRequestIn(Schema):
    client: str = SchemaField(description="The asking system: INSTANCE/CLASS/MEMBER/SUBSYSTEM")
    endpoints: list[int] = SchemaField(max_length=100, description="Endpoint ids of one service")
    purpose: str


class AccessRequestOut(Schema):
    id: int
    status: str


def _subsystem(identifier: str) -> Subsystem:
    parts = identifier.split("/")
    if len(parts) != 4:
        raise Http404
    return get_object_or_404(Subsystem, member__member_class=parts[1], member__code=parts[2], code=parts[3])


@router.post(
    "/access-requests",
    response={201: AccessRequestOut, 403: ApiError, 404: ApiError, 422: ApiError},
    summary="Ask a service's owner for access to some of its endpoints",
)
def create_access_request(request: ApiRequest, payload: AccessRequestIn) -> Status:
    client = _subsystem(payload.client)
    wanted = {pk for pk in payload.endpoints if 0 < pk < 2**31}
    endpoints = list(Endpoint.objects.filter(pk__in=wanted).select_related("service"))
    if len(endpoints) != len(set(payload.endpoints)):
        raise ValidationError({"endpoints": _("Unknown endpoint.")})
    return Status(201, actions.request_access(request.auth, client, endpoints, payload.purpose, request))


class ApproveIn(Schema):
    expires_at: datetime.datetime
    note: str = ""


class GrantOut(Schema):
    id: int
    client: str
    endpoint: str
    expires_at: datetime.datetime


@router.post(
    "/access-requests/{pk}/approve",
    response={200: list[GrantOut], 403: ApiError, 404: ApiError, 422: ApiError},
    summary="The owner approves: one grant per endpoint, with an expiry",
)
def approve(request: ApiRequest, pk: int, payload: ApproveIn) -> list[dict[str, Any]]:
    access = get_object_or_404(AccessRequest, pk=pk)
    grants = actions.approve_access(request.auth, access, payload.expires_at, payload.note, request)
    return [
        {"id": g.pk, "client": g.client.identifier, "endpoint": str(g.endpoint), "expires_at": g.expires_at}
        for g in grants
    ]


class RejectIn(Schema):
    note: str


@router.post(
    "/access-requests/{pk}/reject",
    response={200: AccessRequestOut, 403: ApiError, 404: ApiError, 422: ApiError},
    summary="The owner rejects, saying why",
)
def reject(request: ApiRequest, pk: int, payload: RejectIn) -> AccessRequest:
    return actions.reject_access(request.auth, get_object_or_404(AccessRequest, pk=pk), payload.note, request)


@router.post(
    "/grants/{pk}/revoke",
    response={200: GrantOut, 403: ApiError, 404: ApiError, 422: ApiError},
    summary="Revoke a grant: the gateway refuses the next call",
)
def revoke(request: ApiRequest, pk: int) -> dict[str, Any]:
    grant = actions.revoke_grant(request.auth, get_object_or_404(Grant, pk=pk), request)
    return {
        "id": grant.pk,
        "client": grant.client.identifier,
        "endpoint": str(grant.endpoint),
        "expires_at": grant.expires_at,
    }


@router.get(
    "/health", response={200: list[dict], 403: ApiError}, summary="Health of each service (last hour)"
)
def health(request: ApiRequest) -> list[dict[str, Any]]:
    require(request.auth, "lgsp.view_operations")
    return [{**row, "service": row["service"].identifier} for row in operations.health()]


UNIX_MAX = 4_102_444_800  # 2100-01-01


class RecordsQuery(Schema):
    records_from: int = SchemaField(ge=0, le=UNIX_MAX, description="Unix seconds")
    records_to: int = SchemaField(ge=0, le=UNIX_MAX, description="Unix seconds")
    client: str = ""


FIELDS = [
    "sequence",
    "message_id",
    "client",
    "service",
    "service_code",
    "method",
    "path",
    "user_id",
    "issue",
    "request_in_ts",
    "request_out_ts",
    "response_in_ts",
    "response_out_ts",
    "request_size",
    "response_size",
    "status_code",
    "succeeded",
    "fault_code",
    "fault_string",
]


@router.get(
    "/operational-data", response={200: dict, 403: ApiError}, summary="Operational records of a window"
)
def operational_data(request: ApiRequest, query: Query[RecordsQuery]) -> dict[str, Any]:
    """X-Road's ``getSecurityServerOperationalData`` in JSON: at most 10 000 records; records of
    the last minute are not served (they may still be written)."""
    require(request.auth, "lgsp.view_operations")
    until = min(query.records_to, int(datetime.datetime.now(datetime.UTC).timestamp()) - 60)
    since_at = datetime.datetime.fromtimestamp(query.records_from, datetime.UTC)
    until_at = datetime.datetime.fromtimestamp(max(until, query.records_from), datetime.UTC)
    rows = list(
        operations.records(since_at, until_at, query.client).order_by("sequence").values(*FIELDS)[:10_000]
    )
    return {
        "recordsCount": len(rows),
        "records": rows,
        "nextRecordsFrom": int(rows[-1]["request_in_ts"].timestamp()) + 1 if len(rows) == 10_000 else None,
    }
