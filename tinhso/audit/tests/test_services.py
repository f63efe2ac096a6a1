import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import transaction
from django.test import RequestFactory

from tinhso.audit.hashing import GENESIS_HASH
from tinhso.audit.models import AuditEntry
from tinhso.audit.services import (
    history_for,
    lock_key,
    personal_data_reads_about,
    record,
    record_personal_data_read,
)
from tinhso.audit.verification import verify_trail

pytestmark = pytest.mark.django_db


def test_first_entries_form_a_chain(officer, department):
    first = record(officer, "agency.created", department, {"name": [None, "Sở Tư pháp tỉnh Đồng Tháp"]})
    second = record(
        officer, "agency.renamed", department, {"name": ["Sở Tư pháp tỉnh Đồng Tháp", "Sở Tư pháp"]}
    )

    assert (first.object_type, first.object_id) == ("auth.group", str(department.pk))
    assert (first.sequence, first.prev_hash) == (1, GENESIS_HASH)
    assert (second.sequence, second.prev_hash) == (2, first.hash)
    assert first.actor == officer
    assert first.actor_label == f"Nguyễn Văn An (#{officer.pk})"
    assert first.at.tzinfo is not None
    assert len(first.hash) == 64
    assert first.hash != second.hash


def test_each_object_has_its_own_chain(officer, department, committee):
    record(officer, "agency.created", department)
    other = record(officer, "agency.created", committee)
    assert (other.sequence, other.prev_hash) == (1, GENESIS_HASH)


def test_hash_survives_the_round_trip_through_the_database(officer, department):
    request = RequestFactory().post("/", REMOTE_ADDR="2001:DB8:0:0::1")
    changes = {
        "fee": Decimal("1250000"),
        "received_on": datetime.date(2025, 7, 1),
        "due": datetime.datetime(2025, 7, 8, 17, 0, tzinfo=datetime.UTC),
        "summary": "Cấp phiếu lý lịch tư pháp cho công dân",
        "ratio": 0.1,
        "big": 1e20,
        "flags": [1.0, True, None],
    }
    entry = record(officer, "dossier.received", department, changes, request=request)

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.ip == "2001:db8::1"
    assert stored.data["fee"] == "1250000"
    assert stored.data["received_on"] == "2025-07-01"
    assert stored.data["summary"] == "Cấp phiếu lý lịch tư pháp cho công dân"
    assert stored.compute_hash() == stored.hash == entry.hash
    assert verify_trail().intact


def test_changing_any_hashed_field_changes_the_hash(officer, department):
    entry = record(officer, "agency.created", department, {"name": "Sở Tư pháp"})
    original = entry.hash
    for field, value in [
        ("action", "agency.deleted"),
        ("actor_label", "Lê Văn Bình (#999)"),
        ("data", {"name": "Sở Tài chính"}),
        ("ip", "10.0.0.9"),
        ("object_id", "999"),
        ("sequence", 2),
        ("prev_hash", "f" * 64),
        ("at", entry.at + datetime.timedelta(microseconds=1)),
    ]:
        copy = AuditEntry(**{f.attname: getattr(entry, f.attname) for f in AuditEntry._meta.concrete_fields})
        setattr(copy, field, value)
        assert copy.compute_hash() != original, field


def test_system_and_anonymous_actors(department):
    by_system = record(None, "agency.imported", department)
    by_anonymous = record(AnonymousUser(), "login.failed", department, {"username": "khong.ton.tai"})
    assert by_system.actor is None and by_system.actor_label == ""
    assert by_anonymous.actor is None and by_anonymous.actor_label == ""


def test_ip_is_none_when_the_address_is_not_an_address(officer, department):
    request = RequestFactory().get("/", REMOTE_ADDR="không-phải-IP")
    assert record(officer, "agency.viewed", department, request=request).ip is None


@pytest.mark.parametrize(
    "action",
    ["", "created", "Agency.Created", "agency.", "agency created", "agency.created\n", "a." + "b" * 70],
)
def test_bad_action_names_are_refused(officer, department, action):
    with pytest.raises(ValueError, match="Invalid audit action"):
        record(officer, action, department)
    assert not AuditEntry.objects.exists()


def test_unsaved_objects_are_refused(officer):
    with pytest.raises(ValueError, match="saved objects"):
        record(officer, "agency.created", Group(name="Sở Nội vụ"))


def test_entry_rolls_back_with_the_business_transaction(officer, department):
    with pytest.raises(RuntimeError), transaction.atomic():
        record(officer, "agency.created", department)
        raise RuntimeError("the business action failed")
    assert not AuditEntry.objects.exists()
    assert record(officer, "agency.created", department).sequence == 1


def test_deleting_the_actor_keeps_the_entry_and_the_chain(django_user_model, department):
    clerk = django_user_model.objects.create_user(username="binh.le", full_name="Lê Văn Bình", kind="officer")
    clerk_pk = clerk.pk
    entry = record(clerk, "agency.created", department)
    clerk.delete()

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.actor is None
    assert stored.actor_label == f"Lê Văn Bình (#{clerk_pk})"
    assert stored.hash == entry.hash
    assert verify_trail().intact


def test_history_for_is_oldest_first(officer, department, committee):
    record(officer, "agency.created", department)
    record(officer, "agency.created", committee)
    record(officer, "agency.renamed", department)
    assert [e.action for e in history_for(department)] == ["agency.created", "agency.renamed"]


def test_personal_data_reads_are_logged_and_reported(officer, citizen, django_user_model):
    specialist = django_user_model.objects.create_user(
        username="hoa.pham", full_name="Phạm Thị Hoa", kind="officer"
    )
    request = RequestFactory().get("/", REMOTE_ADDR="10.82.1.15")
    record_personal_data_read(officer, citizen, ["cccd", "date_of_birth"], "Xác minh hồ sơ lý lịch tư pháp")
    record(officer, "account.updated", citizen, {"phone": ["0912345678", "0987654321"]})
    record_personal_data_read(specialist, citizen, ["phone"], "Liên hệ trả kết quả", request=request)
    record_personal_data_read(specialist, officer, ["email"], "Gửi thông báo")

    reads = list(personal_data_reads_about(citizen))
    assert [(r.actor, r.data["fields"], r.data["purpose"]) for r in reads] == [
        (specialist, ["phone"], "Liên hệ trả kết quả"),
        (officer, ["cccd", "date_of_birth"], "Xác minh hồ sơ lý lịch tư pháp"),
    ]
    assert reads[0].ip == "10.82.1.15"
    assert reads[0].action == "personal_data.read"


def test_personal_data_read_needs_fields_and_purpose(officer, citizen):
    with pytest.raises(ValueError, match="fields"):
        record_personal_data_read(officer, citizen, [" "], "Xác minh hồ sơ")
    with pytest.raises(ValueError, match="purpose"):
        record_personal_data_read(officer, citizen, ["cccd"], "  ")
    assert not AuditEntry.objects.exists()


def test_personal_data_read_keeps_names_not_values(officer, citizen):
    entry = record_personal_data_read(
        officer, citizen, ["cccd"], "Xác minh nhân thân", reference="H01.2-261203-0001"
    )
    assert entry.data == {
        "fields": ["cccd"],
        "purpose": "Xác minh nhân thân",
        "reference": "H01.2-261203-0001",
        "agency": "",
        "role": "",
    }
    assert citizen.cccd not in str(entry.data)


def test_a_person_reading_their_own_data_is_not_logged(citizen):
    assert record_personal_data_read(citizen, citizen, ["cccd"], "Xem hồ sơ của mình") is None
    assert not AuditEntry.objects.exists()


def test_lock_keys_are_signed_64_bit_and_differ_per_object():
    keys = {lock_key("agencies.agency", str(n)) for n in range(1000)}
    assert len(keys) == 1000
    assert all(-(2**63) <= key < 2**63 for key in keys)
    assert lock_key("agencies.agency", "1") != lock_key("units.administrativeunit", "1")
