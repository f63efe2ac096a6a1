"""Working-time arithmetic on real Vietnamese dates of 2025 and 2026 (package + shipped exceptions)."""

import datetime
import random
from decimal import Decimal

import pytest

from tinhso.core.reference import as_one_request
from tinhso.worktime.calendar import (
    VN_TZ,
    add_working_days,
    add_working_hours,
    is_working_day,
    next_working_moment,
    working_periods,
    working_time_between,
)

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)


def at(*args):
    return datetime.datetime(*args, tzinfo=VN_TZ)


def test_tet_2026_is_off_from_16_to_20_february():
    for day in range(16, 21):
        assert not is_working_day(datetime.date(2026, 2, day))
    assert is_working_day(datetime.date(2026, 2, 13))
    assert is_working_day(datetime.date(2026, 2, 23))
    # Friday 13 Feb 10:00 + 1 working day: the next working day is Monday 23 Feb.
    assert add_working_days(at(2026, 2, 13, 10), 1) == at(2026, 2, 23, 10)
    assert working_time_between(at(2026, 2, 13, 10), at(2026, 2, 23, 10)) == 7.5 * H


def test_national_day_2025_tuesday_with_monday_1_september_off():
    assert not is_working_day(datetime.date(2025, 9, 1))
    assert not is_working_day(datetime.date(2025, 9, 2))
    assert add_working_days(at(2025, 8, 29, 15), 1) == at(2025, 9, 3, 15)
    assert working_time_between(at(2025, 8, 29, 15), at(2025, 9, 3, 15)) == 7.5 * H


def test_reunification_and_labour_day_2025_with_make_up_saturday_26_april():
    for day in (datetime.date(2025, 4, 30), datetime.date(2025, 5, 1), datetime.date(2025, 5, 2)):
        assert not is_working_day(day)
    assert is_working_day(datetime.date(2025, 4, 26))  # Saturday worked instead of Friday 2 May
    assert add_working_days(at(2025, 4, 25, 10), 1) == at(2025, 4, 26, 10)
    assert add_working_days(at(2025, 4, 29, 10), 1) == at(2025, 5, 5, 10)
    # Friday 16:00 + 2 h: 1 h on Friday, 1 h on the make-up Saturday morning.
    assert add_working_hours(at(2025, 4, 25, 16), 2) == at(2025, 4, 26, 8, 30)
    assert working_time_between(at(2025, 4, 25, 16), at(2025, 4, 28, 8)) == 9 * H


def test_new_year_2026_bridge_and_make_up_saturday_10_january():
    assert not is_working_day(datetime.date(2026, 1, 1))
    assert not is_working_day(datetime.date(2026, 1, 2))
    assert is_working_day(datetime.date(2026, 1, 10))
    assert add_working_days(at(2025, 12, 31, 9), 1) == at(2026, 1, 5, 9)
    assert add_working_days(at(2026, 1, 9, 9), 1) == at(2026, 1, 10, 9)


def test_national_day_2026_with_make_up_saturday_22_august():
    assert is_working_day(datetime.date(2026, 8, 22))
    for day in (datetime.date(2026, 8, 31), datetime.date(2026, 9, 1), datetime.date(2026, 9, 2)):
        assert not is_working_day(day)
    assert add_working_days(at(2026, 8, 28, 8), 1) == at(2026, 9, 3, 8)


def test_hung_kings_day_from_the_lunar_calendar():
    assert not is_working_day(datetime.date(2025, 4, 7))  # 10/3 Ất Tỵ, a Monday
    assert not is_working_day(datetime.date(2026, 4, 27))  # 10/3 Bính Ngọ is Sunday 26/4: Monday off


def test_working_periods():
    assert working_periods(datetime.date(2025, 11, 6)) == [
        (at(2025, 11, 6, 7, 30), at(2025, 11, 6, 11, 30)),
        (at(2025, 11, 6, 13, 30), at(2025, 11, 6, 17)),
    ]
    assert working_periods(datetime.date(2025, 11, 8)) == []  # Saturday
    assert working_periods(datetime.date(2026, 2, 17)) == []  # mùng 1 Tết
    # A make-up Saturday has the hours of a normal working day.
    assert working_periods(datetime.date(2026, 1, 10))[0] == (at(2026, 1, 10, 7, 30), at(2026, 1, 10, 11, 30))


def test_working_hours_across_lunch_and_weekend():
    assert add_working_hours(at(2025, 11, 6, 11), 1) == at(2025, 11, 6, 14)
    assert working_time_between(at(2025, 11, 6, 11), at(2025, 11, 6, 14)) == H
    assert add_working_hours(at(2025, 11, 7, 16, 30), 2) == at(2025, 11, 10, 9)  # Friday → Monday
    assert working_time_between(at(2025, 11, 7, 16, 30), at(2025, 11, 10, 9)) == 2 * H
    assert add_working_hours(at(2025, 11, 6, 11), Decimal("1.5")) == at(2025, 11, 6, 14, 30)
    assert add_working_hours(at(2025, 11, 6, 9), 0.25) == at(2025, 11, 6, 9, 15)


def test_hours_end_at_the_end_of_a_period_not_at_the_next_start():
    assert add_working_hours(at(2025, 11, 6, 16), 1) == at(2025, 11, 6, 17)
    assert add_working_hours(at(2025, 11, 6, 10, 30), 1) == at(2025, 11, 6, 11, 30)


def test_zero_hours_normalises_the_start():
    assert add_working_hours(at(2025, 11, 6, 9), 0) == at(2025, 11, 6, 9)
    assert add_working_hours(at(2025, 11, 6, 12), 0) == at(2025, 11, 6, 13, 30)
    assert add_working_hours(at(2025, 11, 8, 10), 0) == at(2025, 11, 10, 7, 30)  # Saturday → Monday


def test_next_working_moment():
    assert next_working_moment(at(2025, 11, 6, 7)) == at(2025, 11, 6, 7, 30)
    assert next_working_moment(at(2025, 11, 6, 11, 30)) == at(2025, 11, 6, 13, 30)  # periods are [start, end)
    assert next_working_moment(at(2025, 11, 7, 17)) == at(2025, 11, 10, 7, 30)
    assert next_working_moment(at(2026, 2, 13, 17, 5)) == at(2026, 2, 23, 7, 30)  # Tết 2026


def test_add_working_days_moves_a_start_outside_hours_first():
    assert add_working_days(at(2025, 11, 6, 12), 1) == at(2025, 11, 7, 13, 30)  # lunch → 13:30
    assert add_working_days(at(2025, 11, 7, 17, 30), 1) == at(2025, 11, 11, 7, 30)  # after hours Friday
    assert add_working_days(at(2025, 11, 8, 10), 0) == at(2025, 11, 10, 7, 30)  # Saturday
    assert add_working_days(at(2025, 11, 6, 9), 15) == at(2025, 11, 27, 9)


def test_other_time_zones_are_converted():
    utc = datetime.UTC
    assert add_working_hours(datetime.datetime(2025, 11, 6, 4, tzinfo=utc), 1) == at(2025, 11, 6, 14)
    assert add_working_days(datetime.datetime(2026, 2, 13, 3, tzinfo=utc), 1).tzinfo == VN_TZ


def test_working_time_between_is_negative_backwards_and_zero_on_days_off():
    assert working_time_between(at(2025, 11, 6, 14), at(2025, 11, 6, 11)) == -H
    assert working_time_between(at(2026, 2, 14, 0), at(2026, 2, 23, 0)) == datetime.timedelta(0)
    assert working_time_between(at(2025, 11, 6, 9), at(2025, 11, 6, 9)) == datetime.timedelta(0)
    # 2025: 261 weekdays, 12 of them holidays (1/1, 27–31/1, 7/4, 30/4, 1–2/5, 1–2/9), plus the
    # make-up Saturday 26/4: 250 working days of 7.5 h.
    assert working_time_between(at(2025, 1, 1, 0), at(2026, 1, 1, 0)) == 250 * 7.5 * H


def test_naive_and_bad_input_is_refused():
    naive = datetime.datetime(2025, 11, 6, 9)
    for call in (
        lambda: add_working_days(naive, 1),
        lambda: add_working_hours(naive, 1),
        lambda: next_working_moment(naive),
        lambda: working_time_between(naive, at(2025, 11, 6, 10)),
        lambda: working_time_between(at(2025, 11, 6, 10), naive),
        lambda: is_working_day(naive),
        lambda: add_working_days(at(2025, 11, 6, 9), -1),
        lambda: add_working_hours(at(2025, 11, 6, 9), -0.5),
    ):
        with pytest.raises(ValueError):
            call()
    with pytest.raises(TypeError):
        add_working_days(at(2025, 11, 6, 9), 1.5)
    with pytest.raises(TypeError):
        add_working_hours(at(2025, 11, 6, 9), "2")


def _random_moment(rng):
    start = at(2025, 1, 1)
    return start + datetime.timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))


def test_working_hours_and_working_time_between_are_inverse():
    rng = random.Random(20250902)
    # The calendar read once, as within a request (each call would otherwise check its version).
    with as_one_request():
        for _ in range(2000):
            a, b = sorted((_random_moment(rng), _random_moment(rng)))
            if rng.random() < 0.5:  # half of the pairs close together, as deadlines are
                b = a + datetime.timedelta(minutes=rng.randrange(5 * 24 * 60))
            spent = working_time_between(a, b)
            assert working_time_between(b, a) == -spent
            end = add_working_hours(a, Decimal(spent.total_seconds()) / 3600)
            assert working_time_between(a, end) == spent
            assert working_time_between(end, b) == datetime.timedelta(0)
            assert next_working_moment(end) == next_working_moment(b)
            middle = a + (b - a) / 3
            assert working_time_between(a, middle) + working_time_between(middle, b) == spent


def test_working_days_land_on_working_moments():
    rng = random.Random(1945)
    with as_one_request():
        for _ in range(2000):
            start = _random_moment(rng)
            days = rng.randrange(0, 40)
            due = add_working_days(start, days)
            assert next_working_moment(due) == due
            assert due.time() == next_working_moment(start).time()
            first = next_working_moment(start).date()
            counted = sum(
                is_working_day(first + datetime.timedelta(days=n))
                for n in range(1, (due.date() - first).days + 1)
            )
            assert counted == days
