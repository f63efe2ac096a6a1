"""One-time codes by SMS or e-mail (self-registration, password reset) and their rate limits.

A code has 6 digits, lives ``CODE_TTL_MINUTES`` (10), allows ``CODE_MAX_TRIES`` (5) wrong entries
and ``CODE_MAX_SENDS`` (3) sends at least ``CODE_RESEND_SECONDS`` (60) apart. Only a keyed hash
(HMAC with the secret key and a salt of its own) is stored: a copy of the table does not give
the codes away.

Rate limits, per rolling hour, counted in ``CodeRequest`` (shared by every server process):
``CODE_MAX_PER_ADDRESS`` requests from one client address, ``CODE_MAX_PER_DESTINATION`` to one
phone or e-mail address typed in, ``CODE_MAX_PER_ACCOUNT`` for one username. They are counted
whether or not the account exists, so that the answers tell nobody which accounts exist; a
message to an account's own contact details past the destination limit is silently not sent.
"""

import datetime
import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from tinhso.accounts.models import CodeRequest, OneTimeCode
from tinhso.audit.services import lock_key
from tinhso.core import mailer
from tinhso.core.net import client_ip
from tinhso.core.sms import get_provider

logger = logging.getLogger(__name__)

WINDOW = datetime.timedelta(hours=1)
KEEP = datetime.timedelta(days=1)


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def hash_code(code: str, salt: str | None = None) -> str:
    """``salt$hmac``; a new salt unless one is given."""
    salt = salt or secrets.token_hex(8)
    digest = salted_hmac("tinhso.accounts.OneTimeCode", f"{salt}|{code}", algorithm="sha256").hexdigest()
    return f"{salt}${digest}"


def code_matches(stored: str, code: str) -> bool:
    if not stored or "$" not in stored:
        return False
    salt = stored.split("$", 1)[0]
    return hmac.compare_digest(stored, hash_code(code, salt))


def _digest(text: str) -> str:
    return hashlib.sha256(text.casefold().encode()).hexdigest()[:32]


def address_key(request) -> str:
    return f"ip:{client_ip(request) or 'unknown'}"


def destination_key(destination: str) -> str:
    return f"to:{_digest(destination)}"


def account_key(username: str) -> str:
    return f"account:{_digest(username)}"


def serialise(key: str) -> None:
    """Requests under ``key`` take turns until the transaction ends (as ``signin._serialise``)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key("accounts.codes", key)])


def limits(request, *, destination: str = "", username: str = "") -> list[tuple[str, int]]:
    """(key, allowed per hour) for the client address and what was typed in."""
    keys = [(address_key(request), settings.CODE_MAX_PER_ADDRESS)]
    if destination:
        keys.append((destination_key(destination), settings.CODE_MAX_PER_DESTINATION))
    if username:
        keys.append((account_key(username), settings.CODE_MAX_PER_ACCOUNT))
    return keys


def limited_until(keys, now=None) -> datetime.datetime | None:
    """When the first of ``keys`` over its limit frees a place, or None when none is over."""
    now = now or timezone.now()
    until = None
    for key, allowed in keys:
        times = list(
            CodeRequest.objects.filter(key=key, created_at__gt=now - WINDOW)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:allowed]
        )
        if len(times) >= allowed:
            free = times[-1] + WINDOW
            until = max(until or free, free)
    return until


def count(keys, now=None) -> None:
    now = now or timezone.now()
    CodeRequest.objects.filter(created_at__lt=now - KEEP).delete()
    CodeRequest.objects.bulk_create(CodeRequest(key=key, created_at=now) for key, _allowed in keys)


def forget_old_codes(now=None) -> None:
    """Delete the codes (and the details they keep) a day after they expired."""
    OneTimeCode.objects.filter(expires_at__lt=(now or timezone.now()) - KEEP).delete()


def forget_old(now) -> tuple[int, int]:
    """``forget_old_codes`` and the counts older than a day (``manage.py forget_codes``, nightly,
    for the days nobody asks for a code); returns how many of each were deleted."""
    codes, _by_model = OneTimeCode.objects.filter(expires_at__lt=now - KEEP).delete()
    counts, _by_model = CodeRequest.objects.filter(created_at__lt=now - KEEP).delete()
    return codes, counts


def deliver(channel: str, destination: str, subject: str, text: str) -> None:
    """Send ``text`` by SMS or e-mail once the transaction commits; a failure is logged (the
    person may ask for the code again), never shown: the answer is the same either way."""

    def send():
        try:
            if channel == "sms":
                get_provider().send(destination, text)
            else:
                mailer.send(subject, text, destination)
        except Exception:
            logger.exception("Could not send a one-time code by %s.", channel)

    transaction.on_commit(send)


def expired(code: OneTimeCode, now=None) -> bool:
    return code.expires_at <= (now or timezone.now())


def can_resend_at(code: OneTimeCode) -> datetime.datetime:
    return code.sent_at + datetime.timedelta(seconds=settings.CODE_RESEND_SECONDS)
