"""Each year's days off with their legal basis; a province administrator confirms a year; the
years nobody confirmed are used but shown as provisional (Labour Code 2019 arts. 111(3), 112;
Resolution 28/2026/QH16 art. 2)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from tinhso.audit.services import history_for
from tinhso.testing import signed_in
from tinhso.worktime import actions
from tinhso.worktime.calendar import (
    VN_TZ,
    add_working_days,
    is_provisional,
    is_working_day,
    provisional_years,
    year_days,
)
from tinhso.worktime.models import Holiday, HolidayYear

pytestmark = pytest.mark.django_db

D = datetime.date


def at(*args):
    return datetime.datetime(*args, tzinfo=VN_TZ)


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser(
        "quantri.tinh", "mật-khẩu-rất-dài-2025", full_name="Trần Thị Lan"
    )


@pytest.fixture
def officer(django_user_model):
    return django_user_model.objects.create_user("le.thi.hoa", full_name="Lê Thị Hoa", kind="officer")


def days_of(year):
    return {day.date: day for day in year_days(year)}


def test_every_day_off_of_2026_shows_its_legal_basis():
    days = days_of(2026)
    assert all(day.basis for day in days.values())
    # 24/11/2026 Ngày Văn hóa Việt Nam: a paid day off from 2026 (Resolution 28/2026/QH16 art. 2).
    assert days[D(2026, 11, 24)].name == "Ngày Văn hóa Việt Nam"
    assert "Nghị quyết 28/2026/QH16" in days[D(2026, 11, 24)].basis
    # 2/9 and the adjacent day 1/9: art. 112(1)(đ), fixed by the year's notice (art. 112(3)).
    for day in (D(2026, 9, 1), D(2026, 9, 2)):
        assert "điểm đ khoản 1 và khoản 3 Điều 112" in days[day].basis
        assert "9441/TB-BNV" in days[day].basis
    # Tết 2026: Monday 16 to Friday 20 February.
    assert [day for day in days if day.month == 2] == [D(2026, 2, d) for d in range(16, 21)]
    assert "điểm b khoản 1" in days[D(2026, 2, 17)].basis
    # Hùng Kings' day on Sunday 26/4 is made up on Monday 27/4 (art. 111(3)).
    assert "khoản 3 Điều 111" in days[D(2026, 4, 27)].basis
    # The swaps come with the notice that fixed them.
    assert days[D(2026, 1, 2)].kind == "day_off"
    assert "12729/VPCP-KGVX" in days[D(2026, 1, 2)].basis
    assert days[D(2026, 8, 22)].kind == "working_day"
    assert days[D(2026, 8, 22)].kind_label == "Ngày làm việc bù"
    assert days[D(2026, 8, 31)].kind_label == "Ngày nghỉ (hoán đổi)"
    assert "9441/TB-BNV" in days[D(2026, 8, 31)].basis


def test_24_november_2026_is_a_day_off():
    assert not is_working_day(D(2026, 11, 24))
    # Monday 23/11/2026 09:00 + 1 working day skips Tuesday 24/11.
    assert add_working_days(at(2026, 11, 23, 9), 1) == at(2026, 11, 25, 9)


def test_national_day_2026_and_its_adjacent_day():
    assert not is_working_day(D(2026, 9, 1))
    assert not is_working_day(D(2026, 9, 2))
    assert not is_working_day(D(2026, 8, 31))  # swapped with Saturday 22/8
    assert is_working_day(D(2026, 8, 22))
    assert is_working_day(D(2026, 9, 3))
    # Friday 28/8 10:00 + 1 working day: Thursday 3/9 10:00.
    assert add_working_days(at(2026, 8, 28, 10), 1) == at(2026, 9, 3, 10)


def test_tet_2027_is_the_packages_guess_and_provisional():
    assert is_provisional(2027)
    days = days_of(2027)
    tet = [day for day in days if day.month == 2]
    assert tet == [D(2027, 2, d) for d in range(4, 11)]
    assert "chưa có cho năm này" in days[D(2027, 2, 6)].basis
    assert not is_working_day(D(2027, 2, 4))
    # Wednesday 3/2/2027 09:00 + 1 working day: Thursday 11/2/2027 09:00, after the guessed Tết.
    assert add_working_days(at(2027, 2, 3, 9), 1) == at(2027, 2, 11, 9)


def test_the_public_page_marks_an_unconfirmed_year_as_provisional(client):
    page = client.get("/lich-nghi/2027/").content.decode()
    assert "Lịch nghỉ năm 2027 (dự kiến)" in page
    assert "Thứ Năm, 04/02/2027" in page
    assert "Nghị quyết 28/2026/QH16" in page
    assert client.get("/lich-nghi/2020/").status_code == 404
    assert client.get("/lich-nghi/").status_code == 302


def test_confirming_2027_stores_its_days_with_their_basis(admin, client):
    confirmed = actions.confirm_year(admin, 2027, "Quyết định của Thủ tướng Chính phủ về lịch nghỉ năm 2027")
    assert not is_provisional(2027)
    stored = {row.date: row for row in Holiday.objects.filter(year=confirmed)}
    assert D(2027, 11, 24) in stored and D(2027, 9, 2) in stored
    assert "điểm e khoản 1 Điều 112" in stored[D(2027, 4, 16)].basis
    entry = history_for(confirmed).get()
    assert entry.action == "worktime.year_confirmed"
    assert "2027-02-06 Tết Nguyên Đán" in entry.data["holidays"][1]
    page = client.get("/lich-nghi/2027/").content.decode()
    assert "Lịch nghỉ năm 2027" in page and "(dự kiến)" not in page
    assert "Quyết định của Thủ tướng Chính phủ về lịch nghỉ năm 2027" in page


def test_a_confirmed_year_follows_the_stored_days_not_the_package(admin):
    actions.confirm_year(admin, 2027, "Quyết định của Thủ tướng Chính phủ")
    # The decision kept 4/2/2027 (29 Tết) as a working day: the stored list is the calendar now.
    Holiday.objects.filter(date=D(2027, 2, 4)).delete()
    assert is_working_day(D(2027, 2, 4))
    assert add_working_days(at(2027, 2, 3, 9), 1) == at(2027, 2, 4, 9)


@pytest.mark.parametrize(
    ("year", "basis", "field"),
    [
        (2020, "Thông báo", "year"),
        ("next-next", "Thông báo", "year"),
        (2027, "   ", "basis"),
    ],
)
def test_bad_confirmations_are_refused_and_store_nothing(admin, year, basis, field):
    if year == "next-next":
        year = timezone.now().astimezone(VN_TZ).year + 2
    with pytest.raises(ValidationError) as error:
        actions.confirm_year(admin, year, basis)
    assert field in error.value.message_dict
    assert not HolidayYear.objects.exists()
    assert not Holiday.objects.exists()


def test_a_year_is_confirmed_once(admin):
    actions.confirm_year(admin, 2026, "Thông báo 9441/TB-BNV")
    with pytest.raises(ValidationError) as error:
        actions.confirm_year(admin, 2026, "Thông báo khác")
    assert error.value.message_dict["year"] == ["Năm này đã được xác nhận."]
    assert HolidayYear.objects.get().basis == "Thông báo 9441/TB-BNV"


def test_only_a_province_administrator_confirms_or_withdraws(admin, officer):
    with pytest.raises(PermissionDenied):
        actions.confirm_year(officer, 2027, "Thông báo")
    assert not HolidayYear.objects.exists()
    confirmed = actions.confirm_year(admin, 2027, "Thông báo")
    with pytest.raises(PermissionDenied):
        actions.withdraw_confirmation(officer, confirmed)
    assert not is_provisional(2027)


def test_withdrawing_a_confirmation_makes_the_year_provisional_again(admin):
    confirmed = actions.confirm_year(admin, 2027, "Thông báo")
    actions.withdraw_confirmation(admin, confirmed)
    assert is_provisional(2027)
    assert not Holiday.objects.exists()
    assert [entry.action for entry in history_for(confirmed)] == [
        "worktime.year_confirmed",
        "worktime.year_confirmation_withdrawn",
    ]


def test_a_due_date_over_provisional_days_carries_a_notice(admin):
    template = Template("{% load worktime %}{% provisional_due_notice start due %}")
    over_new_year = Context({"start": at(2026, 12, 28, 9), "due": at(2027, 1, 8, 17)})
    assert provisional_years(at(2026, 12, 28, 9), at(2027, 1, 8, 17)) == [2026, 2027]
    actions.confirm_year(admin, 2026, "Thông báo 9441/TB-BNV")
    html = template.render(over_new_year)
    assert "lịch nghỉ năm 2027" in html and "dự kiến" in html
    assert 'href="/lich-nghi/2027/"' in html
    assert "2026" not in html
    actions.confirm_year(admin, 2027, "Quyết định năm 2027")
    assert template.render(over_new_year).strip() == ""
    assert template.render(Context({"start": None, "due": None})).strip() == ""


def test_the_admin_lists_the_years_and_confirms_one(client, admin):
    signed_in(client, admin)
    listing = client.get(reverse("admin:worktime_holidayyear_changelist")).content.decode()
    assert "Tạm tính (chưa xác nhận)" in listing
    url = reverse("admin:worktime_holidayyear_year", args=[2027])
    page = client.get(url).content.decode()
    assert "Lịch nghỉ năm 2027 (dự kiến)" in page
    assert "Ngày Văn hóa Việt Nam" in page
    refused = client.post(url, {"confirm": "1", "basis": ""})
    assert refused.status_code == 200
    assert not HolidayYear.objects.exists()
    response = client.post(url, {"confirm": "1", "basis": "Quyết định năm 2027 của Thủ tướng Chính phủ"})
    assert response.status_code == 302
    assert HolidayYear.objects.get().confirmed_by == admin
    assert "Đã xác nhận ngày" in client.get(reverse("admin:worktime_holidayyear_changelist")).content.decode()
    client.post(url, {"withdraw": "1"})
    assert not HolidayYear.objects.exists()


def test_the_admin_pages_are_closed_to_officers(client, officer):
    signed_in(client, officer)
    url = reverse("admin:worktime_holidayyear_year", args=[2027])
    assert client.post(url, {"confirm": "1", "basis": "Thông báo"}).status_code in (302, 403)
    assert not HolidayYear.objects.exists()
