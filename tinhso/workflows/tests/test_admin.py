"""Flows edited in the admin go through the workflows' actions and are audited (issue 15,
finding 1): the admin's own pages are submitted as a browser would."""

from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError

from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.audit.models import AuditEntry
from tinhso.workflows.actions import delete_flow, publish_version
from tinhso.workflows.models import Flow, FlowVersion, State
from tinhso.workflows.tests.test_validation import draft_flow

pytestmark = pytest.mark.django_db


class FormFields(HTMLParser):
    """The values a browser would submit from the page's main form."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values[name] = attrs.get("value", "on")
            else:
                self.values[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_values(page) -> dict[str, str]:
    parser = FormFields()
    parser.feed(page.content.decode())
    return {name: value for name, value in parser.values.items() if "__prefix__" not in name}


@pytest.fixture
def admin(signed_in, province):
    user = User.objects.create_user(
        "quantri.tinh", "Sen-hồng-2025", full_name="Quản Trị", kind=UserKind.OFFICER
    )
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    Membership.objects.create(
        user=user, agency=province["agencies"]["province"], role=Role.PROVINCE_ADMIN, valid_from="2025-07-01"
    )
    return user, signed_in(user)


def edit_url(version: FlowVersion) -> str:
    return f"/quan-tri/workflows/flowversion/{version.pk}/change/"


def test_editing_a_draft_version_is_audited_with_what_changed(admin):
    user, client = admin
    version, _states = draft_flow()
    values = form_values(client.get(edit_url(version)))
    state_names = {
        key: name for key, name in values.items() if key.startswith("states-") and key.endswith("-name")
    }
    (renamed,) = [key for key, name in state_names.items() if name == "Đã tiếp nhận"]
    values[renamed] = "Đã tiếp nhận hồ sơ"
    values[renamed.replace("-name", "-key")] = "tiep_nhan_xong"

    saved = client.post(edit_url(version), values)

    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert State.objects.filter(version=version, key="tiep_nhan_xong", name="Đã tiếp nhận hồ sơ").exists()
    entry = AuditEntry.objects.get(action="workflows.edit_draft", object_id=str(version.pk))
    assert entry.actor == user
    assert entry.data["flow"] == "thu-nghiem"
    assert entry.data["states"] == [["moi", "nhan", "xong"], ["moi", "tiep_nhan_xong", "xong"]]
    assert entry.data["actions"][1] == ["moi-tiep_nhan-tiep_nhan_xong", "tiep_nhan_xong-xu_ly-xong"]


def test_an_invalid_edit_is_refused_and_changes_nothing(admin):
    _user, client = admin
    version, _states = draft_flow()
    values = form_values(client.get(edit_url(version)))
    (end_flag,) = [key for key, value in values.items() if key.endswith("-is_end")]
    del values[end_flag]  # no end state left

    refused = client.post(edit_url(version), values, follow=True)

    assert "Quy trình chưa được lưu." in refused.content.decode()
    assert State.objects.get(version=version, key="xong").is_end
    assert not AuditEntry.objects.filter(action="workflows.edit_draft").exists()


def test_a_published_version_cannot_be_edited_or_deleted(admin):
    _user, client = admin
    version, _states = draft_flow()
    publish_version(None, version)
    values = form_values(client.get(edit_url(version)))

    assert client.post(edit_url(version), values).status_code == 403
    client.post(
        "/quan-tri/workflows/flowversion/",
        {"action": "delete_selected", "_selected_action": [version.pk], "post": "yes"},
    )
    assert FlowVersion.objects.filter(pk=version.pk).exists()
    assert not AuditEntry.objects.filter(
        action__in=["workflows.edit_draft", "workflows.delete_draft"]
    ).exists()


def test_deleting_a_draft_version_is_audited(admin):
    user, client = admin
    version, _states = draft_flow()

    client.post(
        "/quan-tri/workflows/flowversion/",
        {"action": "delete_selected", "_selected_action": [version.pk], "post": "yes"},
    )

    assert not FlowVersion.objects.filter(pk=version.pk).exists()
    entry = AuditEntry.objects.get(action="workflows.delete_draft")
    assert entry.actor == user and entry.data["states"] == ["moi", "nhan", "xong"]


def test_creating_and_changing_a_flow_is_audited_and_a_published_flow_is_not_deleted(admin):
    user, client = admin
    values = form_values(client.get("/quan-tri/workflows/flow/add/"))
    values.update({"key": "cap-phep-moi", "name": "Cấp phép mới"})

    assert client.post("/quan-tri/workflows/flow/add/", values).status_code == 302
    flow = Flow.objects.get(key="cap-phep-moi")
    values = form_values(client.get(f"/quan-tri/workflows/flow/{flow.pk}/change/"))
    values["name"] = "Cấp phép mới (sửa)"
    assert client.post(f"/quan-tri/workflows/flow/{flow.pk}/change/", values).status_code == 302

    entries = AuditEntry.objects.filter(object_id=str(flow.pk), action__startswith="workflows.").order_by(
        "pk"
    )
    assert [(entry.action, entry.actor_id) for entry in entries] == [
        ("workflows.create_flow", user.pk),
        ("workflows.change_flow", user.pk),
    ]
    assert entries[1].data["fields"] == ["name"] and entries[1].data["name"] == "Cấp phép mới (sửa)"

    version, _states = draft_flow()
    publish_version(None, version)
    refused = client.post(
        "/quan-tri/workflows/flow/",
        {"action": "delete_selected", "_selected_action": [version.flow_id], "post": "yes"},
    )
    assert refused.status_code == 403  # its published version may not be deleted
    with pytest.raises(ValidationError) as caught:
        delete_flow(user, version.flow)
    assert caught.value.messages == ["Không thể xóa quy trình đã có phiên bản được ban hành."]
    assert Flow.objects.filter(pk=version.flow_id).exists()
    assert not AuditEntry.objects.filter(action="workflows.delete_flow").exists()
    delete_flow(user, flow)
    assert not Flow.objects.filter(pk=flow.pk).exists()
    assert AuditEntry.objects.get(action="workflows.delete_flow").data == {
        "key": "cap-phep-moi",
        "name": "Cấp phép mới (sửa)",
    }
