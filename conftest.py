"""The order of the whole suite, for ``scripts/test.sh``'s parallel run (pytest-xdist, ``--dist
loadgroup``): the long operations and smoke tests (their own PostgreSQL, gunicorn, task workers,
the demo script: mostly waiting on other processes) start first, so that they overlap with the
many short tests instead of ending the run alone. The demo journeys, one xdist group, are sent
first by the scheduler (the largest group goes first).

Only tests that leave the test database as they found it move: pytest-django's order (tests in a
rolled-back transaction before those that empty the database) still holds on each worker.
"""

import pytest


def _starts_first(item) -> bool:
    if not (item.get_closest_marker("ops") or item.get_closest_marker("smoke")):
        return False
    marker = item.get_closest_marker("django_db")
    transactional = bool(
        marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    )
    return not (transactional or {"transactional_db", "live_server"} & set(item.fixturenames))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: not _starts_first(item))
