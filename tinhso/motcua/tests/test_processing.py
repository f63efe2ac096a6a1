"""Processing: payment request, extension (Form 04), stop (Form 05), transfer and back."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.dossiers.models import DueTimeChange
from tinhso.dossiers.status import Status
from tinhso.motcua import actions
from tinhso.motcua.models import Extension
from tinhso.workflows.actions import perform_action
from tinhso.workflows.demo import PROVINCIAL_LICENCE, load_flow
from tinhso.workflows.models import DossierFlow, StepRecord
from tinhso.workflows.tests.conftest import submit

pytestmark = pytest.mark.django_db


def test_payment_request_and_cash_payment(accepted, officer):
    actions.ask_for_payment(officer, accepted, "Lệ phí cấp bản sao")
    accepted.refresh_from_db()
    assert accepted.status == Status.PAYMENT
    actions.record_cash_payment(officer, accepted)
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED and accepted.paid_at is not None


def test_extension_by_the_leader_is_recorded_and_counted_against_the_agency(accepted, leader, specialist):
    new_due = accepted.due_at + datetime.timedelta(days=3)
    with pytest.raises(PermissionDenied):
        actions.extend_dossier(specialist, accepted, new_due, "Cần xác minh")
    with pytest.raises(ValidationError):
        actions.extend_dossier(
            leader, accepted, accepted.due_at - datetime.timedelta(hours=1), "Cần xác minh"
        )
    extension = actions.extend_dossier(
        leader, accepted, new_due, "Cần xác minh thông tin tại nơi cư trú; xin lỗi ông/bà"
    )
    accepted.refresh_from_db()
    assert accepted.due_at == new_due
    assert extension.agency == DossierFlow.objects.get(dossier=accepted).current_agency
    assert DueTimeChange.objects.filter(
        dossier=accepted, kind="extension", reason__startswith="Cần xác minh"
    ).exists()
    assert Extension.objects.count() == 1


def test_stop(accepted, leader):
    actions.stop_dossier(leader, accepted, "Người nộp đề nghị dừng để bổ sung giấy tờ khác")
    accepted.refresh_from_db()
    assert accepted.status == Status.STOPPED and accepted.due_at is None
    assert DueTimeChange.objects.filter(dossier=accepted, kind="stop").exists()


def test_transfer_to_another_agency_and_back(citizen, procedure, desk, officer, specialist, leader, province):
    load_flow(dict(PROVINCIAL_LICENCE, key="giay-phep-thu-nghiem"), procedure)
    other_pc = desk.parent.parent.children.get(code="H20.202")
    consulted = factories.make_officer(other_pc, "chuyenvien.caolanh", Role.SPECIALIST)
    dossier = submit(citizen, procedure, desk)
    actions.accept_dossier(officer, dossier, assignee=specialist)
    perform_action(specialist, dossier, "tham_dinh")
    with pytest.raises(ValidationError):
        perform_action(specialist, dossier, "xin_y_kien", agency=desk)
    perform_action(specialist, dossier, "xin_y_kien", agency=other_pc)
    flow = DossierFlow.objects.get(dossier=dossier)
    assert flow.current_agency == other_pc
    with pytest.raises(PermissionDenied):
        perform_action(specialist, dossier, "gui_y_kien")
    perform_action(consulted, dossier, "gui_y_kien", note="Đồng ý, vị trí xây dựng phù hợp quy hoạch")
    flow.refresh_from_db()
    assert flow.current_agency == desk
    agencies = list(StepRecord.objects.filter(dossier=dossier).values_list("to_agency__code", flat=True))
    assert agencies == ["H20.201.01", "H20.201.01", "H20.202", "H20.201.01"]
