"""Public tracking ("Tra cứu hồ sơ"): a dossier code plus a second factor, rate-limited.

The second factor is the applicant's mobile phone (any usual writing) or at least the last four
digits of their citizen ID. A wrong factor gives the same answer as an unknown code. Failed
attempts are counted in the shared cache per client address and per code; past
``TRACKING_MAX_ATTEMPTS`` (default 10) within ``TRACKING_WINDOW_MINUTES`` (default 15) every
attempt is refused, right or wrong. Successful lookups are not counted: they tell nothing to
someone who already holds the factor, and many citizens share one carrier address (CGNAT) on a
deadline day.
"""

import re

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError

from tinhso.accounts.validators import normalize_phone
from tinhso.core.text import nfc
from tinhso.dossiers.models import Dossier

MIN_CCCD_DIGITS = 4


class TooManyAttempts(Exception):
    pass


def _limit() -> tuple[int, int]:
    return (
        int(getattr(settings, "TRACKING_MAX_ATTEMPTS", 10)),
        int(getattr(settings, "TRACKING_WINDOW_MINUTES", 15)) * 60,
    )


def _count(key: str, window: int) -> int:
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def _keys(client: str, code: str) -> list[str]:
    return [f"dossiers:track:ip:{client}", f"dossiers:track:code:{code.upper()}"]


def check_rate(client: str, code: str) -> None:
    """Raise ``TooManyAttempts`` once the client or the code has used up its failed attempts."""
    limit, _window = _limit()
    if any(count >= limit for count in cache.get_many(_keys(client, code)).values()):
        raise TooManyAttempts


def count_failure(client: str, code: str) -> None:
    _limit_count, window = _limit()
    for key in _keys(client, code):
        _count(key, window)


def factor_matches(dossier: Dossier, factor: str) -> bool:
    factor = nfc(factor)
    digits = re.sub(r"\D", "", factor)
    if dossier.applicant_phone:
        try:
            if normalize_phone(factor) == dossier.applicant_phone:
                return True
        except ValidationError:
            pass
    return (
        bool(dossier.applicant_cccd)
        and len(digits) >= MIN_CCCD_DIGITS
        and digits == factor.replace(" ", "")
        and dossier.applicant_cccd.endswith(digits)
    )


def find_dossier(code: str, factor: str, client: str) -> Dossier | None:
    """The submitted dossier with ``code`` if ``factor`` matches, else None (rate-limited)."""
    code = nfc(code).upper()
    check_rate(client, code)
    dossier = (
        Dossier.objects.filter(code=code, is_draft=False)
        .select_related("procedure", "receiving_agency")
        .first()
    )
    if dossier is None or not factor_matches(dossier, factor):
        count_failure(client, code)
        return None
    return dossier


def history(dossier: Dossier):
    return dossier.status_changes.order_by("at", "pk")
