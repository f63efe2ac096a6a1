"""The suite's own setup: pytest-django creates the test databases only for the tests it sees
using them (a ``django_db`` mark, or the ``db``, ``transactional_db`` or ``live_server`` fixture)."""

DATABASE_FIXTURES = {"db", "transactional_db", "live_server"}


def test_every_test_that_reaches_the_test_database_asks_for_one(request):
    """A test whose fixtures reach the test database through ``django_db_setup`` (the demo
    journeys' loaded demo, the operations tests' copy of its schema) is marked ``django_db``:
    run alone, it would otherwise find no test database and use DATABASE_URL's own."""
    unmarked = [
        item.nodeid
        for item in request.session.items
        if "django_db_setup" in item.fixturenames
        and not item.get_closest_marker("django_db")
        and not DATABASE_FIXTURES & set(item.fixturenames)
    ]
    assert unmarked == []
