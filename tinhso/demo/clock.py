"""The demo's clock: the code reads the time from ``django.utils.timezone.now`` (actions, audit,
dossier codes, ``auto_now`` fields), so setting it lets the demo loader take the real actions on
past days. Only the demo loader uses it, in its own process, before the server starts."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

import pyotp
from django.utils import timezone


@contextmanager
def at(moment: datetime.datetime) -> Iterator[None]:
    """Within the block, ``timezone.now()`` answers ``moment``."""
    real = timezone.now
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = real


def enrolment_code(secret: str) -> str:
    """The code of ``secret`` for the previous 30-second step, with which the loader enrols the
    demo officers: enrolment accepts one step either side (``accounts.otp.matching_step``) and
    marks the step used, so enrolling with the current code would refuse, as a replay, the code an
    officer's app shows when they sign in right after the load."""
    return pyotp.TOTP(secret).at(timezone.now() - datetime.timedelta(seconds=30))
