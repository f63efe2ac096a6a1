"""Deadline sweeps call the calendar a lot: 100,000 deadlines of 15 working days in a few seconds."""

import datetime
import time

import pytest

from tinhso.worktime.calendar import VN_TZ, add_working_days

pytestmark = pytest.mark.django_db


def test_100000_deadlines_of_15_working_days():
    start = datetime.datetime(2025, 1, 1, 8, tzinfo=VN_TZ)
    moments = [start + datetime.timedelta(minutes=7 * i) for i in range(100_000)]  # ~16 months of moments
    began = time.perf_counter()
    for moment in moments:
        add_working_days(moment, 15)
    elapsed = time.perf_counter() - began
    print(f"100,000 add_working_days(…, 15): {elapsed:.2f} s")
    assert elapsed < 5
