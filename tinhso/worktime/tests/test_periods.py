"""Periods in calendar days (Civil Code 2015 arts. 147–148) and same-day procedures ("trong ngày;
sau 15 giờ thì ngày làm việc tiếp theo") on real 2026–2027 dates."""

import datetime

import pytest

from tinhso.worktime.calendar import VN_TZ, end_of_days, same_day_due

pytestmark = pytest.mark.django_db

END = datetime.time.max


def at(*args):
    return datetime.datetime(*args, tzinfo=VN_TZ)


def end_of(year, month, day):
    return datetime.datetime.combine(datetime.date(year, month, day), END, tzinfo=VN_TZ)


def test_a_period_in_days_ends_at_the_end_of_its_last_day():
    """Art. 147(1): the period starts the day after the event; art. 148(1), (6): it ends at 24:00
    of the last day, whatever the clock time of the event."""
    assert end_of_days(at(2026, 11, 16, 9, 30), 15) == end_of(2026, 12, 1)
    assert end_of_days(at(2026, 11, 16, 16, 59), 15) == end_of(2026, 12, 1)


def test_a_period_ending_on_sunday_6_december_2026_moves_to_monday_7():
    """Art. 148(5): the last day is a weekly rest day → the end of the next working day."""
    assert end_of_days(at(2026, 11, 21, 10, 0), 15) == end_of(2026, 12, 7)
    # Ending on Saturday 5/12/2026 moves to Monday 7/12 too (Saturday is not a working day).
    assert end_of_days(at(2026, 11, 20, 10, 0), 15) == end_of(2026, 12, 7)


def test_a_period_ending_on_national_day_2026_moves_past_the_holidays():
    """31/8 (day off, made up on Saturday 22/8), 1/9 and 2/9/2026 are off: a period ending on
    2/9/2026 ends at the end of Thursday 3/9."""
    assert end_of_days(at(2026, 8, 3, 8, 0), 30) == end_of(2026, 9, 3)
    # Ending on Monday 31/8/2026 (day off swapped with Saturday 22/8) → Thursday 3/9 too.
    assert end_of_days(at(2026, 8, 1, 8, 0), 30) == end_of(2026, 9, 3)


def test_a_period_ending_in_tet_2027_moves_to_the_first_working_day_after():
    """Tết Đinh Mùi: Thursday 4/2 – Wednesday 10/2/2027 off (provisional until the Prime Minister
    decides the 2027 days): a period ending on 6/2/2027 ends at the end of Thursday 11/2."""
    assert end_of_days(at(2027, 1, 7, 14, 0), 30) == end_of(2027, 2, 11)


def test_same_day_procedures_by_15_00_are_due_the_same_day_else_the_next_working_day():
    # Thursday 3/12/2026
    assert same_day_due(at(2026, 12, 3, 9, 0)) == at(2026, 12, 3, 17, 0)
    assert same_day_due(at(2026, 12, 3, 15, 0)) == at(2026, 12, 3, 17, 0)
    assert same_day_due(at(2026, 12, 3, 15, 0, 1)) == at(2026, 12, 4, 17, 0)
    # Friday 4/12/2026 after 15:00 and an online request on Sunday 6/12 → Monday 7/12.
    assert same_day_due(at(2026, 12, 4, 16, 0)) == at(2026, 12, 7, 17, 0)
    assert same_day_due(at(2026, 12, 6, 10, 0)) == at(2026, 12, 7, 17, 0)
    # Tuesday 1/9/2026 is a holiday: Thursday 3/9 (2/9 too is off).
    assert same_day_due(at(2026, 9, 1, 9, 0)) == at(2026, 9, 3, 17, 0)
    # Wednesday 3/2/2027 at 16:00, before Tết 2027 → Thursday 11/2/2027.
    assert same_day_due(at(2027, 2, 3, 16, 0)) == at(2027, 2, 11, 17, 0)


def test_bad_periods_are_refused():
    with pytest.raises(ValueError):
        end_of_days(at(2026, 12, 3, 9, 0), -1)
    with pytest.raises(TypeError):
        end_of_days(at(2026, 12, 3, 9, 0), 1.5)
    with pytest.raises(ValueError):
        end_of_days(datetime.datetime(2026, 12, 3, 9, 0), 1)
