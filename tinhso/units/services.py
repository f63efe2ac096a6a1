"""Looking up administrative units: accent-insensitive search and successor resolution."""

import datetime

from django.db.models import F, Q, QuerySet

from tinhso.core.text import fold
from tinhso.units.models import AdministrativeUnit
from tinhso.units.validity import resolve_chain, today


def units_matching(
    query: str = "",
    level: int | None = None,
    parent: AdministrativeUnit | str | None = None,
    on: datetime.date | None = None,
) -> QuerySet[AdministrativeUnit]:
    """Units valid on ``on`` (default today) whose code starts with, or folded name contains
    every word of, ``query``; ``parent`` is a unit or the code of a unit valid on that date."""
    on = on or today()
    units = AdministrativeUnit.objects.valid_on(on).select_related("parent")
    words = fold(query).split()
    if words:
        by_name = Q()
        for word in words:
            by_name &= Q(name_folded__contains=word)
        units = units.filter(by_name | Q(code=query.strip()))
    if level is not None:
        units = units.filter(level=level)
    if isinstance(parent, AdministrativeUnit):
        units = units.filter(parent=parent)
    elif parent:
        units = units.filter(parent__code=parent.strip(), parent__in=AdministrativeUnit.objects.valid_on(on))
    return units.order_by("level", "name_folded", "code")


def search_units(
    query: str,
    level: int | None = None,
    parent: AdministrativeUnit | str | None = None,
    on: datetime.date | None = None,
    limit: int = 20,
) -> list[AdministrativeUnit]:
    """ "dong thap" finds "Tỉnh Đồng Tháp", "my tho" finds "Phường Mỹ Tho"."""
    return list(units_matching(query, level=level, parent=parent, on=on)[:limit])


def unit_by_code(code: str, on: datetime.date | None = None) -> AdministrativeUnit | None:
    """The unit with ``code`` valid on ``on`` (default today), else the latest one with that code."""
    units = AdministrativeUnit.objects.filter(code=code.strip()).select_related("parent", "successor")
    current = units.valid_on(on).first()
    if current is not None:
        return current
    return units.order_by(F("valid_to").desc(nulls_first=True), F("valid_from").desc(nulls_last=True)).first()


def resolve_successor(unit: AdministrativeUnit, on: datetime.date | None = None) -> AdministrativeUnit | None:
    """Follow successor links from ``unit`` to the unit valid on ``on`` (default today).

    An old ward of Mỹ Tho city resolves to its 2025 ward in Đồng Tháp; None when no unit of
    the chain is valid on that date; ValueError when the links form a cycle.
    """
    return resolve_chain(unit, on)
