"""Numbers and symbols of outgoing documents, and arrival numbers of incoming ones.

Decree 30/2020/NĐ-CP Art. 15(1) and Appendix I, I.3: the number is the order of issue in the
calendar year, from 01 on 1 January to 31 December (written with a leading 0 below 10); the
agency head decides whether the agency's administrative documents share one series or have one
per type; secret documents have a separate series. The symbol is the type's abbreviation
(Appendix III) then the agency's (``15/QĐ-UBND``); a letter (công văn) has the agency's then the
drafting unit's (``120/UBND-VP``). Art. 22(2): incoming documents get an arrival number in one
series per year, paper and electronic alike. The year is the calendar year in Vietnam time
(``TIME_ZONE``), so 31/12 23:59 and 01/01 00:00 local fall in different years.

Each series is a counter row per (agency, year, series), incremented by one atomic upsert in the
caller's transaction: concurrent clerks and processes take turns on the row, a rolled-back issue
gives its number back, so numbers are consecutive and unique (the documents' unique constraints
refuse a duplicate anyway).
"""

import datetime

from django.db import connection
from django.utils import timezone

from tinhso.agencies.codes import agency_symbol
from tinhso.documents import doctypes
from tinhso.documents.models import RegisterSettings, SeriesCounter, SeriesMode

INCOMING_SERIES = "incoming"
SECRET_SERIES = "secret"
COMMON_SERIES = "common"


def next_value(agency_id: int, year: int, series: str) -> int:
    table = connection.ops.quote_name(SeriesCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (agency_id, year, series, value) VALUES (%s, %s, %s, 1) "  # noqa: S608 - table name only
            f"ON CONFLICT (agency_id, year, series) DO UPDATE SET value = {table}.value + 1 RETURNING value",
            [agency_id, year, series],
        )
        return cursor.fetchone()[0]


def local_year(at: datetime.datetime) -> int:
    return timezone.localdate(at).year


def outgoing_series(document) -> str:
    """The series a document is numbered in: secret ones apart, else the agency's choice."""
    if document.secrecy:
        return SECRET_SERIES
    return series_for(document.agency_id, document.type_code)


def series_for(agency_id: int, type_code: str) -> str:
    """The series of the agency's documents of ``type_code`` that are not secret: the common one,
    or the type's when the agency chose one series per type. The one-stop letters (Forms 04 and
    05, ``tinhso.official_forms.letters``) are numbered in it too."""
    mode = RegisterSettings.objects.filter(agency_id=agency_id).values_list("series_mode", flat=True).first()
    if mode == SeriesMode.PER_TYPE:
        return f"type:{type_code}"
    return COMMON_SERIES


def symbol_for(document) -> str:
    """``QĐ-UBND``; for a letter ``UBND-VP``; a type without abbreviation (thư công): the agency's."""
    agency = agency_symbol(document.agency)
    if document.type_code == doctypes.CONG_VAN:
        return f"{agency}-{document.unit_symbol}"
    abbreviation = document.doc_type.abbreviation
    return f"{abbreviation}-{agency}" if abbreviation else agency


def format_reference(number: int, symbol: str) -> str:
    return f"{number:02d}/{symbol}"
