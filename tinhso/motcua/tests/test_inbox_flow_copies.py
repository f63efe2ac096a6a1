"""The inbox counts, filters and sorts on the dossier's status, due time and procedure as copied on
its flow row (``DossierFlow.dossier_status``…). The database keeps the copies (migration
``workflows.0006_dossier_copies``): checked here whoever writes the dossier or the flow, on
PostgreSQL and with the demo's SQLite triggers."""

import datetime
import importlib
import sqlite3

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.dossiers import actions as dossier_actions
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.status import Status
from tinhso.motcua import actions, inbox
from tinhso.motcua.tests.fixtures import submit
from tinhso.workflows.models import DossierFlow

pytestmark = pytest.mark.django_db

copies_migration = importlib.import_module("tinhso.workflows.migrations.0006_dossier_copies")


def assert_copies_true(dossier: Dossier) -> None:
    row = Dossier.objects.get(pk=dossier.pk)
    flow = DossierFlow.objects.get(dossier=dossier)
    copied = (
        flow.dossier_status,
        flow.dossier_due_at,
        flow.dossier_submitted_at,
        flow.procedure_id,
        flow.receiving_agency_id,
    )
    assert copied == (row.status, row.due_at, row.submitted_at, row.procedure_id, row.receiving_agency_id)


def test_the_flow_keeps_its_dossiers_fields_whoever_writes_either_row(
    submitted, officer, specialist, citizen
):
    assert_copies_true(submitted)
    assert DossierFlow.objects.get(dossier=submitted).dossier_status == Status.NEW
    received = actions.accept_dossier(officer, submitted, assignee=specialist)
    assert_copies_true(received)
    assert DossierFlow.objects.get(dossier=received).dossier_due_at is not None
    # A write that bypasses the actions (an import, a repair by hand) is copied too.
    Dossier.objects.filter(pk=received.pk).update(due_at=timezone.now() - datetime.timedelta(days=2))
    assert_copies_true(received)
    dossier_actions.withdraw_dossier(citizen, received, "Không cần nữa")
    assert_copies_true(received)
    # A flow saved whole from a stale instance cannot overwrite the copies with what it held.
    flow = DossierFlow.objects.get(dossier=received)
    flow.dossier_status, flow.dossier_due_at, flow.procedure_id = Status.NEW, None, None
    flow.save()
    assert_copies_true(received)
    assert DossierFlow.objects.get(dossier=received).dossier_status == Status.WITHDRAWN
    actions.grant_withdrawal(officer, received)
    assert_copies_true(received)
    assert not inbox.waiting_flows(officer).filter(dossier=received).exists()


def test_the_inbox_counts_from_the_flows_alone_and_sorts_by_the_copied_due_time(
    citizen, procedure, desk, officer, specialist
):
    first = actions.accept_dossier(officer, submit(citizen, procedure, desk), assignee=specialist)
    second = actions.accept_dossier(officer, submit(citizen, procedure, desk), assignee=specialist)
    assert inbox.dossiers_of(inbox.filtered(specialist)) == [first, second]
    Dossier.objects.filter(pk=second.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    assert inbox.dossiers_of(inbox.filtered(specialist)) == [second, first]
    assert inbox.dossiers_of(inbox.filtered(specialist, deadline=inbox.OVERDUE)) == [second]
    listed = inbox.filtered(specialist, status=Status.ACCEPTED, procedure=procedure.code)
    assert inbox.dossiers_of(listed) == [second, first]
    with CaptureQueriesContext(connection) as queries:
        totals, procedure_ids = inbox.counts(specialist)
        start = inbox.start_counts(specialist)
    assert totals["total"] == 2 and totals[inbox.OVERDUE] == 1 and procedure_ids == [procedure.pk]
    assert start["total"] == 2 and start["process"] == 2 and start["overdue"] == 1
    # Nothing of the counts reads a dossier row: at 10 million dossiers that join was the page.
    assert queries.captured_queries
    assert not [query for query in queries.captured_queries if Dossier._meta.db_table in query["sql"]]


def test_the_demos_sqlite_triggers_keep_the_copies_too():
    """The SQLite statements of the migration, run by SQLite on the two tables' columns."""
    database = sqlite3.connect(":memory:")
    database.execute(
        "CREATE TABLE dossier (id INTEGER PRIMARY KEY, status INT, due_at TEXT, submitted_at TEXT, "
        "procedure_id INT, receiving_agency_id INT)"
    )
    database.execute(
        "CREATE TABLE flow (id INTEGER PRIMARY KEY, dossier_id INT, waiting_roles TEXT, dossier_status INT, "
        "dossier_due_at TEXT, dossier_submitted_at TEXT, procedure_id INT, receiving_agency_id INT)"
    )
    values = copies_migration.names('"flow"', '"dossier"')
    database.execute("INSERT INTO dossier VALUES (1, 2, '2026-12-10', '2026-12-01', 5, 8)")
    database.execute("INSERT INTO flow (id, dossier_id, waiting_roles) VALUES (1, 1, ',specialist,')")
    database.execute(copies_migration.BACKFILL.format(**values))
    for statement in copies_migration.SQLITE:
        database.execute(statement.format(**values))
    database.execute("INSERT INTO dossier VALUES (2, 1, NULL, '2026-12-02', 6, 9)")
    database.execute("INSERT INTO flow (id, dossier_id, waiting_roles) VALUES (2, 2, ',one_stop_officer,')")
    database.execute("UPDATE dossier SET status = 7, due_at = '2026-12-09' WHERE id = 1")
    database.execute("UPDATE flow SET dossier_status = 1, procedure_id = NULL WHERE id = 1")
    database.execute("UPDATE flow SET waiting_roles = '' WHERE id = 2")
    copied = database.execute(
        "SELECT dossier_id, dossier_status, dossier_due_at, dossier_submitted_at, procedure_id, "
        "receiving_agency_id FROM flow ORDER BY id"
    ).fetchall()
    assert copied == [(1, 7, "2026-12-09", "2026-12-01", 5, 8), (2, 1, None, "2026-12-02", 6, 9)]


def test_a_name_is_searched_in_the_flows_and_a_code_in_the_dossiers(submitted, officer, specialist):
    received = actions.accept_dossier(officer, submitted, assignee=specialist)
    for text in ("nguyen van an", "Nguyễn Văn An", received.code, received.code.lower()[-11:]):
        with CaptureQueriesContext(connection) as queries:
            assert inbox.dossiers_of(inbox.filtered(specialist, q=text)) == [received], text
        (search,) = [query["sql"] for query in queries.captured_queries if "ORDER BY" in query["sql"]]
        assert search.startswith('SELECT "workflows_dossierflow"'), search
        # A name (with a space, or Vietnamese letters) cannot be a code: no dossier is read.
        assert (Dossier._meta.db_table in search) == (text in (received.code, received.code.lower()[-11:]))


def test_the_start_page_counts_what_each_roles_inbox_holds_withdrawal_requests_included(
    citizen, procedure, desk, officer, specialist, leader
):
    """The start page's figures, counted in two parts (the desk from its index, the withdrawal
    requests apart), are what the inbox's own condition counts, role by role."""
    accepted = [
        actions.accept_dossier(officer, submit(citizen, procedure, desk), assignee=specialist) for _ in "abc"
    ]
    submit(citizen, procedure, desk)
    withdrawn_before_acceptance = submit(citizen, procedure, desk)
    dossier_actions.withdraw_dossier(citizen, withdrawn_before_acceptance, "Tôi đã nộp nhầm thủ tục")
    dossier_actions.withdraw_dossier(citizen, accepted[0], "Không cần nữa")
    Dossier.objects.filter(pk=accepted[1].pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    DossierFlow.objects.filter(dossier=accepted[2]).update(
        step_due_at=timezone.now() - datetime.timedelta(hours=1)
    )
    both = User.objects.create_user("motcua.lanhdao", "x", full_name="Hai Vai", kind=UserKind.OFFICER)
    for agency, role in ((desk, Role.ONE_STOP_OFFICER), (desk.parent, Role.LEADER)):
        Membership.objects.create(user=both, agency=agency, role=role, valid_from=datetime.date(2025, 7, 1))
    nobody = User.objects.create_user(
        "chua.phan.cong", "x", full_name="Chưa Phân Công", kind=UserKind.OFFICER
    )
    now = timezone.now()
    for user in (officer, specialist, leader, both, nobody):
        expected = {"total": inbox.waiting_flows(user).count()}
        for kind, role in inbox.WAITING_ROLES.items():
            if inbox._waiting(user, (role,)) is not None:
                expected[kind] = inbox.waiting_flows(user, (role,)).count()
        for kind in (inbox.DUE_SOON, inbox.OVERDUE, inbox.STEP_LATE):
            expected[kind] = inbox.waiting_flows(user).filter(inbox.deadline_q(kind, now)).count()
        assert inbox.start_counts(user, now) == expected, user.username
    assert inbox.start_counts(officer, now)["receive"] == 3  # one new, two withdrawal requests
    assert inbox.start_counts(specialist, now) == {
        "total": 3,
        "process": 3,
        "due_soon": 0,
        "overdue": 1,
        "step_late": 1,
    }
