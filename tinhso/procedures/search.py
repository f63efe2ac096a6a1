"""Finding procedures: accent-insensitive search on the folded name and on the code.

The search runs on an in-memory copy of the procedures in force (a province has a couple of
thousand), built once per server process and kept while the catalogue stays the same
(``tinhso.core.reference``: the "catalogue" version changes on every write to procedures, fees,
fields, required documents and agencies). No query is built per search beyond reading it.
"""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from tinhso.agencies.models import Agency, AgencyKind
from tinhso.core.reference import ReferenceCache
from tinhso.core.text import fold, nfc
from tinhso.procedures.models import (
    FeeKind,
    Field,
    Level,
    OnlineLevel,
    Procedure,
    TimeUnit,
    processing_time_text,
)

COMMUNE_KINDS = (AgencyKind.COMMUNE_PC, AgencyKind.ONE_STOP_DESK)


@dataclass(frozen=True)
class FieldEntry:
    code: str
    name: str


@dataclass(frozen=True)
class CatalogueEntry:
    """What a search result shows of a procedure (the same names as the model's fields)."""

    pk: int
    code: str
    is_demo_code: bool
    name: str
    name_folded: str
    field: FieldEntry
    level: str
    online_level: str
    processing_time: int
    processing_unit: str
    processing_note: str
    is_free: bool
    agency_ids: frozenset[int]

    def get_level_display(self) -> str:
        return str(Level(self.level).label)

    def get_online_level_display(self) -> str:
        return str(OnlineLevel(self.online_level).label)

    def get_processing_unit_display(self) -> str:
        return str(TimeUnit(self.processing_unit).label)

    @property
    def processing_time_display(self) -> str:
        return processing_time_text(self.processing_time, self.processing_unit)


def _build_catalogue(day: datetime.date) -> list[CatalogueEntry]:
    """The procedures in force on ``day``, sorted by name."""
    procedures = Procedure.objects.current(day).select_related("field").prefetch_related("fees", "agencies")
    return sorted(
        (
            CatalogueEntry(
                pk=procedure.pk,
                code=procedure.code,
                is_demo_code=procedure.is_demo_code,
                name=procedure.name,
                name_folded=procedure.name_folded,
                field=FieldEntry(procedure.field.code, procedure.field.name),
                level=procedure.level,
                online_level=procedure.online_level,
                processing_time=procedure.processing_time,
                processing_unit=procedure.processing_unit,
                processing_note=procedure.processing_note,
                is_free=not any(fee.amount or fee.kind == FeeKind.BY_OPTION for fee in procedure.fees.all()),
                agency_ids=frozenset(agency.pk for agency in procedure.agencies.all()),
            )
            for procedure in procedures
        ),
        key=lambda entry: (entry.name_folded, entry.code),
    )


_catalogue = ReferenceCache("catalogue", lambda day: tuple(_build_catalogue(day)))


def catalogue() -> tuple[CatalogueEntry, ...]:
    """The procedures in force today, sorted by name (a per-process copy)."""
    return _catalogue.get()


def _implemented_by(agency: Agency | str) -> Callable[[CatalogueEntry], bool]:
    """A test on entries: procedures an agency implements, those linked to it, and for a commune
    People's Committee (or its one-stop desk) every commune procedure that names no agency."""
    if not isinstance(agency, Agency):
        found: Agency | None = Agency.objects.filter(code=nfc(agency)).valid_on().first()
        if found is None:
            return lambda entry: False
        agency = found
    commune = agency.kind in COMMUNE_KINDS
    return lambda entry: (
        agency.pk in entry.agency_ids or (commune and entry.level == Level.COMMUNE and not entry.agency_ids)
    )


def _rank(entry: CatalogueEntry, code: str, phrase: str) -> int:
    if entry.code.casefold() == code:
        return 0
    if entry.name_folded.startswith(phrase):
        return 1
    return 2 if phrase in entry.name_folded else 3


def search_procedures(
    query: str = "",
    field: Field | str | None = None,
    agency: Agency | str | None = None,
    level: str | None = None,
    online_level: str | None = None,
) -> list[CatalogueEntry]:
    """Procedures in force matching ``query`` in their name (accents optional, "dang ky khai
    sinh") or code ("1.001193", or a prefix of it), filtered by field (object or code),
    implementing agency (object or code), level and online level.

    Ranked: the code itself, then names starting with the query, then names containing it as a
    phrase, then names containing all its words; each rank by name, then code.
    """
    entries: Sequence[CatalogueEntry] = catalogue()
    if field:
        field_code = field.code if isinstance(field, Field) else field
        entries = [entry for entry in entries if entry.field.code == field_code]
    if level:
        entries = [entry for entry in entries if entry.level == level]
    if online_level:
        entries = [entry for entry in entries if entry.online_level == online_level]
    if agency:
        implements = _implemented_by(agency)
        entries = [entry for entry in entries if implements(entry)]
    words = fold(query).split()
    if not words:
        return list(entries)
    phrase, code = " ".join(words), nfc(query).strip().casefold()
    found = [
        entry
        for entry in entries
        if all(word in entry.name_folded for word in words)
        or (code and entry.code.casefold().startswith(code))
    ]
    return sorted(found, key=lambda entry: _rank(entry, code, phrase))


def agencies_with_procedures() -> QuerySet[Agency]:
    """Agencies linked to at least one current procedure, for the catalogue's agency filter."""
    return (
        Agency.objects.filter(procedures__in=Procedure.objects.current()).distinct().order_by("name_folded")
    )


def fields_in_use() -> QuerySet[Field]:
    """Fields with at least one current procedure, each with ``procedure_count``."""
    current = Procedure.objects.current().values("pk")
    return (
        Field.objects.annotate(procedure_count=Count("procedures", filter=Q(procedures__in=current)))
        .filter(procedure_count__gt=0)
        .order_by("name_folded")
    )
