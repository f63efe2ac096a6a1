import pytest
from django.db import DatabaseError, connection, transaction

from tinhso.audit.models import AppendOnlyError, AuditAnchor, AuditEntry
from tinhso.audit.services import anchor_trail, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(officer, department):
    return record(officer, "agency.created", department, {"name": "Sở Tư pháp tỉnh Đồng Tháp"})


def test_model_refuses_to_save_an_existing_entry(entry):
    entry.data = {"name": "Sở Tài chính"}
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).data == {"name": "Sở Tư pháp tỉnh Đồng Tháp"}


def test_model_refuses_to_delete(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_refuses_update_and_delete(entry):
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="agency.deleted")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["action"])
    assert AuditEntry.objects.get(pk=entry.pk).action == "agency.created"


def test_anchor_is_append_only_too(entry):
    anchor = anchor_trail()
    anchor.root_hash = "0" * 64
    with pytest.raises(AppendOnlyError):
        anchor.save()
    with pytest.raises(AppendOnlyError):
        anchor.delete()
    with pytest.raises(AppendOnlyError):
        AuditAnchor.objects.update(root_hash="0" * 64)


def test_database_refuses_raw_update(entry):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE audit_auditentry SET data = %s WHERE id = %s", ['{"name": "Sở Tài chính"}', entry.pk]
        )
    assert AuditEntry.objects.get(pk=entry.pk).data == {"name": "Sở Tư pháp tỉnh Đồng Tháp"}


def test_database_refuses_raw_update_of_anchor(entry):
    anchor = anchor_trail()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditanchor SET root_hash = %s WHERE id = %s", ["0" * 64, anchor.pk])


def test_database_refuses_to_clear_the_actor_together_with_another_change(entry):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE audit_auditentry SET actor_id = NULL, actor_label = '' WHERE id = %s", [entry.pk]
        )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's flush deletes rows, so only UPDATE is refused"
)
def test_database_refuses_raw_delete(entry):
    anchor = anchor_trail()
    for table, pk in [("audit_auditentry", entry.pk), ("audit_auditanchor", anchor.pk)]:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert AuditAnchor.objects.filter(pk=anchor.pk).exists()
