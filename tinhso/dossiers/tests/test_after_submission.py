"""Tracking with a second factor, withdrawal, supplement requests and answers, payment status."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.dossiers import actions
from tinhso.dossiers.models import DueTimeChange, DueTimeChangeKind
from tinhso.dossiers.status import Status
from tinhso.dossiers.tests.conftest import pdf_upload
from tinhso.motcua.actions import accept_dossier

pytestmark = pytest.mark.django_db
NOT_FOUND = "Không tìm thấy hồ sơ với mã và số điện thoại hoặc số CCCD đã nhập."


@pytest.fixture(autouse=True)
def fresh_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.mark.parametrize("factor", ["0912 345 678", "+84912345678", "1234", "001234"])
def test_tracking_with_the_right_factor_shows_the_history(client, submitted, factor):
    response = client.post(
        reverse("dossiers:track"), {"code": submitted.display_code.lower(), "factor": factor}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert submitted.display_code in text and "Mới đăng ký" in text and "Thủ tục đăng ký khai sinh" in text
    assert timezone.localtime(submitted.submitted_at).strftime("%d/%m/%Y") in text
    assert "Được xác định khi cơ quan tiếp nhận hồ sơ" in text


@pytest.mark.parametrize("factor", ["0987654321", "234", "99991234", "1234x"])
def test_a_wrong_factor_looks_like_an_unknown_code(client, submitted, factor):
    wrong = client.post(reverse("dossiers:track"), {"code": submitted.display_code, "factor": factor})
    unknown = client.post(reverse("dossiers:track"), {"code": "H20.201.01-990101-0001", "factor": "1234"})
    assert wrong.status_code == unknown.status_code == 404
    assert NOT_FOUND in wrong.content.decode() and NOT_FOUND in unknown.content.decode()
    assert "Thủ tục đăng ký khai sinh" not in wrong.content.decode()


def test_tracking_is_rate_limited(client, submitted, settings):
    settings.TRACKING_MAX_ATTEMPTS = 3
    for _ in range(3):
        client.post(reverse("dossiers:track"), {"code": submitted.display_code, "factor": "0000"})
    response = client.post(reverse("dossiers:track"), {"code": submitted.display_code, "factor": "1234"})
    assert response.status_code == 429
    assert "Bạn đã thử quá nhiều lần" in response.content.decode()


def test_the_qr_link_asks_for_the_second_factor(client, submitted):
    page = client.get(reverse("dossiers:track_code", args=[submitted.display_code])).content.decode()
    assert f'value="{submitted.display_code}"' in page and "Mới đăng ký" not in page


def test_withdraw_with_a_reason(client, citizen, submitted):
    client.force_login(citizen)
    url = reverse("dossiers:withdraw", args=[submitted.display_code])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "Hãy cho biết lý do rút hồ sơ." in response.content.decode()
    response = client.post(url, {"reason": "Tôi nộp nhầm thủ tục."})
    assert response.url == reverse("dossiers:detail", args=[submitted.display_code])
    submitted.refresh_from_db()
    assert submitted.status == Status.WITHDRAWN
    change = submitted.status_changes.last()
    assert (change.from_status, change.to_status, change.note) == (1, 7, "Tôi nộp nhầm thủ tục.")
    detail = client.get(reverse("dossiers:detail", args=[submitted.display_code])).content.decode()
    assert "Công dân yêu cầu rút hồ sơ" in detail and "Rút hồ sơ này" not in detail
    with pytest.raises(ValidationError, match="không thể rút"):
        actions.withdraw_dossier(citizen, submitted, "Lần nữa")


def test_only_the_applicant_withdraws(other_citizen, submitted):
    with pytest.raises(PermissionDenied):
        actions.withdraw_dossier(other_citizen, submitted, "Không phải hồ sơ của tôi")


def _accept(dossier, officer):
    """Reception as the back office does it: the flow's reception action, handing the dossier
    to a specialist of the desk's commune."""
    specialist = factories.make_officer(
        dossier.receiving_agency.parent, username="chuyenvien.mytho", role=Role.SPECIALIST
    )
    return accept_dossier(officer, dossier, assignee=specialist)


def test_supplement_during_processing_restarts_the_clock(client, citizen, submitted, desk):
    officer = factories.make_officer(desk)
    accepted = _accept(submitted, officer)
    first_due = accepted.due_at
    with pytest.raises(ValidationError):
        actions.request_supplement(officer, accepted, ["  "], "")
    request = actions.request_supplement(
        officer, accepted, ["Bản sao Giấy chứng nhận kết hôn của cha mẹ"], "Bổ sung trong 10 ngày"
    )
    accepted.refresh_from_db()
    assert accepted.status == Status.SUPPLEMENT and accepted.due_at is None
    stop = DueTimeChange.objects.get(dossier=accepted, kind=DueTimeChangeKind.SUPPLEMENT)
    assert stop.old_due_at == first_due and stop.new_due_at is None

    client.force_login(citizen)
    detail = client.get(reverse("dossiers:detail", args=[accepted.code])).content.decode()
    assert "Bản sao Giấy chứng nhận kết hôn của cha mẹ" in detail
    url = reverse("dossiers:supplement", args=[accepted.code])
    response = client.post(url, {"note": ""})
    assert response.status_code == 400
    assert "Hãy bổ sung giấy tờ còn thiếu hoặc ghi nội dung trả lời." in response.content.decode()
    response = client.post(url, {"file_1": pdf_upload("giay-ket-hon.pdf"), "note": "Đã bổ sung"})
    assert response.url == reverse("dossiers:detail", args=[accepted.code])
    accepted.refresh_from_db()
    request.refresh_from_db()
    assert accepted.status == Status.PROCESSING and request.answered_at is not None
    assert request.attachments.get().original_name == "giay-ket-hon.pdf"
    restart = DueTimeChange.objects.get(dossier=accepted, kind=DueTimeChangeKind.SUPPLEMENTED)
    assert restart.new_due_at == accepted.due_at > request.answered_at
    assert accepted.due_at == actions.compute_due_at(accepted.procedure, request.answered_at)
    # Nothing to answer any more.
    assert client.get(url).status_code == 404


def test_supplement_at_reception_returns_to_newly_registered(citizen, submitted, desk):
    officer = factories.make_officer(desk)
    actions.request_supplement(officer, submitted, ["Giấy chứng sinh bản rõ nét"], "")
    actions.answer_supplement_request(citizen, submitted, [pdf_upload()], "")
    submitted.refresh_from_db()
    assert submitted.status == Status.NEW and submitted.due_at is None
    assert not DueTimeChange.objects.filter(dossier=submitted).exists()


def test_an_officer_of_another_agency_cannot_request_supplements(submitted, province):
    stranger = factories.make_officer(province["agencies"]["cao_lanh"], username="motcua.caolanh")
    with pytest.raises(PermissionDenied):
        actions.request_supplement(stranger, submitted, ["Giấy chứng sinh"], "")


def test_payment_requested_then_paid_returns_to_the_previous_status(submitted, desk):
    officer = factories.make_officer(desk)
    accepted = _accept(submitted, officer)
    actions.change_status(officer, accepted, Status.PROCESSING)
    actions.request_payment(officer, accepted, "Lệ phí 8.000 đ")
    accepted.refresh_from_db()
    assert accepted.status == Status.PAYMENT and accepted.resume_status == Status.PROCESSING
    actions.mark_paid(None, accepted)
    accepted.refresh_from_db()
    assert accepted.status == Status.PROCESSING and accepted.paid_at is not None
    paid_at = accepted.paid_at
    actions.mark_paid(None, accepted)  # a replayed notification changes nothing
    accepted.refresh_from_db()
    assert accepted.paid_at == paid_at
    assert [c.to_status for c in accepted.status_changes.all()] == [1, 2, 4, 6, 4]


def test_a_stale_version_is_refused(submitted, desk):
    officer = factories.make_officer(desk)
    with pytest.raises(ValidationError, match="người khác"):
        actions.change_status(officer, submitted, Status.ACCEPTED, expected_version=submitted.version - 1)
    with pytest.raises(ValidationError, match="không thể chuyển"):
        actions.change_status(officer, submitted, Status.RETURNED)
    submitted.refresh_from_db()
    assert submitted.status == Status.NEW


def test_due_time_in_working_days_skips_the_weekend(procedure):
    friday = datetime.datetime(2026, 3, 6, 9, 0, tzinfo=timezone.get_current_timezone())
    due = actions.compute_due_at(procedure, friday)
    assert due.date() == datetime.date(2026, 3, 11)
