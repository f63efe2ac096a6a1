"""Dossier codes (Circular 01/2018/TT-VPCP): ``<agency code>-<YYMMDD>-<daily sequence>``, and
numbers in the tracking books (Form 07).

The sequence is a counter row per (agency, local day), incremented by one atomic upsert
(``INSERT … ON CONFLICT … DO UPDATE … RETURNING``, PostgreSQL and SQLite ≥ 3.35 alike). The row
stays locked until the caller's transaction ends, so concurrent receptions at one agency take
turns and a rolled-back reception gives its number back: codes are consecutive, unique (the
dossier's code column is unique too) and never reused.

The code is issued when the dossier is received (Decree 118/2025/NĐ-CP Art. 17(3) as amended by
Decree 309/2026/NĐ-CP Art. 8(3): "Mỗi hồ sơ … sau khi được tiếp nhận sẽ được cấp 01 Mã số hồ sơ
được ghi trong Giấy tiếp nhận hồ sơ và hẹn trả kết quả"), its date part the reception day; an
online submission gets a random submission reference until then, so a submission that is refused
or returned before reception consumes no number and the sequence stays gap-free.
"""

import datetime
import re
import secrets

from django.db import connection, models
from django.utils import timezone

from tinhso.dossiers.models import DossierBookCounter, DossierCodeCounter

SEQUENCE_DIGITS = 4


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field.column


def _next_value(counter: type[DossierBookCounter | DossierCodeCounter], **key: int | datetime.date) -> int:
    """Add one to the ``counter`` row of ``key`` (its unique fields), creating it at 1."""
    quote, meta = connection.ops.quote_name, counter._meta
    table = quote(meta.db_table)
    columns = ", ".join(quote(_column(counter, name)) for name in key)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}, value) VALUES ({', '.join(['%s'] * len(key))}, 1) "  # noqa: S608 - names from the model
            f"ON CONFLICT ({columns}) DO UPDATE SET value = {table}.value + 1 RETURNING value",
            list(key.values()),
        )
        return cursor.fetchone()[0]


def format_code(agency_code: str, day: datetime.date, sequence: int) -> str:
    return f"{agency_code}-{day:%y%m%d}-{sequence:0{SEQUENCE_DIGITS}d}"


def issue_code(agency, at: datetime.datetime | None = None) -> str:
    """The next code of ``agency`` for the local day of ``at`` (default now). Call inside the
    transaction that stores the dossier."""
    day = timezone.localdate(at or timezone.now())
    return format_code(agency.code, day, _next_value(DossierCodeCounter, agency=agency.pk, day=day))


def issue_book_number(agency_id: int, field_id: int, at: datetime.datetime) -> int:
    """The next number in the tracking book of ``agency_id`` for the field of procedures
    ``field_id`` in the local year of ``at`` (Form 07 of Circular 03/2025/TT-VPCP: one book per
    field and year, each received dossier entered with its number, which Form 01 repeats). Taken
    the same way as the code, in the transaction that records the reception: consecutive, never
    reused."""
    year = timezone.localdate(at).year
    return _next_value(DossierBookCounter, agency=agency_id, field=field_id, year=year)


# No 0/O, 1/I/L or U: easy to read out and to type on a phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_GROUPS = 3
REFERENCE_GROUP_LENGTH = 4


def new_submission_reference() -> str:
    """A random submission reference such as ``7KQ4-M2XD-9TBA`` (12 characters of 30: about 59
    bits, so it cannot be guessed from another one nor enumerated; the unique column catches the
    improbable clash)."""
    return "-".join(
        "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_GROUP_LENGTH))
        for _ in range(REFERENCE_GROUPS)
    )


_TYPED_REFERENCE = re.compile(r"([0-9A-Z]{4})[-\s]*([0-9A-Z]{4})[-\s]*([0-9A-Z]{4})")


def lookup_form(value: str) -> str:
    """A code or reference as typed, in its stored form: upper case, and a reference typed
    without its dashes or with spaces (``7kq4 m2xd 9tba``) written ``7KQ4-M2XD-9TBA``."""
    value = value.strip().upper()
    typed = _TYPED_REFERENCE.fullmatch(value)
    return "-".join(typed.groups()) if typed else value
