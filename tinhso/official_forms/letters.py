"""Numbers and symbols of the forms sent as agency letters (Forms 04 and 05).

Decree 30/2020/NĐ-CP, Appendix I, I.3: the number is the agency's sequence of the year, written
with a leading 0 below 10, then "/" and the symbol, its groups joined by "-". A notice (Thông báo,
Form 05) is "TB-<agency>"; the apology of Form 04 is a letter (công văn), "<agency>-<desk or
field>", here the agency and the one-stop abbreviation "MC". The counter is one row per (agency,
year) incremented by an atomic upsert, like dossier codes (``tinhso.dossiers.codes``): concurrent
issuers take turns and a rolled-back issue gives its number back.
"""

from django.db import connection
from django.utils import timezone

from tinhso.agencies.codes import agency_symbol
from tinhso.official_forms.models import Letter, LetterCounter

SYMBOLS = {4: "{agency}-MC", 5: "TB-{agency}"}


def _next_number(agency_id: int, year: int) -> int:
    table = connection.ops.quote_name(LetterCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (agency_id, year, value) VALUES (%s, %s, 1) "  # noqa: S608 - table name only
            f"ON CONFLICT (agency_id, year) DO UPDATE SET value = {table}.value + 1 RETURNING value",
            [agency_id, year],
        )
        return cursor.fetchone()[0]


def issue_letter(dossier, form_number: int, agency, actor, at=None) -> Letter:
    """Register Form ``form_number`` of ``dossier`` in ``agency``'s outgoing register. Call inside
    the transaction of the action that issues the form."""
    at = at or timezone.now()
    year = timezone.localdate(at).year
    number = _next_number(agency.pk, year)
    symbol = SYMBOLS[form_number].format(agency=agency_symbol(agency))
    return Letter.objects.create(
        dossier=dossier,
        form_number=form_number,
        agency=agency,
        year=year,
        number=number,
        reference=f"{number:02d}/{symbol}",
        issued_at=at,
        actor=actor,
    )


def last_letter(dossier, form_number: int) -> Letter | None:
    return (
        Letter.objects.filter(dossier=dossier, form_number=form_number)
        .select_related("agency")
        .order_by("-issued_at", "-pk")
        .first()
    )
