"""The engine: roles, agency scope, states, conditions, versions, and two officers at once."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.audit.models import AuditEntry
from tinhso.dossiers.status import Status
from tinhso.workflows.actions import (
    available_actions,
    classify_result,
    new_version,
    perform_action,
    publish_version,
)
from tinhso.workflows.models import DossierFlow, StepRecord
from tinhso.workflows.tests.conftest import submit

pytestmark = pytest.mark.django_db
TZ = datetime.timezone(datetime.timedelta(hours=7))


def test_submission_puts_the_dossier_on_the_generic_flow(submitted):
    flow = DossierFlow.objects.get(dossier=submitted)
    assert flow.state.key == "cho_tiep_nhan" and flow.current_agency == submitted.receiving_agency
    assert flow.waiting_roles == ",one_stop_officer,"
    assert flow.search_name == "nguyen van an"


def test_the_full_generic_flow(submitted, officer, specialist, leader):
    assert [a.key for a in available_actions(officer, submitted)] == ["tiep_nhan"]
    assert available_actions(specialist, submitted) == []
    perform_action(officer, submitted, "tiep_nhan", assignee=specialist)
    submitted.refresh_from_db()
    assert submitted.status == Status.ACCEPTED and submitted.due_at is not None
    perform_action(specialist, submitted, "xu_ly")
    perform_action(specialist, submitted, "trinh_lanh_dao")
    perform_action(leader, submitted, "tra_lai", note="Bổ sung căn cứ pháp lý")
    perform_action(specialist, submitted, "trinh_lanh_dao")
    flow = perform_action(leader, submitted, "phe_duyet")
    submitted.refresh_from_db()
    assert submitted.status == Status.FINISHED and submitted.finished_at is not None
    assert flow.timing in ("early", "on_time")
    perform_action(officer, submitted, "tra_ket_qua")
    submitted.refresh_from_db()
    assert submitted.status == Status.RETURNED and submitted.returned_at is not None
    records = list(StepRecord.objects.filter(dossier=submitted))
    assert [r.action.key for r in records] == [
        "tiep_nhan",
        "xu_ly",
        "trinh_lanh_dao",
        "tra_lai",
        "trinh_lanh_dao",
        "phe_duyet",
        "tra_ket_qua",
    ]
    assert records[0].to_user == specialist and records[1].on_time is True
    assert list(submitted.status_changes.values_list("to_status", flat=True)) == [1, 2, 4, 9, 10]
    with pytest.raises(ValidationError):
        perform_action(officer, submitted, "tra_ket_qua")


def test_wrong_role_wrong_agency_and_wrong_state_are_refused_and_audited(
    submitted, officer, specialist, other_officer
):
    with pytest.raises(PermissionDenied):
        perform_action(specialist, submitted, "tiep_nhan")
    with pytest.raises(PermissionDenied):
        perform_action(other_officer, submitted, "tiep_nhan")
    with pytest.raises(ValidationError) as caught:
        perform_action(officer, submitted, "phe_duyet")
    assert "không thực hiện được" in caught.value.messages[0]
    submitted.refresh_from_db()
    assert submitted.status == Status.NEW and not StepRecord.objects.exists()
    assert AuditEntry.objects.filter(action="workflows.refused").count() == 3


def test_assignee_is_required_and_must_hold_the_role(submitted, officer, leader):
    with pytest.raises(ValidationError) as caught:
        perform_action(officer, submitted, "tiep_nhan")
    assert "assignee" in caught.value.message_dict
    with pytest.raises(ValidationError):
        perform_action(officer, submitted, "tiep_nhan", assignee=leader)


def test_payment_condition(procedure, citizen, desk, officer, specialist, leader):
    from tinhso.procedures.models import Fee

    Fee.objects.create(procedure=procedure, name="Lệ phí", amount=8000)
    dossier = submit(citizen, procedure, desk)
    perform_action(officer, dossier, "tiep_nhan", assignee=specialist)
    perform_action(specialist, dossier, "xu_ly")
    perform_action(specialist, dossier, "trinh_lanh_dao")
    with pytest.raises(ValidationError) as caught:
        perform_action(leader, dossier, "phe_duyet")
    assert caught.value.messages == ["Chưa nộp phí, lệ phí."]


def test_a_running_dossier_keeps_its_version(submitted, citizen, procedure, desk, officer, specialist):
    flow = DossierFlow.objects.get(dossier=submitted)
    old = flow.version
    draft = new_version(None, old.flow)
    action = draft.actions.get(key="tiep_nhan")
    action.name = "Tiếp nhận hồ sơ (mới)"
    action.save()
    publish_version(None, draft)
    perform_action(officer, submitted, "tiep_nhan", assignee=specialist)
    flow.refresh_from_db()
    assert flow.version == old
    assert StepRecord.objects.get(dossier=submitted).action_name == "Tiếp nhận và chuyển xử lý"
    newer = submit(citizen, procedure, desk)
    assert DossierFlow.objects.get(dossier=newer).version == draft


def test_classification():
    due = datetime.datetime(2026, 2, 23, 16, 0, tzinfo=TZ)
    assert classify_result(datetime.datetime(2026, 2, 13, 9, 0, tzinfo=TZ), due) == "early"
    assert classify_result(datetime.datetime(2026, 2, 23, 15, 0, tzinfo=TZ), due) == "on_time"
    assert classify_result(datetime.datetime(2026, 2, 23, 16, 30, tzinfo=TZ), due) == "late"


@pytest.mark.django_db(transaction=True)
def test_two_officers_at_once_exactly_one_wins(submitted, officer, specialist):
    from tinhso.accounts.models import User

    second = User.objects.create_user(
        "motcua2.mytho", "Mật-khẩu-Đồng-Tháp-2026", full_name="Võ Văn Bình", kind="officer"
    )
    from tinhso.accounts.models import Membership

    Membership.objects.create(
        user=second,
        agency=submitted.receiving_agency,
        role="one_stop_officer",
        valid_from=datetime.date(2025, 7, 1),
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def act(user):
        try:
            barrier.wait()
            perform_action(user, submitted, "tiep_nhan", assignee=specialist)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(user,)) for user in (officer, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[-1] == "ok" and outcomes.count("ok") == 1
    assert StepRecord.objects.filter(dossier=submitted).count() == 1
    assert submitted.status_changes.filter(to_status=Status.ACCEPTED).count() == 1


def test_a_step_costs_a_bounded_number_of_statements(submitted, officer, specialist, leader):
    """Officers' throughput (issue 19) and the demo's year: a step holds the dossier and its
    flow, checks, and writes its rows in a bounded number of statements, the status's date in
    the same statement as the status."""
    from tinhso.agencies import tree

    tree.nodes()  # the agency tree as a running server keeps it
    counts = {}
    steps = [
        (officer, "tiep_nhan", specialist),
        (specialist, "xu_ly", None),
        (specialist, "trinh_lanh_dao", None),
        (leader, "phe_duyet", None),
        (officer, "tra_ket_qua", None),
    ]
    for actor, key, assignee in steps:
        with CaptureQueriesContext(connection) as queries:
            perform_action(actor, submitted, key, assignee=assignee)
        counts[key] = len(queries)
    submitted.refresh_from_db()
    assert submitted.received_at and submitted.finished_at and submitted.returned_at
    # Reception: two counters (the code and the number in the tracking book) among its statements.
    bounds = {"tiep_nhan": 31, "xu_ly": 16, "trinh_lanh_dao": 13, "phe_duyet": 19, "tra_ket_qua": 16}
    assert all(counts[key] <= bound for key, bound in bounds.items()), counts
