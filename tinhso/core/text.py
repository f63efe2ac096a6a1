"""Vietnamese text: NFC normalisation, accent folding for search, dates and money.

All text entering the platform is normalised to NFC (``nfc``); searchable columns keep a
folded copy (``fold``) so that "dong thap" finds "Đồng Tháp" on PostgreSQL and SQLite alike.
"""

import datetime
import re
import unicodedata
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

_SPACES = re.compile(r"\s+")


def nfc(text: str | None) -> str:
    """Normalise to NFC and collapse runs of whitespace; ``None`` becomes ""."""
    if text is None:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(text))).strip()


def fold(text: str | None) -> str:
    """Lower-case, strip every diacritic (đ → d), collapse whitespace: the search key."""
    decomposed = unicodedata.normalize("NFD", nfc(text).lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d")


# In the language of the page: "Thứ Hai"… in Vietnamese, "Monday"… in English.
WEEKDAYS = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]


def format_date(value: datetime.date) -> str:
    """``dd/mm/yyyy``, the form used on every Vietnamese administrative paper."""
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime.datetime) -> str:
    """``HH:MM, dd/mm/yyyy`` in the local time zone when ``value`` is aware."""
    if value.tzinfo is not None:
        from django.utils import timezone

        value = timezone.localtime(value)
    return f"{value:%H:%M}, {value:%d/%m/%Y}"


def format_long_date(value: datetime.date, place: str = "") -> str:
    """The dateline of an official paper: "Đồng Tháp, ngày 05 tháng 03 năm 2026"."""
    text = f"ngày {value:%d} tháng {value:%m} năm {value:%Y}"
    return f"{place}, {text}" if place else text.capitalize()


def format_weekday_date(value: datetime.date) -> str:
    """ "Thứ Ba, 02/09/2025" ("Tuesday, 02/09/2025" on an English page)."""
    return f"{WEEKDAYS[value.weekday()]}, {format_date(value)}"


def format_money(amount: int | Decimal, currency: str = "đ") -> str:
    """Vietnamese money: dots group thousands, no decimals for đồng ("1.250.000 đ")."""
    quantized = int(Decimal(amount).quantize(Decimal(1)))
    sign = "-" if quantized < 0 else ""
    grouped = f"{abs(quantized):,}".replace(",", ".")
    return f"{sign}{grouped} {currency}".strip()
