"""Finding procedures: accent-insensitive search on the folded name and on the code."""

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from tinhso.agencies.models import Agency, AgencyKind
from tinhso.core.text import fold, nfc
from tinhso.procedures.models import Field, Level, Procedure

COMMUNE_KINDS = (AgencyKind.COMMUNE_PC, AgencyKind.ONE_STOP_DESK)


def _field_filter(field: Field | str) -> Q:
    return Q(field=field) if isinstance(field, Field) else Q(field__code=field)


def _agency_filter(agency: Agency | str) -> Q:
    """Procedures an agency implements: those linked to it, and for a commune People's
    Committee (or its one-stop desk) every commune procedure that names no agency."""
    if not isinstance(agency, Agency):
        found = Agency.objects.filter(code=nfc(agency)).valid_on().first()
        if found is None:
            return Q(pk__in=[])
        agency = found
    query = Q(agencies=agency)
    if agency.kind in COMMUNE_KINDS:
        query |= Q(level=Level.COMMUNE, agencies__isnull=True)
    return query


def search_procedures(
    query: str = "",
    field: Field | str | None = None,
    agency: Agency | str | None = None,
    level: str | None = None,
    online_level: str | None = None,
) -> QuerySet[Procedure]:
    """Current procedures matching ``query`` in their name (accents optional, "dang ky khai sinh")
    or code ("1.001193", or a prefix of it), filtered by field (object or code), implementing
    agency (object or code), level and online level.

    Ranked: names starting with the query, then names containing it as a phrase, then names
    containing all its words; each rank by name. All in the database, on ``name_folded``.
    """
    procedures = Procedure.objects.current().select_related("field")
    words = fold(query).split()
    if words:
        phrase = " ".join(words)
        by_name = Q()
        for word in words:
            by_name &= Q(name_folded__contains=word)
        code = nfc(query)
        procedures = procedures.filter(by_name | Q(code__istartswith=code)).annotate(
            rank=Case(
                When(code__iexact=code, then=Value(0)),
                When(name_folded__startswith=phrase, then=Value(1)),
                When(name_folded__contains=phrase, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        ordering = ["rank", "name_folded", "code"]
    else:
        ordering = ["name_folded", "code"]
    if field:
        procedures = procedures.filter(_field_filter(field))
    if agency:
        procedures = procedures.filter(pk__in=Procedure.objects.filter(_agency_filter(agency)).values("pk"))
    if level:
        procedures = procedures.filter(level=level)
    if online_level:
        procedures = procedures.filter(online_level=online_level)
    return procedures.order_by(*ordering)


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
