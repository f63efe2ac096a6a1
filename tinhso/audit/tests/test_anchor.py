import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus

from tinhso.audit.hashing import GENESIS_HASH, root_hash
from tinhso.audit.models import AuditAnchor
from tinhso.audit.services import anchor_trail, record
from tinhso.audit.tasks import anchor_audit_trail

pytestmark = pytest.mark.django_db


def test_nothing_to_anchor_on_an_empty_trail():
    assert anchor_trail() is None
    assert not AuditAnchor.objects.exists()


def test_anchor_keeps_the_latest_hash_of_each_changed_chain(officer, department, committee):
    record(officer, "agency.created", department)
    dept_head = record(officer, "agency.renamed", department)
    committee_head = record(officer, "agency.created", committee)

    anchor = anchor_trail()

    assert anchor.entries_count == 3
    assert anchor.last_entry_id == committee_head.pk
    assert anchor.prev_anchor_hash == GENESIS_HASH
    assert sorted(head[0] for head in anchor.heads) == sorted([dept_head.pk, committee_head.pk])
    assert anchor.root_hash == root_hash(
        [
            ("auth.group", str(department.pk), 2, dept_head.hash),
            ("auth.group", str(committee.pk), 1, committee_head.hash),
        ]
    )
    assert anchor.hash == anchor.compute_hash()


def test_next_anchor_covers_only_new_changes_and_chains_to_the_previous(officer, department, committee):
    record(officer, "agency.created", department)
    record(officer, "agency.created", committee)
    first = anchor_trail()
    head = record(officer, "agency.renamed", committee)

    second = anchor_trail()

    assert second.prev_anchor_hash == first.hash
    assert second.entries_count == 1
    assert second.heads == [[head.pk, "auth.group", str(committee.pk), 2, head.hash]]
    assert anchor_trail() is None


def test_root_does_not_depend_on_order():
    heads = [("auth.group", "1", 3, "a" * 64), ("auth.group", "2", 1, "b" * 64)]
    assert root_hash(heads) == root_hash(list(reversed(heads)))
    assert root_hash(heads) != root_hash([("auth.group", "1", 3, "a" * 64)])


def test_anchor_task_runs_and_returns_the_hash(officer, department):
    record(officer, "agency.created", department)
    assert anchor_audit_trail.call() == AuditAnchor.objects.get().hash
    assert anchor_audit_trail.call() is None


def test_anchor_task_goes_through_the_database_queue(officer, department):
    record(officer, "agency.created", department)
    result = anchor_audit_trail.enqueue()
    assert result.status == TaskResultStatus.READY
    assert anchor_audit_trail.get_result(result.id).task.name == "anchor_audit_trail"


def test_anchor_command_prints_the_hash(officer, department, capsys):
    record(officer, "agency.created", department)
    call_command("anchor_audit")
    out = capsys.readouterr().out
    anchor = AuditAnchor.objects.get()
    assert "Mốc neo" in out
    assert anchor.hash in out

    call_command("anchor_audit")
    assert "Không có bản ghi mới" in capsys.readouterr().out
