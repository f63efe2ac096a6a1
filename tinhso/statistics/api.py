"""``GET /api/v1/statistics/one-stop`` (also ``/dossiers``, the name in the back-office issue):
the one-stop report as JSON; ``GET /api/v1/statistics/index-766``: the Decision 766 index."""

import datetime
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field as SchemaField

from tinhso.accounts.permissions import require
from tinhso.agencies.models import Agency
from tinhso.core.api import ApiError, ApiRequest
from tinhso.procedures.models import Field, Procedure
from tinhso.statistics.index766 import index_766
from tinhso.statistics.report import one_stop_report

router = Router(tags=["statistics"])

# An agency, field or procedure named in the query that does not exist answers 404.
RESPONSES = {200: dict, 404: ApiError}


class ReportQuery(Schema):
    agency: str | None = SchemaField(None, description="Agency code; empty: the whole province")
    include_children: bool = True
    field: str | None = SchemaField(None, description="Field code (e.g. ho-tich)")
    procedure: str | None = SchemaField(None, description="Procedure code")
    date_from: datetime.date | None = SchemaField(None, alias="from")
    date_to: datetime.date | None = SchemaField(None, alias="to")


def _report(request: ApiRequest, query: ReportQuery) -> dict[str, Any]:
    agency = get_object_or_404(Agency, code=query.agency) if query.agency else None
    require(request.auth, "statistics.view", agency)
    field = get_object_or_404(Field, code=query.field) if query.field else None
    procedure = get_object_or_404(Procedure, code=query.procedure) if query.procedure else None
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise HttpError(422, "from > to")
    report = one_stop_report(
        agency=agency,
        include_children=query.include_children,
        field=field,
        procedure=procedure,
        date_from=query.date_from,
        date_to=query.date_to,
    )
    report["agency"] = agency.code if agency else None
    report["field"] = field.code if field else None
    report["procedure"] = procedure.code if procedure else None
    return report


@router.get("/one-stop", response=RESPONSES, summary="The one-stop report (whole province or one agency)")
def one_stop(request: ApiRequest, query: Query[ReportQuery]) -> dict[str, Any]:
    return _report(request, query)


@router.get("/dossiers", response=RESPONSES, summary="The one-stop report (same as /one-stop)")
def dossiers(request: ApiRequest, query: Query[ReportQuery]) -> dict[str, Any]:
    return _report(request, query)


class IndexQuery(Schema):
    agency: str | None = SchemaField(None, description="Agency code; empty: the whole province")
    include_children: bool = True
    date_from: datetime.date | None = SchemaField(None, alias="from")
    date_to: datetime.date | None = SchemaField(None, alias="to")


@router.get(
    "/index-766",
    response=RESPONSES,
    summary="The Decision 766 service-quality index, per agency and for the scope",
)
def index(request: ApiRequest, query: Query[IndexQuery]) -> dict[str, Any]:
    agency = get_object_or_404(Agency, code=query.agency) if query.agency else None
    require(request.auth, "statistics.view", agency)
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise HttpError(422, "from > to")
    result = index_766(agency, query.include_children, date_from=query.date_from, date_to=query.date_to)
    codes = dict(
        Agency.objects.filter(pk__in=[card["agency_id"] for card in result["agencies"]]).values_list(
            "pk", "code"
        )
    )
    for card in result["agencies"]:
        card["agency_code"] = codes[card.pop("agency_id")]
    return {"agency": agency.code if agency else None, "include_children": query.include_children, **result}
