"""The order of the whole suite, for ``scripts/test.sh``'s parallel run (pytest-xdist):

- the long operations and smoke tests (their own PostgreSQL, gunicorn, task workers, the demo
  script: mostly waiting on other processes) start first, so that they overlap with the many
  short tests instead of ending the run alone;
- the demo journeys share one loaded demo and the two-servers tests one stack (module fixtures):
  the scheduler below sends each module to one worker as one unit, first (the largest units go
  first);
- the longest tests on the test database (``LONG``: a whole demo province each) start first
  too: the run lasts as long as its busier worker, and a long test started last ends it alone.

Only tests that leave the test database as they found it move: pytest-django's order (tests in a
rolled-back transaction before those that empty the database) still holds on each worker.
"""

import pytest

# Test modules whose tests must run on one worker, one after the other.
GROUPS = {
    "tests/browser/test_demo_journeys.py": "demo-journeys",
    "tests/browser/test_documents_journey.py": "documents-journey",
    "tests/test_two_servers.py": "two-servers",
}
# Test modules or tests that take a minute or more of CPU, longest first (measured by CPU time).
LONG = [
    "tests/browser/test_demo_journeys.py",
    "tests/browser/test_documents_journey.py",
    "tinhso/dossiers/tests/test_demo.py",
    "tinhso/documents/tests/test_demo.py",
    "tinhso/procedures/tests/test_blank_form.py::test_every_procedure_with_a_declaration_has_its_blank_form",
]


def _long(item) -> int | None:
    """The place of ``item`` in ``LONG``, if it is there."""
    for place, name in enumerate(LONG):
        if item.nodeid == name or item.nodeid.split("::")[0] == name:
            return place
    return None


def _starts_first(item) -> bool:
    if not (_long(item) is not None or item.get_closest_marker("ops") or item.get_closest_marker("smoke")):
        return False
    marker = item.get_closest_marker("django_db")
    transactional = bool(
        marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    )
    return not (transactional or {"transactional_db", "live_server"} & set(item.fixturenames))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    def order(item) -> tuple[int, int]:
        if not _starts_first(item):
            return (2, 0)
        place = _long(item)
        return (1, 0) if place is None else (0, place)

    items.sort(key=order)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Each test a unit of its own, the ``GROUPS`` one unit each. (xdist's ``loadgroup`` does
    this with a mark, but no longer groups anything under pytest 9.2: pytest-xdist issue 1386.)"""
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return GROUPS.get(nodeid.split("::")[0], nodeid)

    return GroupScheduling(config, log)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a request or a test that switched the
    language of the worker's thread must not change what the next test reads."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
