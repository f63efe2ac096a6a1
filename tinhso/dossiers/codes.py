"""Dossier codes (Circular 01/2018/TT-VPCP): ``<agency code>-<YYMMDD>-<daily sequence>``.

The sequence is a counter row per (agency, local day), incremented by one atomic upsert
(``INSERT … ON CONFLICT … DO UPDATE … RETURNING``, PostgreSQL and SQLite ≥ 3.35 alike). The row
stays locked until the caller's transaction ends, so concurrent submissions to one agency take
turns and a rolled-back submission gives its number back: codes are consecutive, unique (the
dossier's code column is unique too) and never reused.
"""

import datetime

from django.db import connection
from django.utils import timezone

from tinhso.dossiers.models import DossierCodeCounter

SEQUENCE_DIGITS = 4


def _next_value(agency_id: int, day: datetime.date) -> int:
    table = connection.ops.quote_name(DossierCodeCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (agency_id, day, value) VALUES (%s, %s, 1) "  # noqa: S608 - table name only
            f"ON CONFLICT (agency_id, day) DO UPDATE SET value = {table}.value + 1 RETURNING value",
            [agency_id, day],
        )
        return cursor.fetchone()[0]


def format_code(agency_code: str, day: datetime.date, sequence: int) -> str:
    return f"{agency_code}-{day:%y%m%d}-{sequence:0{SEQUENCE_DIGITS}d}"


def issue_code(agency, at: datetime.datetime | None = None) -> str:
    """The next code of ``agency`` for the local day of ``at`` (default now). Call inside the
    transaction that stores the dossier."""
    day = timezone.localdate(at or timezone.now())
    return format_code(agency.code, day, _next_value(agency.pk, day))
