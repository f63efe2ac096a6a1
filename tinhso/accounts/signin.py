"""Checking who signs in: passwords with lockout, second factor, audit of every attempt.

Used by the sign-in page, the authentication backend (admin login) and the API token endpoint.
After ``settings.LOGIN_MAX_FAILURES`` consecutive failures (wrong passwords or wrong TOTP
codes) the account is locked for ``settings.LOGIN_LOCK_MINUTES``; during the lock even the
right password is refused. The account row is locked (``SELECT ... FOR UPDATE``) while it is
checked and the counter is increased with ``F()``, so parallel attempts cannot slip past it.
"""

import dataclasses
import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tinhso.accounts import otp
from tinhso.accounts.models import User
from tinhso.audit.services import record
from tinhso.core.text import nfc

logger = logging.getLogger(__name__)

OK = "ok"
INVALID = "invalid"
LOCKED = "locked"


@dataclasses.dataclass(frozen=True)
class SignInResult:
    status: str
    user: User | None = None
    locked_until: datetime.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status == OK


def check_password(username: str, password: str, request=None) -> SignInResult:
    """Check a username and password against the lockout rules and audit the attempt."""
    username = nfc(username)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            # Spend the time of a real check so that response times do not reveal usernames.
            User().set_password(password)
            logger.info("Failed sign-in for an unknown username.")
            return SignInResult(INVALID)
        now = timezone.now()
        if user.is_locked(now):
            record(None, "accounts.login_refused_locked", user, request=request)
            return SignInResult(LOCKED, locked_until=user.locked_until)
        if not (user.check_password(password) and user.is_active):
            return register_failure(user, "password", request)
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
        user.failed_login_count, user.locked_until = 0, None
        if not user.requires_second_factor:
            record(user, "accounts.login", user, {"method": "password"}, request)
        return SignInResult(OK, user=user)


def register_failure(user: User, factor: str, request=None) -> SignInResult:
    """Count one failed attempt; lock the account when it reaches the limit."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).update(
            failed_login_count=F("failed_login_count") + 1
        )
        count = User.objects.values_list("failed_login_count", flat=True).get(pk=user.pk)
        record(None, "accounts.login_failed", user, {"factor": factor, "consecutive": count}, request)
        if count < settings.LOGIN_MAX_FAILURES:
            return SignInResult(INVALID)
        locked_until = timezone.now() + datetime.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=locked_until)
        user.failed_login_count, user.locked_until = 0, locked_until
        record(None, "accounts.locked", user, {"until": locked_until, "failures": count}, request)
        return SignInResult(LOCKED, locked_until=locked_until)


def check_second_factor(user: User, code: str, request=None, method: str = "password") -> SignInResult:
    """Check a TOTP code of an enrolled user; a wrong or replayed code counts as a failure."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_locked():
            record(None, "accounts.login_refused_locked", user, request=request)
            return SignInResult(LOCKED, locked_until=user.locked_until)
        step = otp.matching_step(user.totp_secret, code) if user.totp_enabled else None
        if step is None or not otp.consume_step(user, step):
            return register_failure(user, "totp", request)
        User.objects.filter(pk=user.pk).update(failed_login_count=0)
        record(user, "accounts.login", user, {"method": method, "second_factor": "totp"}, request)
        return SignInResult(OK, user=user)
