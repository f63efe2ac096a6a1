"""Withdrawal requests decided by the competent body (Decree 118/2025/NĐ-CP Art. 21(1); Circular
03/2025/TT-VPCP Art. 7) and the once-only, in-time extension in the late agency's name (Form 04;
Decree 61/2018/NĐ-CP Art. 19(9)(a), kept by Decree 118/2025/NĐ-CP)."""

import datetime
import io
import unicodedata

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.audit.models import AuditEntry
from tinhso.dossiers import actions as dossier_actions
from tinhso.dossiers.models import DueTimeChange, Notification
from tinhso.dossiers.status import Status
from tinhso.motcua import actions
from tinhso.motcua.models import Extension
from tinhso.official_forms.rendering import render_form
from tinhso.workflows.actions import available_actions, perform_action
from tinhso.workflows.demo import PROVINCIAL_LICENCE, load_flow
from tinhso.workflows.tests.conftest import submit
from tinhso.worktime.calendar import VN_TZ

pytestmark = pytest.mark.django_db


def vn(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=VN_TZ)


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return unicodedata.normalize("NFC", " ".join(text.split()))


# Withdrawal --------------------------------------------------------------------------------


def test_a_withdrawal_request_waits_for_the_decision_and_the_flow_stops_meanwhile(
    accepted, citizen, specialist
):
    dossier_actions.withdraw_dossier(citizen, accepted, "Tôi đã nộp nhầm thủ tục")
    accepted.refresh_from_db()
    assert accepted.status == Status.WITHDRAWN
    assert available_actions(specialist, accepted) == []
    with pytest.raises(ValidationError):
        perform_action(specialist, accepted, "tham_dinh")


def test_granting_the_withdrawal_stops_the_dossier_with_form_05(accepted, citizen, officer):
    due = accepted.due_at
    dossier_actions.withdraw_dossier(citizen, accepted, "Tôi đã nộp nhầm thủ tục")
    sent_before = Notification.objects.filter(dossier=accepted).count()
    actions.grant_withdrawal(officer, accepted)
    accepted.refresh_from_db()
    assert accepted.status == Status.STOPPED and accepted.due_at is None
    stop = DueTimeChange.objects.get(dossier=accepted, kind="stop")
    assert stop.old_due_at == due
    assert AuditEntry.objects.filter(action="motcua.grant_withdrawal", object_id=str(accepted.pk)).exists()
    assert Notification.objects.filter(dossier=accepted, status=Status.STOPPED).count() == 1
    assert Notification.objects.filter(dossier=accepted).count() == sent_before + 1
    text = pdf_text(render_form(5, accepted))
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "Dừng theo yêu cầu rút hồ sơ của người nộp: Tôi đã nộp nhầm thủ tục" in text


def test_refusing_the_withdrawal_puts_the_dossier_back_with_its_due_time(accepted, citizen, officer):
    due = accepted.due_at
    dossier_actions.withdraw_dossier(citizen, accepted, "Không cần nữa")
    with pytest.raises(ValidationError) as caught:
        actions.refuse_withdrawal(officer, accepted, "  ")
    assert caught.value.message_dict == {"reason": ["Hãy nêu lý do từ chối yêu cầu rút hồ sơ."]}
    actions.refuse_withdrawal(officer, accepted, "Đã có quyết định cấp giấy khai sinh")
    accepted.refresh_from_db()
    assert accepted.status == Status.ACCEPTED and accepted.due_at == due
    assert AuditEntry.objects.filter(action="motcua.refuse_withdrawal", object_id=str(accepted.pk)).exists()
    assert Notification.objects.filter(dossier=accepted, status=Status.ACCEPTED).count() == 2


def test_only_the_desk_or_the_handling_leader_decides_and_only_on_a_request(
    accepted, citizen, specialist, other_officer, leader
):
    with pytest.raises(ValidationError) as caught:
        actions.grant_withdrawal(leader, accepted)
    assert caught.value.messages == ["Người nộp chưa yêu cầu rút hồ sơ này."]
    dossier_actions.withdraw_dossier(citizen, accepted, "Không cần nữa")
    for outsider in (specialist, other_officer, citizen):
        with pytest.raises(PermissionDenied):
            actions.grant_withdrawal(outsider, accepted)
        with pytest.raises(PermissionDenied):
            actions.refuse_withdrawal(outsider, accepted, "Đã có quyết định")
    accepted.refresh_from_db()
    assert accepted.status == Status.WITHDRAWN
    actions.grant_withdrawal(leader, accepted, "Đã hoàn trả hồ sơ giấy.")
    accepted.refresh_from_db()
    assert accepted.status == Status.STOPPED


def test_a_withdrawal_request_waits_in_the_desks_and_the_leaders_inbox(
    accepted, citizen, officer, specialist, leader
):
    from tinhso.accounts.models import Membership, User
    from tinhso.motcua.inbox import counts, waiting_flows

    # A specialist who is also a one-stop officer of the receiving agency: the dossier waits at
    # their desk and, once withdrawn, as a request of their agency; their inbox holds it once.
    Membership.objects.create(
        user=specialist,
        agency=accepted.receiving_agency,
        role=Role.ONE_STOP_OFFICER,
        valid_from=factories.START,
    )
    both = User.objects.get(pk=specialist.pk)
    assert not waiting_flows(officer).filter(dossier=accepted).exists()
    assert counts(officer)[0]["total"] == 0 and counts(both)[0]["total"] == 1
    dossier_actions.withdraw_dossier(citizen, accepted, "Không cần nữa")
    assert waiting_flows(officer).filter(dossier=accepted).exists()
    assert waiting_flows(leader).filter(dossier=accepted).exists()
    for person in (officer, leader, both):
        totals, procedure_ids = counts(person)
        assert totals["total"] == 1 and procedure_ids == [accepted.procedure_id], person
    actions.grant_withdrawal(officer, accepted)
    assert not waiting_flows(officer).filter(dossier=accepted).exists()
    assert counts(officer)[0]["total"] == counts(leader)[0]["total"] == counts(both)[0]["total"] == 0


def test_the_dossier_page_offers_both_decisions(signed_in, accepted, citizen, officer):
    client = signed_in(officer)
    page = reverse("motcua:dossier", args=[accepted.pk])
    assert "tu-choi-rut" not in client.get(page).content.decode()
    dossier_actions.withdraw_dossier(citizen, accepted, "Không cần nữa")
    html = client.get(page).content.decode()
    assert "Dừng giải quyết theo yêu cầu rút hồ sơ" in html and "Từ chối yêu cầu rút hồ sơ" in html
    refused = client.post(reverse("motcua:refuse_withdrawal", args=[accepted.pk]), {"reason": ""})
    assert refused.status_code == 200
    accepted.refresh_from_db()
    assert accepted.status == Status.WITHDRAWN
    response = client.post(reverse("motcua:grant_withdrawal", args=[accepted.pk]), {"note": ""})
    assert response.status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == Status.STOPPED


# Extension (Form 04) -----------------------------------------------------------------------


def test_an_extension_is_in_time_up_to_exactly_one_working_day_before_the_due_time():
    """Due Monday 7/12/2026 10:00: the last moment is Friday 4/12/2026 10:00 (the weekend does
    not count); from Friday 10:00:01 it is too late."""
    due = vn(2026, 12, 7, 10, 0)
    assert actions.may_extend_at(vn(2026, 12, 3, 16, 0), due)
    assert actions.may_extend_at(vn(2026, 12, 4, 10, 0), due)
    assert not actions.may_extend_at(vn(2026, 12, 4, 10, 0, 1), due)
    assert not actions.may_extend_at(vn(2026, 12, 7, 9, 0), due)
    # Over Tết 2027 (Thu 4/2 – Wed 10/2/2027 off, provisional until the Prime Minister decides):
    # due Thu 11/2/2027 08:00, the last moment is Wed 3/2/2027 08:00.
    assert actions.may_extend_at(vn(2027, 2, 3, 8, 0), vn(2027, 2, 11, 8, 0))
    assert not actions.may_extend_at(vn(2027, 2, 3, 8, 30), vn(2027, 2, 11, 8, 0))


def test_an_extension_is_refused_too_late_and_a_second_time(accepted, leader):
    accepted.due_at = timezone.now() + datetime.timedelta(minutes=30)
    accepted.save(update_fields=["due_at"])
    with pytest.raises(ValidationError) as caught:
        actions.extend_dossier(leader, accepted, accepted.due_at + datetime.timedelta(days=3), "Cần xác minh")
    assert caught.value.code == "too_late"
    assert "ít nhất một ngày làm việc trước thời hạn" in caught.value.messages[0]
    assert not Extension.objects.exists()

    accepted.due_at = timezone.now() + datetime.timedelta(days=10)
    accepted.save(update_fields=["due_at"])
    actions.extend_dossier(leader, accepted, accepted.due_at + datetime.timedelta(days=3), "Cần xác minh")
    accepted.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        actions.extend_dossier(leader, accepted, accepted.due_at + datetime.timedelta(days=3), "Lần nữa")
    assert caught.value.messages == ["Hồ sơ này đã được gia hạn một lần; chỉ được gia hạn một lần."]
    assert Extension.objects.count() == 1
    assert AuditEntry.objects.filter(action="motcua.refused", object_id=str(accepted.pk)).count() == 2


def test_form_04_is_written_in_the_name_of_the_agency_that_is_late(
    citizen, procedure, desk, officer, specialist
):
    load_flow(dict(PROVINCIAL_LICENCE, key="giay-phep-thu-nghiem"), procedure)
    other_pc = desk.parent.parent.children.get(code="H20.202")
    consulted_leader = factories.make_officer(other_pc, "lanhdao.caolanh", Role.LEADER)
    dossier = submit(citizen, procedure, desk)
    actions.accept_dossier(officer, dossier, assignee=specialist)
    perform_action(specialist, dossier, "tham_dinh")
    perform_action(specialist, dossier, "xin_y_kien", agency=other_pc)
    dossier.refresh_from_db()
    dossier.due_at = timezone.now() + datetime.timedelta(days=10)
    dossier.save(update_fields=["due_at"])
    extension = actions.extend_dossier(
        consulted_leader, dossier, dossier.due_at + datetime.timedelta(days=5), "Chờ ý kiến thẩm định"
    )
    assert extension.agency == other_pc
    text = pdf_text(render_form(4, dossier))
    assert other_pc.name.upper() in text.upper()
    assert f"{other_pc.name} thành thật xin lỗi" in text
    assert f"{desk.name} thành thật xin lỗi" not in text


def test_the_inbox_pages_a_withdrawal_request_among_the_desks_dossiers_in_due_order(
    accepted, citizen, procedure, desk, officer
):
    """The desk and the withdrawal requests not at it are read apart (``inbox._apart``) and put
    together in one due order, paged and searched as one list."""
    from tinhso.motcua import inbox
    from tinhso.motcua.tests.fixtures import submit

    waiting = [submit(citizen, procedure, desk) for _ in range(2)]
    dossier_actions.withdraw_dossier(citizen, accepted, "Không cần nữa")
    # For the one-stop officer: two submissions to receive at their desk (no due time yet) and
    # the accepted dossier's withdrawal request (its step waits for the specialist, not for them).
    rows = inbox.filtered(officer)
    expected = [accepted.pk, *(dossier.pk for dossier in waiting)]
    assert rows.count() == 3 and inbox.counts(officer)[0]["total"] == 3
    assert [dossier.pk for dossier in inbox.dossiers_of(rows)] == expected
    assert [dossier.pk for dossier in inbox.dossiers_of(rows[:1])] == expected[:1]
    assert [dossier.pk for dossier in inbox.dossiers_of(rows[1:3])] == expected[1:]
    found = inbox.filtered(officer, q=accepted.code)
    assert [dossier.pk for dossier in inbox.dossiers_of(found)] == [accepted.pk]
    assert inbox.filtered(officer, waiting=inbox.TO_RECEIVE).count() == 3
    assert inbox.filtered(officer, status=Status.WITHDRAWN).count() == 1
