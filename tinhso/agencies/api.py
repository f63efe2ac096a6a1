"""Agencies API: ``/api/v1/agencies/``. Reading is public; writing needs a bearer token and
the "agencies.change" permission, and goes through ``tinhso.agencies.actions``."""

import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from tinhso.agencies import actions
from tinhso.agencies.codes import InvalidAgencyCode, parse_agency_code
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.core.api import ApiRequest, Pagination
from tinhso.core.text import fold
from tinhso.units.models import AdministrativeUnit
from tinhso.units.validity import today

router = Router(tags=["agencies"])


class AgencyUnitRef(Schema):
    code: str
    name: str


class AgencyRef(Schema):
    code: str
    name: str
    short_name: str
    kind: AgencyKind


class AgencyOut(AgencyRef):
    kind_label: str = Field(description="The kind in the request language, e.g. “sở”.")
    unit: AgencyUnitRef
    parent: AgencyRef | None
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    is_demo_code: bool = Field(
        description="True when the official code is not known and this one was generated."
    )
    email: str
    phone: str
    address: str

    @staticmethod
    def resolve_kind_label(agency: Agency) -> str:
        return str(agency.get_kind_display())


class AgencyDetail(AgencyOut):
    legacy_code: str = Field(description="The same code in the old QCVN 102:2016 right-to-left form.")
    successor: AgencyRef | None
    children: list[AgencyRef]

    @staticmethod
    def resolve_legacy_code(agency: Agency) -> str:
        return parse_agency_code(agency.code).legacy

    @staticmethod
    def resolve_children(agency: Agency) -> list[Agency]:
        return list(
            agency.children.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today())).order_by("name")
        )


class AgencyFilters(Schema):
    q: str = Field("", description="Words of the name (accents optional), a short name or a code prefix.")
    parent: str | None = Field(None, description="Code of the parent agency.")
    kind: AgencyKind | None = None
    unit: str | None = Field(None, description="Code of the administrative unit, e.g. 82 or 28261.")
    on: datetime.date | None = Field(None, description="Agencies in operation on this date (default: today).")


class AgencyIn(Schema):
    code: str = Field("", description="Official code in either form; empty under a parent to generate one.")
    name: str
    short_name: str = ""
    kind: AgencyKind = AgencyKind.OTHER
    parent: str | None = Field(None, description="Code of the parent agency.")
    unit: str = Field(description="Code of the administrative unit.")
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    email: str = ""
    phone: str = ""
    address: str = ""


class AgencyPatch(Schema):
    """Only the fields given change; only the parent and the start date may be cleared (null).
    The others default to None in ``Field``, where pydantic does not check the default against
    the type: a field left out stays unset, an explicit null is refused."""

    code: Annotated[str, Field(None)]
    name: Annotated[str, Field(None)]
    short_name: Annotated[str, Field(None)]
    kind: Annotated[AgencyKind, Field(None)]
    parent: str | None = None
    unit: Annotated[str, Field(None)]
    valid_from: datetime.date | None = None
    email: Annotated[str, Field(None)]
    phone: Annotated[str, Field(None)]
    address: Annotated[str, Field(None)]


class AgencyClose(Schema):
    valid_to: datetime.date = Field(description="The agency's last day.")
    successor: str | None = Field(None, description="Code of the agency that takes over.")


def canonical_code(text: str, field: str = "code") -> str:
    try:
        return parse_agency_code(text).canonical
    except InvalidAgencyCode as exc:
        raise ValidationError({field: [str(exc)]}) from exc


def agency_by_code(code: str, on: datetime.date | None = None) -> Agency | None:
    agencies = Agency.objects.filter(code=canonical_code(code)).select_related("parent", "unit", "successor")
    return agencies.valid_on(on).first() or agencies.order_by("-valid_from").first()


def get_agency_or_404(code: str) -> Agency:
    agency = agency_by_code(code)
    if agency is None:
        raise Http404(_("There is no agency with code %(code)s.") % {"code": code})
    return agency


def related(
    model: type[Agency] | type[AdministrativeUnit],
    code: str | None,
    field: str,
    on: datetime.date | None = None,
) -> Any:
    """The current agency or unit with ``code`` for the write field ``field``, or a field error."""
    if not code:
        return None
    if model is Agency:
        code = canonical_code(code, field)
    found = model.objects.filter(code=code.strip()).valid_on(on).first()
    if found is None:
        raise ValidationError({field: [_("Nothing with code %(code)s is in force.") % {"code": code}]})
    return found


@router.get("/", response=list[AgencyOut], auth=None, summary="List and search agencies")
@paginate(Pagination)
def list_agencies(request: HttpRequest, filters: Query[AgencyFilters]) -> QuerySet[Agency]:
    agencies: QuerySet[Agency] = Agency.objects.valid_on(filters.on).select_related("parent", "unit")
    words = fold(filters.q).split()
    if words:
        by_name = Q()
        for word in words:
            by_name &= Q(name_folded__contains=word)
        query = filters.q.strip()
        agencies = agencies.filter(by_name | Q(short_name__iexact=query) | Q(code__istartswith=query))
    if filters.parent:
        agencies = agencies.filter(parent__code=canonical_code(filters.parent, "parent"))
    if filters.kind:
        agencies = agencies.filter(kind=filters.kind)
    if filters.unit:
        agencies = agencies.filter(unit__code=filters.unit.strip())
    return agencies.order_by("path")


@router.get("/{code}", response=AgencyDetail, auth=None, summary="One agency by its code (either form)")
def get_agency(request: HttpRequest, code: str) -> Agency:
    return get_agency_or_404(code)


@router.post("/", response={201: AgencyDetail}, summary="Create an agency")
def create_agency(request: ApiRequest, payload: AgencyIn) -> Status[Agency]:
    data = payload.dict()
    data["parent"] = related(Agency, data["parent"], "parent")
    data["unit"] = related(AdministrativeUnit, data["unit"], "unit")
    return Status(201, actions.create_agency(request.auth, request=request, **data))


@router.patch("/{code}", response=AgencyDetail, summary="Change an agency")
def update_agency(request: ApiRequest, code: str, payload: AgencyPatch) -> Agency:
    agency = get_agency_or_404(code)
    data = payload.dict(exclude_unset=True)
    if "parent" in data:
        data["parent"] = related(Agency, data["parent"], "parent")
    if "unit" in data:
        data["unit"] = related(AdministrativeUnit, data["unit"], "unit")
    return actions.update_agency(request.auth, agency, request=request, **data)


@router.post("/{code}/close", response=AgencyDetail, summary="End an agency, naming its successor")
def close_agency(request: ApiRequest, code: str, payload: AgencyClose) -> Agency:
    agency = get_agency_or_404(code)
    successor = None
    if payload.successor:
        successor = related(
            Agency, payload.successor, "successor", payload.valid_to + datetime.timedelta(days=1)
        )
    return actions.close_agency(request.auth, agency, payload.valid_to, successor=successor, request=request)
