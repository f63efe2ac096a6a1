"""The order of the whole suite, for ``scripts/test.sh``'s parallel run (pytest-xdist):

- the long operations and smoke tests (their own PostgreSQL, gunicorn, task workers, the demo
  script: mostly waiting on other processes) start first, so that they overlap with the many
  short tests instead of ending the run alone;
- the journeys on the demo (two modules) share one loaded demo (a package fixture) and the
  two-servers tests one stack (a module fixture): the scheduler below sends each group to one
  worker as one unit, first (the largest units go first);
- the longest tests on the test database (``LONG``: a whole demo province each) start first
  too: the run lasts as long as its busier worker, and a long test started last ends it alone;
- then the tests on kept rows (``tinhso.testing.keep``: reference data written once per worker,
  each test rolling back to it), those on the same rows together.

Only tests that leave the test database as they found it move: pytest-django's order (tests in a
rolled-back transaction before those that empty the database) still holds on each worker.
"""

import pytest

from tinhso import testing

# Test modules whose tests must run on one worker, one after the other.
GROUPS = {
    # One loaded demo for both (tests/browser/demo/conftest.py).
    "tests/browser/demo/test_demo_journeys.py": "demo-journeys",
    "tests/browser/demo/test_documents_journey.py": "demo-journeys",
    "tests/browser/demo/test_open_data_journey.py": "demo-journeys",
    "tests/test_two_servers.py": "two-servers",
    # One loaded demo (a kept fixture) for both tests that read it.
    "tinhso/dossiers/tests/test_demo.py": "loaded-demo",
    "tests/test_kept_rows.py": "kept-rows",
}
# Test modules or tests that take a minute or more of CPU, longest first (measured by CPU time).
LONG = [
    "tests/browser/demo/test_demo_journeys.py",
    "tests/browser/demo/test_documents_journey.py",
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
    return not _transactional(item)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    def order(item) -> tuple[int, int, tuple[str, ...]]:
        if not _starts_first(item):
            # The tests on kept rows next, those on the same rows together: each worker writes
            # them once, or a few times.
            layers = tuple(f"{layer.__module__}.{layer.__name__}" for layer in _kept_layers(item))
            return (2, 0, layers) if layers else (2, 1, ())
        place = _long(item)
        return (1, 0, ()) if place is None else (0, place, ())

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


def _transactional(item) -> bool:
    """As pytest-django decides: the test empties the database instead of rolling back."""
    marker = item.get_closest_marker("django_db")
    marked = bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    return marked or bool({"transactional_db", "live_server"} & set(item.fixturenames))


def _kept_layers(item) -> list:
    """The kept fixtures (``tinhso.testing.keep``) whose rows ``item`` needs, the lowest first."""
    info = getattr(item, "_fixtureinfo", None)  # test functions only
    if info is None:
        return []
    kept = {}
    for name in item.fixturenames:
        definitions = info.name2fixturedefs.get(name)
        if definitions and hasattr(definitions[-1].func, "kept"):
            kept[name] = definitions[-1].func
    for name, fixture in kept.items():
        layers = [fixture]
        while layers[0].kept.on:
            layers.insert(0, info.name2fixturedefs[layers[0].kept.on][-1].func)
        if set(kept) <= {layer.__name__ for layer in layers}:
            if _transactional(item):
                raise pytest.UsageError(f"{item.nodeid}: kept rows ({name}) need a test that rolls back")
            return layers
    if kept:
        raise pytest.UsageError(f"{item.nodeid}: the kept fixtures {sorted(kept)} are not on each other")
    return []


def _put_kept_layers(layers: list, blocker) -> None:
    """Roll back the layers in place that are not the first of ``layers``, then write the others."""
    from django.db import transaction

    from tinhso.testing import KEPT_LAYERS, KeptLayer

    kept = 0
    while kept < min(len(layers), len(KEPT_LAYERS)) and KEPT_LAYERS[kept].fixture is layers[kept]:
        kept += 1
    if kept == len(layers) == len(KEPT_LAYERS):
        return
    with blocker.unblock():
        while len(KEPT_LAYERS) > kept:
            transaction.set_rollback(True)
            KEPT_LAYERS.pop().atomic.__exit__(None, None, None)
        for fixture in layers[kept:]:
            atomic = transaction.atomic()
            # As Django's TestCase marks its own: a durable atomic block may still open inside it.
            atomic._from_testcase = True
            atomic.__enter__()
            layer = KeptLayer(fixture, atomic)
            KEPT_LAYERS.append(layer)
            try:
                layer.value = fixture.kept.build()
            except BaseException:
                _put_kept_layers([], blocker)
                raise


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef, request):
    """Before a test's own transaction opens (pytest-django's ``_django_db_helper``), put the rows
    of its kept fixture in place (``tinhso.testing.keep``), or none."""
    if fixturedef.argname == "_django_db_helper":
        _put_kept_layers(_kept_layers(request._pyfuncitem), request.getfixturevalue("django_db_blocker"))
        request.getfixturevalue("_kept_rows_rolled_back_at_the_end")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A test on no kept rows, even one without the test database (it may reach it from another
    process), runs with none in place."""
    from pytest_django.plugin import blocking_manager_key

    from tinhso.testing import KEPT_LAYERS

    if KEPT_LAYERS and not _kept_layers(item):
        _put_kept_layers([], item.config.stash[blocking_manager_key])


@pytest.fixture(scope="session")
def _kept_rows_rolled_back_at_the_end(django_db_setup, django_db_blocker):
    """The kept rows are rolled back before the test database goes."""
    yield
    _put_kept_layers([], django_db_blocker)


@pytest.fixture
@testing.keep(testing.import_dong_thap)
def dong_thap_units(db):
    """``tinhso.testing.import_dong_thap``'s units, written once per worker."""


@pytest.fixture
@testing.keep(testing.make_demo_catalogue)
def demo_catalogue(db):
    """``tinhso.testing.make_demo_catalogue``'s tree, written once per worker."""
    return testing.kept_rows("demo_catalogue")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a request or a test that switched the
    language of the worker's thread must not change what the next test reads."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _cache_emptied_with_the_database(request, django_db_blocker):
    """A test that empties the database when it ends (transactional, live server) empties the
    cache table too: what one cached (a leaders' page, a table) is not the next test's."""
    yield
    if _transactional(request.node):
        from django.core.cache import cache

        with django_db_blocker.unblock():
            cache.clear()
