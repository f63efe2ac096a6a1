"""Checking who signs in: passwords throttled per address, the second factor limited per account.

Used by the sign-in page, the authentication backend (admin login) and the API token endpoint,
so the rules are the same everywhere.

Passwords. Failures are counted per client address and per (address, username) in
``SignInThrottle`` (a database table: every server process sees the same counts). Past
``LOGIN_MAX_FAILURES`` (default 5) for one username from one address, or
``LOGIN_MAX_FAILURES_PER_ADDRESS`` (default 20) for any usernames from one address, that address
must wait ``LOGIN_THROTTLE_SECONDS`` (default 30 s), doubled at each further failure up to
``LOGIN_LOCK_MINUTES`` (default 15). Nothing is counted per username alone: a stranger cannot
keep a citizen out, who signs in from their own address. Unknown usernames are counted and
answered exactly like wrong passwords, so the answers tell nobody which accounts exist. A right
password clears the (address, username) count, not the address's. Attempts on one (address,
username) take turns, so parallel guesses cannot slip past the count.

Second factor. Wrong TOTP, recovery and enrolment codes are counted on the account
(``User.second_factor_failures``) and only a right code clears them, never a right password.
They can only be tried by someone who gave the right password: at ``LOGIN_MAX_FAILURES`` the
account is locked for ``LOGIN_LOCK_MINUTES``, doubled at each further wrong code up to
``SECOND_FACTOR_MAX_LOCK_HOURS`` (default 24); the lock is audited and the officer and the
administrators of their agencies are e-mailed (``tasks.notify_second_factor_locked``). During
the lock even the right password and code are refused. Rows are locked (``SELECT ... FOR
UPDATE``) while counted, so parallel attempts cannot slip past.
"""

import dataclasses
import datetime
import hashlib
import logging

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tinhso.accounts import otp
from tinhso.accounts.models import RecoveryCode, SignInThrottle, User, hash_token
from tinhso.accounts.tasks import notify_second_factor_locked
from tinhso.audit.services import lock_key, record
from tinhso.core.net import client_ip
from tinhso.core.text import nfc

logger = logging.getLogger(__name__)

OK = "ok"
INVALID = "invalid"
LOCKED = "locked"  # the account, after wrong second-factor codes (told only after the right password)
THROTTLED = "throttled"  # this address, after wrong passwords (whatever the username)

RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10


@dataclasses.dataclass(frozen=True)
class SignInResult:
    status: str
    user: User | None = None
    locked_until: datetime.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status == OK


def _throttle_keys(username: str, request) -> list[tuple[str, int]]:
    """(key, failures allowed) for the (address, username) pair and for the address."""
    address = client_ip(request) or "unknown"
    digest = hashlib.sha256(username.casefold().encode()).hexdigest()[:32]
    return [
        (f"user:{address}|{digest}", settings.LOGIN_MAX_FAILURES),
        (f"ip:{address}", settings.LOGIN_MAX_FAILURES_PER_ADDRESS),
    ]


def _throttled_until(keys, now) -> datetime.datetime | None:
    locks = SignInThrottle.objects.filter(
        key__in=[key for key, _allowed in keys], locked_until__gt=now
    ).values_list("locked_until", flat=True)
    return max(locks, default=None)


def _growing(failures: int, allowed: int, base: datetime.timedelta, cap: datetime.timedelta):
    """``base`` at the ``allowed``-th failure, doubled at each further one, at most ``cap``."""
    return min(base * 2 ** min(failures - allowed, 20), cap)


def _count_password_failure(keys, now) -> datetime.datetime | None:
    """One more failure on each key; the time until which the address must wait, if any. A count
    quiet for ``LOGIN_LOCK_MINUTES`` after its last lock ended starts again from zero."""
    base = datetime.timedelta(seconds=settings.LOGIN_THROTTLE_SECONDS)
    cap = datetime.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
    until = None
    # Counts that would start again from zero anyway are deleted (a lock ends at most ``cap``
    # after the last failure), so the table holds only recent failures.
    SignInThrottle.objects.filter(last_failure_at__lt=now - 2 * cap).delete()
    for key, allowed in keys:
        with transaction.atomic():
            row = SignInThrottle.objects.select_for_update().filter(key=key).first()
            if row is None:
                try:
                    with transaction.atomic():
                        row = SignInThrottle.objects.create(key=key, last_failure_at=now)
                except IntegrityError:  # another process created it just now
                    row = SignInThrottle.objects.select_for_update().get(key=key)
            quiet_since = max(row.last_failure_at, row.locked_until or row.last_failure_at)
            if now - quiet_since > cap:
                row.failures, row.locked_until = 0, None
            row.failures += 1
            row.last_failure_at = now
            if row.failures >= allowed:
                row.locked_until = now + _growing(row.failures, allowed, base, cap)
                until = max(until or row.locked_until, row.locked_until)
            row.save()
    return until


def _serialise(key: str) -> None:
    """Make attempts on ``key`` take turns until the transaction ends (PostgreSQL advisory lock;
    SQLite serialises writers by itself), so parallel guesses cannot all pass before one is
    counted."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key("accounts.signin", key)])


def check_password(username: str, password: str, request=None) -> SignInResult:
    """Check a username and password against the address throttle and audit the attempt."""
    username = nfc(username)
    keys = _throttle_keys(username, request)
    with transaction.atomic():
        _serialise(keys[0][0])
        now = timezone.now()
        throttled = _throttled_until(keys, now)
        if throttled:
            logger.info("Sign-in refused: too many failures from %s.", client_ip(request))
            return SignInResult(THROTTLED, locked_until=throttled)
        user = User.objects.filter(username=username).first()
        if user is None:
            # Spend the time of a real check so that response times do not reveal usernames.
            User().set_password(password)
            good = False
        else:
            good = user.check_password(password) and user.is_active
        if not good:
            if user is not None:
                record(None, "accounts.login_failed", user, {"factor": "password"}, request)
            until = _count_password_failure(keys, now)
            return SignInResult(THROTTLED, locked_until=until) if until else SignInResult(INVALID)
        SignInThrottle.objects.filter(key=keys[0][0]).delete()
    if user.is_locked(now):
        record(None, "accounts.login_refused_locked", user, request=request)
        return SignInResult(LOCKED, locked_until=user.locked_until)
    if not user.requires_second_factor:
        record(user, "accounts.login", user, {"method": "password"}, request)
    return SignInResult(OK, user=user)


def second_factor_failure(user: User, factor: str, request=None) -> SignInResult:
    """Count one wrong second-factor code (``factor``: totp, recovery or enrolment); lock the
    account with growing delays from ``LOGIN_MAX_FAILURES`` on, audit it and alert."""
    allowed = settings.LOGIN_MAX_FAILURES
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.second_factor_failures += 1
        count = user.second_factor_failures
        record(None, "accounts.second_factor_failed", user, {"factor": factor, "consecutive": count}, request)
        if count < allowed:
            user.save(update_fields=["second_factor_failures"])
            return SignInResult(INVALID)
        base = datetime.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        cap = datetime.timedelta(hours=settings.SECOND_FACTOR_MAX_LOCK_HOURS)
        user.locked_until = timezone.now() + _growing(count, allowed, base, cap)
        user.save(update_fields=["second_factor_failures", "locked_until"])
        record(None, "accounts.locked", user, {"until": user.locked_until, "failures": count}, request)
        transaction.on_commit(lambda: notify_second_factor_locked.enqueue(user.pk))
        return SignInResult(LOCKED, locked_until=user.locked_until)


def normalise_recovery_code(code: str) -> str | None:
    """``"Abcde-fghjk"`` → ``"abcdefghjk"``, or None when it cannot be a recovery code."""
    text = "".join((code or "").split()).replace("-", "").lower()
    if len(text) == RECOVERY_LENGTH and all(char in RECOVERY_ALPHABET for char in text):
        return text
    return None


def _use_recovery_code(user: User, code: str) -> bool:
    return bool(
        RecoveryCode.objects.filter(user=user, code_hash=hash_token(code), used_at__isnull=True).update(
            used_at=timezone.now()
        )
    )


def check_second_factor(user: User, code: str, request=None, method: str = "password") -> SignInResult:
    """Check a TOTP code (or a recovery code) of an enrolled user; a wrong, replayed or used code
    counts as a second-factor failure."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_locked():
            record(None, "accounts.login_refused_locked", user, request=request)
            return SignInResult(LOCKED, locked_until=user.locked_until)
        recovery = normalise_recovery_code(code)
        if recovery is not None:
            factor = "recovery"
            good = user.totp_enabled and _use_recovery_code(user, recovery)
        else:
            factor = "totp"
            step = otp.matching_step(user.totp_secret, code) if user.totp_enabled else None
            good = step is not None and otp.consume_step(user, step)
        if not good:
            return second_factor_failure(user, factor, request)
        User.objects.filter(pk=user.pk).update(second_factor_failures=0)
        user.second_factor_failures = 0
        record(user, "accounts.login", user, {"method": method, "second_factor": factor}, request)
        return SignInResult(OK, user=user)
