import json

import pytest
from django.core.management import CommandError, call_command

from tinhso.audit.hashing import entry_hash
from tinhso.audit.models import AuditAnchor, AuditEntry
from tinhso.audit.services import anchor_trail, record
from tinhso.audit.tests.conftest import tampering

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(officer, citizen, department, committee):
    """Five entries on three objects, anchored, then one more entry."""
    entries = [
        record(officer, "agency.created", department, {"name": [None, "Sở Tư pháp tỉnh Đồng Tháp"]}),
        record(officer, "agency.renamed", department, {"name": ["Sở Tư pháp tỉnh Đồng Tháp", "Sở Tư pháp"]}),
        record(officer, "agency.moved", department, {"parent": [1, 2]}),
        record(officer, "agency.created", committee, {"name": [None, "Ủy ban nhân dân xã Mỹ An Hưng"]}),
    ]
    anchor_trail()
    entries.append(
        record(officer, "personal_data.read", citizen, {"fields": ["cccd"], "purpose": "Xác minh"})
    )
    return entries


def verify(*args):
    with pytest.raises(CommandError) as error:
        call_command("verify_audit", *args)
    return str(error.value)


def test_intact_trail_passes(trail, capsys):
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "Đã kiểm tra 5 bản ghi của 3 đối tượng và 1 mốc neo" in out
    assert "toàn vẹn" in out
    assert "1 bản ghi chưa được neo" in out


def test_empty_trail_passes(capsys):
    call_command("verify_audit")
    assert "Đã kiểm tra 0 bản ghi" in capsys.readouterr().out


def test_altered_data_is_reported(trail):
    target = trail[1]
    with tampering() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET data = %s WHERE id = %s",
            [json.dumps({"name": ["A", "B"]}), target.pk],
        )
    message = verify()
    tampered = AuditEntry.objects.get(pk=target.pk)
    assert f"auth.group#{target.object_id}" in message
    assert "thứ tự 2" in message
    assert f"bản ghi #{target.pk}" in message
    assert "nội dung không khớp với mã băm" in message
    assert f"cần {tampered.compute_hash()}" in message
    assert f"thấy {target.hash}" in message


def test_deleted_entry_in_the_middle_is_reported(trail):
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [trail[1].pk])
    message = verify()
    assert "thiếu bản ghi" in message
    assert f"bản ghi #{trail[2].pk}" in message
    assert "cần 2, thấy 3" in message


def test_deleted_first_entry_is_reported(trail):
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [trail[0].pk])
    assert "cần 1, thấy 2" in verify()


def test_only_the_first_break_is_reported(trail):
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id IN (%s, %s)", [trail[1].pk, trail[3].pk])
    message = verify()
    assert f"bản ghi #{trail[2].pk}" in message
    assert f"bản ghi #{trail[3].pk}" not in message


def test_deleting_the_newest_entries_is_caught_by_the_anchor(trail):
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [trail[2].pk])
    message = verify()
    assert f"mốc neo #{AuditAnchor.objects.get().pk}" in message
    assert "bản ghi đã neo bị mất" in message
    assert f"bản ghi #{trail[2].pk}" in message


def test_rewriting_a_whole_chain_with_fresh_hashes_is_caught_by_the_anchor(trail, officer):
    """A superuser who recomputes every hash of a chain still cannot match the anchored head."""
    first = trail[3]
    forged = {"name": [None, "Ủy ban nhân dân xã Giả Mạo"]}
    new_hash = entry_hash(
        object_type=first.object_type,
        object_id=first.object_id,
        sequence=1,
        action=first.action,
        actor_label=first.actor_label,
        at=first.at,
        data=forged,
        ip=None,
        prev_hash=first.prev_hash,
    )
    with tampering() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET data = %s, hash = %s WHERE id = %s",
            [json.dumps(forged), new_hash, first.pk],
        )
    message = verify()
    assert "bản ghi đã neo bị thay thế" in message
    assert f"cần {first.hash}, thấy {new_hash}" in message


def test_altered_anchor_is_reported(trail):
    anchor = AuditAnchor.objects.get()
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditanchor SET root_hash = %s WHERE id = %s", ["ab" * 32, anchor.pk])
    message = verify()
    assert f"mốc neo #{anchor.pk}" in message
    assert "mốc neo không khớp với mã băm" in message


def test_altered_anchor_heads_are_reported(trail):
    anchor = AuditAnchor.objects.get()
    heads = [[*head[:4], "cd" * 32] for head in anchor.heads]
    with tampering() as cursor:
        cursor.execute(
            "UPDATE audit_auditanchor SET heads = %s WHERE id = %s", [json.dumps(heads), anchor.pk]
        )
    assert "đầu chuỗi không khớp với mã băm gốc" in verify()


def test_broken_anchor_chain_is_reported(trail, officer, department):
    first = AuditAnchor.objects.get()
    second = anchor_trail()
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditanchor WHERE id = %s", [first.pk])
    message = verify()
    assert f"mốc neo #{second.pk}" in message
    assert "mã băm của mốc neo trước không khớp" in message


def test_moved_actor_link_is_reported(trail, django_user_model):
    other = django_user_model.objects.create_user(username="binh.le", full_name="Lê Văn Bình", kind="officer")
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditentry SET actor_id = %s WHERE id = %s", [other.pk, trail[0].pk])
    assert "liên kết người thực hiện bị thay đổi" in verify()


def test_published_anchor_must_be_in_the_chain(trail, capsys):
    anchor = AuditAnchor.objects.get()
    call_command("verify_audit", "--anchor", anchor.hash)
    assert "toàn vẹn" in capsys.readouterr().out
    message = verify("--anchor", "ef" * 32)
    assert "không có trong chuỗi mốc neo" in message
