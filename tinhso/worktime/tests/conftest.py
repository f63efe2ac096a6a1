import pytest

from tinhso.worktime import calendar


@pytest.fixture(autouse=True)
def fresh_calendar():
    """A rolled-back test transaction sends no signal: start and end every test with an empty cache."""
    calendar.invalidate()
    yield
    calendar.invalidate()
