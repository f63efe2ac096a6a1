"""Days off and make-up working days: the shipped 2025–2026 data, validation, audit, cache."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tinhso.audit.services import history_for
from tinhso.worktime import actions
from tinhso.worktime.calendar import VN_TZ, add_working_days, is_working_day
from tinhso.worktime.models import CalendarException

pytestmark = pytest.mark.django_db

D = datetime.date
DAY_OFF = CalendarException.Kind.DAY_OFF
WORKING_DAY = CalendarException.Kind.WORKING_DAY


def at(*args):
    return datetime.datetime(*args, tzinfo=VN_TZ)


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser(
        "quantri.tinh", "mật-khẩu-rất-dài-2025", full_name="Trần Thị Lan"
    )


def test_the_migration_ships_the_2025_and_2026_swaps_with_their_sources():
    rows = {row.date: row for row in CalendarException.objects.all()}
    assert {day: row.kind for day, row in rows.items()} == {
        D(2025, 4, 26): WORKING_DAY,
        D(2026, 1, 2): DAY_OFF,
        D(2026, 1, 10): WORKING_DAY,
        D(2026, 8, 22): WORKING_DAY,
    }
    assert "6150/TB-BLĐTBXH" in rows[D(2025, 4, 26)].note
    assert "12729/VPCP-KGVX" in rows[D(2026, 1, 2)].note
    assert "9441/TB-BNV" in rows[D(2026, 8, 22)].note
    # Each shipped row passes today's validation (none repeats what the package already has).
    for row in rows.values():
        row.full_clean()


def test_an_extra_day_off_and_its_removal_take_effect_at_once(admin):
    assert add_working_days(at(2025, 12, 10, 9), 1) == at(2025, 12, 11, 9)
    exception = actions.save_exception(
        admin, CalendarException(date=D(2025, 12, 11), kind=DAY_OFF, name="Nghỉ theo quyết định của tỉnh")
    )
    assert not is_working_day(D(2025, 12, 11))
    assert add_working_days(at(2025, 12, 10, 9), 1) == at(2025, 12, 12, 9)
    deleted = CalendarException(pk=exception.pk)
    actions.delete_exception(admin, exception)
    assert is_working_day(D(2025, 12, 11))
    assert [entry.action for entry in history_for(deleted)] == [
        "worktime.exception_created",
        "worktime.exception_deleted",
    ]


def test_an_exception_overrides_the_package_holiday(admin):
    assert not is_working_day(D(2025, 9, 2))
    actions.save_exception(
        admin,
        CalendarException(date=D(2025, 9, 2), kind=WORKING_DAY, name="Trực giải quyết thủ tục hành chính"),
    )
    assert is_working_day(D(2025, 9, 2))
    assert add_working_days(at(2025, 8, 29, 15), 1) == at(2025, 9, 2, 15)


def test_a_change_is_audited_with_old_and_new_values(admin):
    exception = CalendarException.objects.get(date=D(2026, 1, 10))
    exception.name = "Làm bù ngày 02/01/2026"
    actions.save_exception(admin, exception)
    entry = history_for(exception).last()
    assert entry.action == "worktime.exception_changed"
    assert entry.data == {"name": ["Làm bù ngày thứ Sáu 02/01/2026", "Làm bù ngày 02/01/2026"]}


@pytest.mark.parametrize(
    ("day", "kind", "message"),
    [
        (D(2025, 12, 10), WORKING_DAY, "Thứ Tư, 10/12/2025 đã là ngày làm việc."),
        (D(2025, 12, 14), DAY_OFF, "Chủ Nhật, 14/12/2025 đã là ngày nghỉ (không có giờ làm việc)."),
        (D(2025, 9, 2), DAY_OFF, "Thứ Ba, 02/09/2025 đã là ngày nghỉ lễ (Quốc khánh)."),
    ],
)
def test_redundant_exceptions_are_refused_in_vietnamese(admin, day, kind, message):
    with pytest.raises(ValidationError) as error:
        actions.save_exception(admin, CalendarException(date=day, kind=kind, name="Thử"))
    assert error.value.message_dict["kind"] == [message]
    assert not CalendarException.objects.filter(date=day).exists()


def test_a_date_has_only_one_exception(admin):
    with pytest.raises(ValidationError) as error:
        actions.save_exception(admin, CalendarException(date=D(2026, 1, 2), kind=DAY_OFF, name="Trùng"))
    assert error.value.message_dict["date"] == ["Ngày này đã có ngoại lệ."]
    assert CalendarException.objects.filter(date=D(2026, 1, 2)).count() == 1


def test_an_officer_without_the_role_cannot_change_days(django_user_model):
    officer = django_user_model.objects.create_user("le.thi.hoa", full_name="Lê Thị Hoa", kind="officer")
    with pytest.raises(PermissionDenied):
        actions.save_exception(officer, CalendarException(date=D(2025, 12, 11), kind=DAY_OFF, name="Nghỉ"))
    with pytest.raises(PermissionDenied):
        actions.delete_exception(officer, CalendarException.objects.get(date=D(2026, 1, 10)))
    assert not CalendarException.objects.filter(date=D(2025, 12, 11)).exists()
    assert CalendarException.objects.filter(date=D(2026, 1, 10)).exists()


def test_other_processes_see_a_change_after_the_version_check(admin, settings):
    from tinhso.worktime import calendar

    settings.WORKTIME_CACHE_SECONDS = 0
    assert is_working_day(D(2025, 12, 11))
    # A write that sends no signal here, as when another server saves it.
    CalendarException.objects.bulk_create(
        [CalendarException(date=D(2025, 12, 11), kind=DAY_OFF, name="Nghỉ")]
    )
    assert not calendar.is_working_day(D(2025, 12, 11))


def test_a_change_made_on_another_server_is_seen_by_the_next_request(admin, client):
    """The copy follows ``core.ReferenceVersion`` "calendar", read at the first use in a request:
    no waiting ``WORKTIME_CACHE_SECONDS`` for a day off saved through another server."""
    assert is_working_day(D(2025, 12, 12))
    # A write that sends no signal here, as when another server saves it.
    CalendarException.objects.bulk_create(
        [CalendarException(date=D(2025, 12, 12), kind=DAY_OFF, name="Nghỉ")]
    )
    assert is_working_day(D(2025, 12, 12))  # within one request, the copy it started with
    assert client.get("/healthz").status_code == 200
    assert not is_working_day(D(2025, 12, 12))
