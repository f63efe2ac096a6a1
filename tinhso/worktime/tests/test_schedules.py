"""Office hours as data: default hours, a province's own schedule, summer/winter hours."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tinhso.audit.services import history_for
from tinhso.worktime import actions
from tinhso.worktime.calendar import (
    VN_TZ,
    add_working_days,
    add_working_hours,
    is_working_day,
    working_periods,
)
from tinhso.worktime.models import WorkPeriod, WorkSchedule, validate_periods

pytestmark = pytest.mark.django_db

T = datetime.time
D = datetime.date


def at(*args):
    return datetime.datetime(*args, tzinfo=VN_TZ)


def week(morning, afternoon, days=range(5)):
    return [(day, *period) for day in days for period in (morning, afternoon)]


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser(
        "quantri.tinh", "mật-khẩu-rất-dài-2025", full_name="Trần Thị Lan"
    )


@pytest.fixture
def officer(django_user_model):
    return django_user_model.objects.create_user("nguyen.van.an", full_name="Nguyễn Văn An", kind="officer")


@pytest.fixture
def summer_winter(admin):
    """Northern-province style: summer hours from 15 April, winter hours from 15 October 2026."""
    summer = actions.save_schedule(
        admin,
        WorkSchedule(name="Giờ làm việc mùa hè 2026", valid_from=D(2026, 4, 15), valid_to=D(2026, 10, 14)),
        week((T(7), T(11)), (T(13, 30), T(17))),
    )
    winter = actions.save_schedule(
        admin,
        WorkSchedule(
            name="Giờ làm việc mùa đông 2026–2027", valid_from=D(2026, 10, 15), valid_to=D(2027, 4, 14)
        ),
        week((T(7, 30), T(11, 30)), (T(13), T(16, 30))),
    )
    return summer, winter


def test_default_hours_without_any_schedule():
    assert not WorkSchedule.objects.exists()
    assert working_periods(D(2026, 3, 10)) == [
        (at(2026, 3, 10, 7, 30), at(2026, 3, 10, 11, 30)),
        (at(2026, 3, 10, 13, 30), at(2026, 3, 10, 17)),
    ]


def test_a_schedule_changes_hours_from_its_start_date(summer_winter):
    assert working_periods(D(2026, 4, 14))[0] == (at(2026, 4, 14, 7, 30), at(2026, 4, 14, 11, 30))  # default
    assert working_periods(D(2026, 4, 15))[0] == (at(2026, 4, 15, 7), at(2026, 4, 15, 11))  # summer
    assert working_periods(D(2026, 10, 15))[1] == (at(2026, 10, 15, 13), at(2026, 10, 15, 16, 30))  # winter
    # Summer: 10:30 + 1 h crosses the 11:00–13:30 lunch.
    assert add_working_hours(at(2026, 6, 10, 10, 30), 1) == at(2026, 6, 10, 14)


def test_same_time_next_day_moves_to_the_next_period_when_the_hours_differ(summer_winter):
    # Tuesday 14 April 11:15 (default hours) + 1 day: Wednesday 15 April is summer, 11:15 is lunch → 13:30.
    assert add_working_days(at(2026, 4, 14, 11, 15), 1) == at(2026, 4, 15, 13, 30)
    # Wednesday 14 October 16:45 (summer, until 17:00) + 1 day: winter closes at 16:30 → the day's end.
    assert add_working_days(at(2026, 10, 14, 16, 45), 1) == at(2026, 10, 15, 16, 30)


def test_a_make_up_saturday_takes_the_first_weekday_hours_of_its_schedule(summer_winter):
    assert working_periods(D(2026, 8, 22)) == [
        (at(2026, 8, 22, 7), at(2026, 8, 22, 11)),
        (at(2026, 8, 22, 13, 30), at(2026, 8, 22, 17)),
    ]


def test_a_six_day_week(admin):
    actions.save_schedule(
        admin,
        WorkSchedule(name="Bộ phận một cửa làm việc sáng thứ Bảy", valid_from=D(2025, 1, 1)),
        [*week((T(7, 30), T(11, 30)), (T(13, 30), T(17))), (5, T(7, 30), T(11, 30))],
    )
    assert is_working_day(D(2025, 11, 8))  # Saturday morning
    assert not is_working_day(D(2025, 11, 9))
    assert add_working_hours(at(2025, 11, 7, 16, 30), 2) == at(2025, 11, 8, 9)


def test_overlapping_schedules_are_refused(summer_winter, admin):
    with pytest.raises(ValidationError) as error:
        actions.save_schedule(
            admin, WorkSchedule(name="Giờ mới", valid_from=D(2026, 9, 1)), week((T(8), T(12)), (T(13), T(17)))
        )
    assert "mỗi ngày chỉ áp dụng một lịch làm việc" in str(error.value)
    assert WorkSchedule.objects.count() == 2


def test_schedule_end_before_start_is_refused(admin):
    with pytest.raises(ValidationError) as error:
        actions.save_schedule(
            admin,
            WorkSchedule(name="Sai ngày", valid_from=D(2026, 5, 1), valid_to=D(2026, 4, 1)),
            week((T(8), T(12)), (T(13), T(17))),
        )
    assert "Ngày kết thúc không được trước ngày bắt đầu." in error.value.message_dict["valid_to"]
    assert not WorkSchedule.objects.exists()


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ([], "Lịch làm việc cần ít nhất một khoảng thời gian làm việc."),
        ([(0, T(11), T(8))], "Thứ Hai: khoảng thời gian phải kết thúc sau khi bắt đầu (11:00–08:00)."),
        ([(2, T(7, 30), T(11, 30)), (2, T(11), T(17))], "Thứ Tư: hai khoảng thời gian chồng lên nhau."),
    ],
)
def test_bad_periods_are_refused_in_vietnamese(periods, message, admin):
    with pytest.raises(ValidationError) as error:
        validate_periods(periods)
    assert message in error.value.messages
    with pytest.raises(ValidationError):
        actions.save_schedule(admin, WorkSchedule(name="Lịch lỗi", valid_from=D(2026, 1, 1)), periods)
    assert not WorkSchedule.objects.exists()
    assert not WorkPeriod.objects.exists()


def test_changing_a_schedule_replaces_its_periods_and_is_audited(summer_winter, admin):
    summer, _winter = summer_winter
    summer.name = "Giờ làm việc mùa hè 2026 (điều chỉnh)"
    actions.save_schedule(admin, summer, week((T(7), T(11)), (T(14), T(17))))
    assert list(summer.periods.filter(weekday=0).values_list("start", "end")) == [
        (T(7), T(11)),
        (T(14), T(17)),
    ]
    assert add_working_hours(at(2026, 6, 10, 10, 30), 1) == at(2026, 6, 10, 14, 30)
    entries = list(history_for(summer))
    assert [entry.action for entry in entries] == ["worktime.schedule_created", "worktime.schedule_changed"]
    assert entries[-1].actor == admin
    deleted = WorkSchedule(pk=summer.pk)
    actions.delete_schedule(admin, summer)
    assert working_periods(D(2026, 6, 10))[0] == (at(2026, 6, 10, 7, 30), at(2026, 6, 10, 11, 30))
    assert history_for(deleted).last().action == "worktime.schedule_deleted"


def test_an_officer_without_the_role_cannot_change_hours(officer):
    with pytest.raises(PermissionDenied):
        actions.save_schedule(
            officer,
            WorkSchedule(name="Giờ mới", valid_from=D(2026, 1, 1)),
            week((T(8), T(12)), (T(13), T(17))),
        )
    assert not WorkSchedule.objects.exists()
