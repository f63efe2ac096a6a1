"""Time-based one-time passwords (RFC 6238, 30-second steps, 6 digits) with pyotp.

A code is accepted in the current step or one step either side (clock drift), and at most
once: the last accepted step is stored on the user and only a later step passes, so a code
seen over someone's shoulder cannot be replayed within its 30 seconds.
"""

import hmac
import re

import pyotp
import segno
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from tinhso.accounts.models import User


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.display_username, issuer_name=settings.PLATFORM_NAME)


def qr_data_uri(uri: str) -> str:
    """The QR code of ``uri`` as an SVG ``data:`` URI (the CSP allows ``data:`` images)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def format_secret(secret: str) -> str:
    """Groups of four letters, easier to type into an authenticator app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, for_time=None) -> int | None:
    """The time step (current ±1) in which ``code`` is valid for ``secret``, or None."""
    code = re.sub(r"\s", "", code or "")
    if not secret or not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(for_time or timezone.now())
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def consume_step(user: User, step: int) -> bool:
    """Mark ``step`` as used for ``user``; False when it (or a later one) was already used."""
    updated = (
        User.objects.filter(pk=user.pk)
        .filter(Q(totp_last_step__isnull=True) | Q(totp_last_step__lt=step))
        .update(totp_last_step=step)
    )
    if updated:
        user.totp_last_step = step
    return bool(updated)
