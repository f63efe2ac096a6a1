"""Time rules of the one-stop mechanism on real dates: calendar-day and same-day processing times,
the 8-working-hour examination of online dossiers, the transfer of paper dossiers (Decree
118/2025/NĐ-CP Art. 18(2) as amended by Decree 309/2026/NĐ-CP Art. 9), supplement requests made
once, and the time of financial obligations left out where the procedure's law says so."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tinhso import testing as factories
from tinhso.dossiers import actions as dossier_actions
from tinhso.dossiers.models import Dossier, DossierStatusChange, DueTimeChange, SupplementRequest
from tinhso.dossiers.status import Status
from tinhso.motcua import actions
from tinhso.motcua.actions import GivenDocument
from tinhso.motcua.deadlines import sweep_deadlines
from tinhso.motcua.models import CopyForm
from tinhso.procedures.models import Procedure, TimeUnit
from tinhso.workflows.actions import ONLINE_EXAMINATION_HOURS, transfer_due
from tinhso.workflows.models import DossierFlow
from tinhso.worktime.calendar import VN_TZ, add_working_hours, working_time_between

pytestmark = pytest.mark.django_db


def vn(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=VN_TZ)


def test_processing_times_in_calendar_days_and_same_day():
    """Civil Code 2015 arts. 147–148: 15 days from Saturday 21/11/2026 end on Sunday 6/12/2026,
    so at the end of Monday 7/12; a same-day procedure received after 15:00 is due the next
    working day."""
    building = Procedure(processing_time=15, processing_unit=TimeUnit.DAYS)
    due = dossier_actions.compute_due_at(building, vn(2026, 11, 21, 10, 0))
    assert due == datetime.datetime.combine(datetime.date(2026, 12, 7), datetime.time.max, tzinfo=VN_TZ)
    birth = Procedure(processing_time=1, processing_unit=TimeUnit.SAME_DAY)
    assert dossier_actions.compute_due_at(birth, vn(2026, 12, 3, 14, 0)) == vn(2026, 12, 3, 17, 0)
    assert dossier_actions.compute_due_at(birth, vn(2026, 12, 3, 15, 30)) == vn(2026, 12, 4, 17, 0)
    assert (
        birth.processing_time_display
        == "trong ngày (tiếp nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo)"
    )
    assert building.processing_time_display == "15 ngày"


def test_paper_dossiers_are_transferred_the_same_day_or_next_morning_after_15_00():
    assert transfer_due(vn(2026, 12, 3, 15, 0)) == vn(2026, 12, 3, 17, 0)
    assert transfer_due(vn(2026, 12, 3, 15, 1)) == vn(2026, 12, 4, 8, 30)
    assert transfer_due(vn(2026, 12, 4, 16, 0)) == vn(2026, 12, 7, 8, 30)  # Friday → Monday
    assert transfer_due(vn(2026, 8, 28, 15, 30)) == vn(2026, 9, 3, 8, 30)  # 31/8, 1/9, 2/9/2026 off


def test_a_counter_dossier_gets_its_transfer_due_time_and_an_alert_once(
    officer, leader, desk, procedure, specialist, mailoutbox
):
    upload = SimpleUploadedFile("to-khai.pdf", factories.minimal_pdf(), content_type="application/pdf")
    dossier = actions.receive_at_counter(
        officer,
        desk,
        procedure,
        {"name": "Trần Thị Bích Ngọc"},
        [GivenDocument(CopyForm.ORIGINAL, name="Tờ khai", file=upload)],
        assignee=specialist,
    )
    flow = DossierFlow.objects.get(dossier=dossier)
    assert flow.step_due_at is not None and flow.step_due_at <= transfer_due(dossier.received_at)
    assert sweep_deadlines()["not_transferred"] == 0
    DossierFlow.objects.filter(pk=flow.pk).update(step_due_at=timezone.now() - datetime.timedelta(minutes=1))
    mailoutbox.clear()
    assert sweep_deadlines() == {"due_soon": 0, "overdue": 0, "not_examined": 0, "not_transferred": 1}
    assert sweep_deadlines()["not_transferred"] == 0
    (message,) = mailoutbox
    assert dossier.code in message.subject and "chuyển" in message.subject
    assert {officer.email, leader.email} <= set(message.to)


def test_an_online_dossier_must_be_examined_within_8_working_hours(
    submitted, officer, specialist, mailoutbox
):
    flow = DossierFlow.objects.get(dossier=submitted)
    assert flow.step_due_at == add_working_hours(submitted.submitted_at, ONLINE_EXAMINATION_HOURS)
    assert sweep_deadlines()["not_examined"] == 0

    DossierFlow.objects.filter(pk=flow.pk).update(step_due_at=timezone.now() - datetime.timedelta(minutes=1))
    assert sweep_deadlines() == {"due_soon": 0, "overdue": 0, "not_examined": 1, "not_transferred": 0}
    assert sweep_deadlines()["not_examined"] == 0
    (message,) = mailoutbox
    assert submitted.submission_reference in message.subject and officer.email in message.to

    actions.accept_dossier(officer, submitted, assignee=specialist)
    assert DossierFlow.objects.get(dossier=submitted).step_alert_sent is False


def test_a_supplement_request_is_made_once_at_reception_and_once_in_processing(
    submitted, citizen, officer, specialist
):
    dossier_actions.request_supplement(officer, submitted, ["Giấy chứng sinh bản chính"])
    dossier_actions.answer_supplement_request(citizen, submitted, [], "Đã bổ sung tại quầy")
    with pytest.raises(ValidationError) as caught:
        actions.ask_for_supplement(officer, submitted, ["Giấy tờ chứng minh nơi cư trú"])
    assert caught.value.code == "already_requested"
    assert caught.value.messages == [
        "Người nộp đã được yêu cầu bổ sung hồ sơ này một lần: mọi nội dung còn thiếu phải được yêu cầu "
        "đầy đủ trong một lần."
    ]
    submitted.refresh_from_db()
    assert submitted.status == Status.NEW

    actions.accept_dossier(officer, submitted, assignee=specialist)
    request = dossier_actions.request_supplement(specialist, submitted, ["Văn bản ủy quyền"])
    assert request.is_late is False
    dossier_actions.answer_supplement_request(citizen, submitted, [], "Gửi văn bản ủy quyền")
    with pytest.raises(ValidationError):
        actions.ask_for_supplement(specialist, submitted, ["Bản sao sổ hộ khẩu"])
    assert SupplementRequest.objects.filter(dossier=submitted).count() == 2


def test_a_supplement_request_after_3_working_days_is_recorded_as_late(submitted, officer, specialist):
    actions.accept_dossier(officer, submitted, assignee=specialist)
    Dossier.objects.filter(pk=submitted.pk).update(received_at=timezone.now() - datetime.timedelta(days=10))
    request = dossier_actions.request_supplement(specialist, submitted, ["Văn bản ủy quyền"])
    assert request.is_late is True


def _paid_after_a_week(procedure, citizen, desk, officer, specialist):
    from tinhso.workflows.tests.conftest import submit

    dossier = submit(citizen, procedure, desk)
    actions.accept_dossier(officer, dossier, assignee=specialist)
    actions.ask_for_payment(officer, dossier, "Lệ phí trước bạ")
    DossierStatusChange.objects.filter(dossier=dossier, to_status=Status.PAYMENT).update(
        at=timezone.now() - datetime.timedelta(days=7)
    )
    dossier.refresh_from_db()
    due = dossier.due_at
    actions.record_cash_payment(officer, dossier)
    dossier.refresh_from_db()
    return dossier, due


def test_the_time_of_financial_obligations_is_left_out_where_the_law_says_so(
    procedure, citizen, desk, officer, specialist
):
    Procedure.objects.filter(pk=procedure.pk).update(excludes_financial_obligations=True)
    procedure.refresh_from_db()
    dossier, due = _paid_after_a_week(procedure, citizen, desk, officer, specialist)
    asked = DossierStatusChange.objects.get(dossier=dossier, to_status=Status.PAYMENT).at
    change = DueTimeChange.objects.get(dossier=dossier, kind="paid")
    assert change.old_due_at == due and dossier.due_at == change.new_due_at > due
    assert working_time_between(due, dossier.due_at) == working_time_between(asked, dossier.paid_at)


def test_elsewhere_the_clock_runs_while_the_applicant_pays(procedure, citizen, desk, officer, specialist):
    dossier, due = _paid_after_a_week(procedure, citizen, desk, officer, specialist)
    assert dossier.due_at == due
    assert not DueTimeChange.objects.filter(dossier=dossier, kind="paid").exists()


def test_a_dossier_waiting_for_payment_is_not_overdue_when_that_time_is_left_out(
    procedure, citizen, desk, officer, specialist, submitted
):
    actions.accept_dossier(officer, submitted, assignee=specialist)
    actions.ask_for_payment(officer, submitted, "Lệ phí")
    Dossier.objects.filter(pk=submitted.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    Procedure.objects.filter(pk=procedure.pk).update(excludes_financial_obligations=True)
    assert sweep_deadlines()["overdue"] == 0
    Procedure.objects.filter(pk=procedure.pk).update(excludes_financial_obligations=False)
    assert sweep_deadlines()["overdue"] == 1
