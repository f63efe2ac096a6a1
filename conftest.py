"""The order of the whole suite, for ``scripts/test.sh``'s parallel run (pytest-xdist):

- the long operations and smoke tests (their own PostgreSQL, gunicorn, task workers, the demo
  script: mostly waiting on other processes) start first, so that they overlap with the many
  short tests instead of ending the run alone;
- the demo journeys share one loaded demo (module fixtures): the scheduler below sends them to
  one worker as one unit, first (the largest unit goes first).

Only tests that leave the test database as they found it move: pytest-django's order (tests in a
rolled-back transaction before those that empty the database) still holds on each worker.
"""

import pytest

# Test modules whose tests must run on one worker, one after the other.
GROUPS = {"tests/browser/test_demo_journeys.py": "demo-journeys"}


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


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Each test a unit of its own, the ``GROUPS`` one unit each. (xdist's ``loadgroup`` does
    this with a mark, but no longer groups anything under pytest 9.2: pytest-xdist issue 1386.)"""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return GROUPS.get(nodeid.split("::")[0], nodeid)

    return GroupScheduling(config, log)
