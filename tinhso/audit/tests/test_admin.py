import pytest
from django.urls import reverse

from tinhso.audit.models import AuditEntry
from tinhso.audit.services import anchor_trail, record
from tinhso.testing import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, django_user_model):
    user = django_user_model.objects.create_superuser(username="quantri", full_name="Võ Minh Quân")
    return signed_in(client, user)


@pytest.fixture
def entries(officer, citizen, department):
    return [
        record(officer, "agency.created", department, {"name": [None, "Sở Tư pháp tỉnh Đồng Tháp"]}),
        record(officer, "personal_data.read", citizen, {"fields": ["cccd"], "purpose": "Xác minh"}),
    ]


def test_changelist_is_in_vietnamese_and_filters(admin, entries):
    url = reverse("admin:audit_auditentry_changelist")
    page = admin.get(url).content.decode()
    assert "bản ghi nhật ký" in page
    assert "loại đối tượng" in page
    assert "Nguyễn Văn An" in page

    def shown(**params):
        return [entry.action for entry in admin.get(url, params).context["cl"].result_list]

    assert shown(object_type="auth.group") == ["agency.created"]
    assert shown(action="personal_data.read") == ["personal_data.read"]
    assert shown(actor__id__exact=entries[0].actor_id) == ["personal_data.read", "agency.created"]


def test_nobody_can_add_change_or_delete(admin, entries):
    entry = entries[0]
    assert admin.get(reverse("admin:audit_auditentry_add")).status_code == 403
    change = reverse("admin:audit_auditentry_change", args=[entry.pk])
    assert admin.get(change).status_code == 200
    assert admin.post(change, {"action": "agency.deleted"}).status_code == 403
    assert (
        admin.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.get(pk=entry.pk).action == "agency.created"


def test_anchors_are_listed_read_only(admin, entries):
    anchor = anchor_trail()
    page = admin.get(reverse("admin:audit_auditanchor_changelist")).content.decode()
    assert anchor.hash in page
    assert admin.get(reverse("admin:audit_auditanchor_add")).status_code == 403
