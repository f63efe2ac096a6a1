"""Public API for administrative units: ``/api/v1/units/``."""

import datetime

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from tinhso.core.api import Pagination
from tinhso.units.models import AdministrativeUnit
from tinhso.units.services import unit_by_code, units_matching

router = Router(tags=["units"])


class UnitRef(Schema):
    code: str
    name: str
    level: int
    division_type: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None


class UnitOut(UnitRef):
    division_type_label: str = Field(description="The division type in the request language, e.g. “phường”.")
    parent: UnitRef | None

    @staticmethod
    def resolve_division_type_label(unit: AdministrativeUnit) -> str:
        return str(unit.get_division_type_display())


class UnitDetail(UnitOut):
    successor: UnitRef | None


class UnitFilters(Schema):
    q: str = Field("", description="Words of the name, accents optional (“my tho”), or an exact code.")
    level: int | None = Field(None, ge=1, le=3, description="1 province, 2 district, 3 commune.")
    parent: str | None = Field(None, description="Code of the parent unit, e.g. 82.")
    on: datetime.date | None = Field(None, description="Units valid on this date (default: today).")


@router.get("/", response=list[UnitOut], auth=None, summary="Search administrative units")
@paginate(Pagination)
def list_units(request: HttpRequest, filters: Query[UnitFilters]) -> QuerySet[AdministrativeUnit]:
    return units_matching(filters.q, level=filters.level, parent=filters.parent, on=filters.on)


@router.get("/{code}", response=UnitDetail, auth=None, summary="One administrative unit by its code")
def get_unit(request: HttpRequest, code: str, on: datetime.date | None = None) -> AdministrativeUnit:
    """The unit with this code valid on ``on`` (default today); an old code gives its last unit,
    whose ``successor`` leads to the unit that replaced it."""
    unit = unit_by_code(code, on)
    if unit is None:
        raise Http404(_("There is no administrative unit with code %(code)s.") % {"code": code})
    return unit
