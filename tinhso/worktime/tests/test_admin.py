"""The Vietnamese configuration screens for office hours and days off."""

import datetime

import pytest
from django.urls import reverse

from tinhso.audit.services import history_for
from tinhso.testing import signed_in
from tinhso.worktime.calendar import is_working_day
from tinhso.worktime.models import CalendarException, WorkSchedule

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser(
        "quantri.tinh", "mật-khẩu-rất-dài-2025", full_name="Trần Thị Lan"
    )
    return signed_in(client, admin)


def test_exceptions_are_listed_in_vietnamese(admin_client):
    response = admin_client.get(reverse("admin:worktime_calendarexception_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Làm bù ngày thứ Hai 31/8/2026" in page
    assert "Ngày làm việc" in page
    assert "Thứ Bảy" in page


def test_adding_a_day_off(admin_client):
    response = admin_client.post(
        reverse("admin:worktime_calendarexception_add"),
        {"date": "2025-12-11", "kind": "day_off", "name": "Nghỉ theo quyết định của UBND tỉnh", "note": ""},
    )
    assert response.status_code == 302
    exception = CalendarException.objects.get(date=D(2025, 12, 11))
    assert not is_working_day(D(2025, 12, 11))
    assert history_for(exception).get().action == "worktime.exception_created"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "2026-01-02", "kind": "day_off", "name": "Trùng ngày"}, "Ngày này đã có ngoại lệ."),
        (
            {"date": "2025-12-10", "kind": "working_day", "name": "Làm bù"},
            "Thứ Tư, 10/12/2025 đã là ngày làm việc.",
        ),
        ({"date": "2025-12-13", "kind": "day_off", "name": "Nghỉ"}, "Thứ Bảy, 13/12/2025 đã là ngày nghỉ"),
    ],
)
def test_refused_exceptions_show_a_vietnamese_error_and_save_nothing(admin_client, data, message):
    count = CalendarException.objects.count()
    response = admin_client.post(reverse("admin:worktime_calendarexception_add"), {"note": "", **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert CalendarException.objects.count() == count


def schedule_form(periods, **fields):
    data = {
        "name": "Giờ làm việc mùa hè 2026",
        "valid_from": "2026-04-15",
        "valid_to": "2026-10-14",
        "note": "Quyết định của UBND tỉnh",
        "periods-TOTAL_FORMS": str(len(periods)),
        "periods-INITIAL_FORMS": "0",
        "periods-MIN_NUM_FORMS": "0",
        "periods-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, (weekday, start, end) in enumerate(periods):
        data.update(
            {f"periods-{i}-weekday": str(weekday), f"periods-{i}-start": start, f"periods-{i}-end": end}
        )
    return data


def test_adding_a_schedule_with_its_periods(admin_client):
    periods = [
        (day, start, end) for day in range(5) for start, end in (("07:00", "11:00"), ("13:30", "17:00"))
    ]
    response = admin_client.post(reverse("admin:worktime_workschedule_add"), schedule_form(periods))
    assert response.status_code == 302
    schedule = WorkSchedule.objects.get()
    assert schedule.periods.count() == 10
    assert history_for(schedule).get().action == "worktime.schedule_created"


def test_overlapping_periods_are_refused(admin_client):
    periods = [(0, "07:30", "11:30"), (0, "11:00", "17:00")]
    response = admin_client.post(reverse("admin:worktime_workschedule_add"), schedule_form(periods))
    assert response.status_code == 200
    assert "Thứ Hai: hai khoảng thời gian chồng lên nhau." in response.content.decode()
    assert not WorkSchedule.objects.exists()


def test_an_officer_without_the_role_does_not_see_the_calendar(client, django_user_model):
    officer = django_user_model.objects.create_user(
        "pham.minh.tuan", "mật-khẩu-rất-dài-2025", full_name="Phạm Minh Tuấn", kind="officer", is_staff=True
    )
    signed_in(client, officer)
    assert client.get(reverse("admin:worktime_calendarexception_changelist")).status_code == 403
    response = client.post(
        reverse("admin:worktime_calendarexception_add"),
        {"date": "2025-12-11", "kind": "day_off", "name": "Nghỉ"},
    )
    assert response.status_code == 403
    assert not CalendarException.objects.filter(date=D(2025, 12, 11)).exists()


def test_changing_a_schedule_replaces_its_periods(admin_client):
    periods = [(day, "07:30", "11:30") for day in range(5)]
    admin_client.post(reverse("admin:worktime_workschedule_add"), schedule_form(periods))
    schedule = WorkSchedule.objects.get()
    existing = list(schedule.periods.order_by("weekday"))
    data = schedule_form(
        [(p.weekday, "08:00" if p.weekday == 0 else "07:30", "11:30") for p in existing],
        **{"periods-INITIAL_FORMS": str(len(existing))},
    )
    for i, period in enumerate(existing):
        data[f"periods-{i}-id"] = str(period.pk)
        data[f"periods-{i}-schedule"] = str(schedule.pk)
    data["periods-4-DELETE"] = "on"  # no more Friday
    response = admin_client.post(reverse("admin:worktime_workschedule_change", args=[schedule.pk]), data)
    assert response.status_code == 302
    assert list(schedule.periods.values_list("weekday", "start")) == [
        (0, datetime.time(8)),
        (1, datetime.time(7, 30)),
        (2, datetime.time(7, 30)),
        (3, datetime.time(7, 30)),
    ]
    assert not is_working_day(D(2026, 6, 12))  # a Friday under this schedule
    assert [entry.action for entry in history_for(schedule)] == [
        "worktime.schedule_created",
        "worktime.schedule_changed",
    ]
