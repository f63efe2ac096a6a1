"""The demo's clock: the code reads the time from ``django.utils.timezone.now`` (actions, audit,
dossier codes, ``auto_now`` fields), so setting it lets the demo loader take the real actions on
past days. Only the demo loader uses it, in its own process, before the server starts."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

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
