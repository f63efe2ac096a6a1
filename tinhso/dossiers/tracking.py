"""Public tracking ("Tra cứu hồ sơ"): a dossier code or submission reference plus a second
factor, rate-limited. The submission reference is random (``codes.new_submission_reference``),
so a dossier not yet received cannot be found by counting, and the code looks up the dossier once
received (Decree 118/2025/NĐ-CP Art. 17(3) as amended by Decree 309/2026/NĐ-CP Art. 8(3)).

The second factor is the applicant's mobile phone (any usual writing) or at least the last four
digits of their citizen ID. A wrong factor gives the same answer as an unknown code. Failed
attempts are counted per (client address, code) and per client address (``TrackingFailure``);
past ``TRACKING_MAX_ATTEMPTS`` (default 10) for one code, or ``TRACKING_MAX_ATTEMPTS_PER_ADDRESS``
(default 50) for any codes, within ``TRACKING_WINDOW_MINUTES`` (default 15), every attempt from
that address is refused, right or wrong. Nothing is counted per code alone: whoever guesses
from one address never locks out the owner, who asks from another with the right factor.
Successful lookups are not counted: they tell nothing to someone who already holds the factor,
and many citizens share one carrier address (CGNAT) on a deadline day. The address is
``tinhso.core.net.client_ip`` (behind the configured trusted proxies).

This is the surge path of the portal: the limit check, the dossier, its procedure and agency and
its status history come back in one SQL statement (plain SQL that SQLite and PostgreSQL both run):
a first row with the check and the dossier, then one row per status change.
"""

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tinhso.accounts.validators import normalize_phone
from tinhso.agencies.models import Agency
from tinhso.core.sql import sql
from tinhso.core.text import nfc
from tinhso.dossiers.codes import lookup_form
from tinhso.dossiers.models import Dossier, DossierStatusChange, TrackingFailure
from tinhso.dossiers.status import status_label
from tinhso.procedures.models import Procedure

MIN_CCCD_DIGITS = 4


class TooManyAttempts(Exception):
    pass


@dataclass(frozen=True)
class StatusStep:
    status: int
    at: datetime.datetime

    @property
    def label(self) -> str:
        return status_label(self.status)


@dataclass(frozen=True)
class TrackedDossier:
    """What the public may see of a dossier once the second factor matched (``code`` None
    before reception)."""

    code: str | None
    submission_reference: str | None
    procedure_name: str
    receiving_agency_name: str
    status: int
    submitted_at: datetime.datetime | None
    due_at: datetime.datetime | None
    history: tuple[StatusStep, ...]

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def display_code(self) -> str:
        return self.code or self.submission_reference or ""


def _limit() -> tuple[int, int, datetime.timedelta]:
    """Failures allowed per (address, code), per address, and the window."""
    return (
        int(getattr(settings, "TRACKING_MAX_ATTEMPTS", 10)),
        int(getattr(settings, "TRACKING_MAX_ATTEMPTS_PER_ADDRESS", 50)),
        datetime.timedelta(minutes=int(getattr(settings, "TRACKING_WINDOW_MINUTES", 15))),
    )


def _keys(client: str, code: str) -> list[str]:
    """The keys of the (address, code) pair and of the address."""
    return [f"ipcode:{client}|{code}"[:150], f"ip:{client}"[:150]]


def _aware(value: datetime.datetime | str | None) -> datetime.datetime | None:
    """SQLite hands back naive UTC datetimes from plain SQL (text for a column of the second part
    of a UNION); PostgreSQL aware ones."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)
    return value


# The tests run this statement on PostgreSQL, and on SQLite as the demo does.
LOOKUP_SQL = sql(
    """
WITH d AS (
    SELECT {Dossier.id}, {Dossier.code}, {Dossier.submission_reference}, {Dossier.status},
           {Dossier.submitted_at}, {Dossier.due_at}, {Dossier.applicant_phone},
           {Dossier.applicant_cccd}, {Dossier.procedure}, {Dossier.receiving_agency}
    FROM {Dossier}
    WHERE ({Dossier.code} = %s OR {Dossier.submission_reference} = %s) AND NOT {Dossier.is_draft}
)
SELECT 0 AS part, f.failures, f.address_failures, d.{Dossier.id}, d.{Dossier.code},
       d.{Dossier.submission_reference}, d.{Dossier.status}, d.{Dossier.submitted_at},
       d.{Dossier.due_at}, d.{Dossier.applicant_phone}, d.{Dossier.applicant_cccd}, p.{Procedure.name},
       a.{Agency.name}, NULL AS to_status, NULL AS at, NULL AS change_id
FROM (SELECT COALESCE(MAX(CASE WHEN {TrackingFailure.key} = %s THEN {TrackingFailure.failures} END), 0)
                 AS failures,
             COALESCE(MAX(CASE WHEN {TrackingFailure.key} = %s THEN {TrackingFailure.failures} END), 0)
                 AS address_failures
      FROM {TrackingFailure}
      WHERE {TrackingFailure.key} IN (%s, %s) AND {TrackingFailure.window_ends} > %s) f
LEFT JOIN d ON 1 = 1
LEFT JOIN {Procedure} p ON p.{Procedure.id} = d.{Dossier.procedure}
LEFT JOIN {Agency} a ON a.{Agency.id} = d.{Dossier.receiving_agency}
UNION ALL
SELECT 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       h.{DossierStatusChange.to_status}, h.{DossierStatusChange.at}, h.{DossierStatusChange.id}
FROM {DossierStatusChange} h JOIN d ON h.{DossierStatusChange.dossier} = d.{Dossier.id}
ORDER BY part, at, change_id
""",
    Dossier,
    Procedure,
    Agency,
    TrackingFailure,
    DossierStatusChange,
)
COUNT_FAILURE_SQL = sql(
    """
INSERT INTO {TrackingFailure}
    ({TrackingFailure.key}, {TrackingFailure.failures}, {TrackingFailure.window_ends})
VALUES (%s, 1, %s), (%s, 1, %s)
ON CONFLICT ({TrackingFailure.key})
DO UPDATE SET {TrackingFailure.failures} = {TrackingFailure}.{TrackingFailure.failures} + 1
""",
    TrackingFailure,
)


def factor_matches(phone: str, cccd: str, factor: str) -> bool:
    """Whether ``factor`` is the applicant's phone or the last digits (≥ 4) of their CCCD."""
    factor = nfc(factor)
    digits = re.sub(r"\D", "", factor)
    if phone:
        try:
            if normalize_phone(factor) == phone:
                return True
        except ValidationError:
            pass
    return (
        bool(cccd)
        and len(digits) >= MIN_CCCD_DIGITS
        and digits == factor.replace(" ", "")
        and cccd.endswith(digits)
    )


def count_failure(client: str, code: str) -> None:
    """One more failure for the (client, code) pair and the client (ended windows are deleted
    first, so a window starts at the first failure and is not extended by the next ones)."""
    *_attempts, window = _limit()
    now = timezone.now()
    pair_key, client_key = _keys(client, code)
    with transaction.atomic():
        TrackingFailure.objects.filter(window_ends__lte=now).delete()
        with connection.cursor() as cursor:
            cursor.execute(COUNT_FAILURE_SQL, [pair_key, now + window, client_key, now + window])


def find_dossier(code: str, factor: str, client: str) -> TrackedDossier | None:
    """The submitted dossier whose code or submission reference is ``code`` if ``factor``
    matches, else None (rate-limited)."""
    code = lookup_form(nfc(code))
    attempts, address_attempts, _window = _limit()
    keys = _keys(client, code)
    with connection.cursor() as cursor:
        cursor.execute(LOOKUP_SQL, [code, code, *keys, *keys, timezone.now()])
        rows = cursor.fetchall()
    (failures, address_failures, found, found_code, reference, status, submitted_at, due_at, phone, cccd) = (
        rows[0][1:11]
    )
    procedure, agency = rows[0][11:13]
    if failures >= attempts or address_failures >= address_attempts:
        raise TooManyAttempts
    if found is None or not factor_matches(phone, cccd, factor):
        count_failure(client, code)
        return None
    return TrackedDossier(
        code=found_code,
        submission_reference=reference,
        procedure_name=procedure,
        receiving_agency_name=agency,
        status=status,
        submitted_at=_aware(submitted_at),
        due_at=_aware(due_at),
        history=tuple(StatusStep(row[13], _aware(row[14])) for row in rows[1:]),
    )


def history(dossier: Dossier) -> list[StatusStep]:
    return [
        StatusStep(to_status, at)
        for to_status, at in dossier.status_changes.order_by("at", "pk").values_list("to_status", "at")
    ]
