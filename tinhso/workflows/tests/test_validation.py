"""A flow that cannot work is refused with a Vietnamese message."""

import pytest
from django.core.exceptions import ValidationError

from tinhso.audit.models import AuditEntry
from tinhso.workflows.actions import new_version, publish_version
from tinhso.workflows.demo import GENERIC, load_flow
from tinhso.workflows.models import Action, Flow, FlowVersion, State

pytestmark = pytest.mark.django_db


def draft_flow():
    flow = Flow.objects.create(key="thu-nghiem", name="Quy trình thử nghiệm")
    version = FlowVersion.objects.create(flow=flow, number=1)
    start = State.objects.create(
        version=version, key="moi", name="Chờ tiếp nhận", status_code=1, is_start=True
    )
    accepted = State.objects.create(version=version, key="nhan", name="Đã tiếp nhận", status_code=2)
    done = State.objects.create(version=version, key="xong", name="Đã xử lý xong", status_code=9, is_end=True)
    Action.objects.create(
        version=version,
        key="tiep_nhan",
        name="Tiếp nhận",
        from_state=start,
        to_state=accepted,
        roles=["one_stop_officer"],
    )
    Action.objects.create(
        version=version,
        key="xu_ly",
        name="Xử lý xong",
        from_state=accepted,
        to_state=done,
        roles=["specialist"],
    )
    return version, {"start": start, "accepted": accepted, "done": done}


def messages_of(version):
    with pytest.raises(ValidationError) as caught:
        publish_version(None, version)
    version.refresh_from_db()
    assert not version.is_published
    return caught.value.messages


def test_a_valid_flow_is_published():
    version, _states = draft_flow()
    publish_version(None, version)
    version.refresh_from_db()
    assert version.is_published and version.published_at is not None


def test_unreachable_end_is_refused():
    version, states = draft_flow()
    stuck = State.objects.create(version=version, key="treo", name="Treo", status_code=4)
    Action.objects.create(
        version=version,
        key="treo",
        name="Chuyển treo",
        from_state=states["accepted"],
        to_state=stuck,
        roles=["specialist"],
    )
    assert "Không thể đi tới trạng thái kết thúc từ trạng thái “Treo”." in messages_of(version)


def test_unreachable_state_is_refused():
    version, _states = draft_flow()
    State.objects.create(version=version, key="lac", name="Lạc", status_code=4, is_end=True)
    assert "Không thể đi tới trạng thái “Lạc” từ trạng thái bắt đầu." in messages_of(version)


def test_action_without_role_is_refused():
    version, _states = draft_flow()
    Action.objects.filter(version=version, key="xu_ly").update(roles=[])
    assert "Không vai trò nào được thực hiện thao tác “Xử lý xong”." in messages_of(version)


def test_two_start_states_are_refused():
    version, _states = draft_flow()
    State.objects.filter(version=version, key="nhan").update(is_start=True)
    assert "Quy trình phải có đúng một trạng thái bắt đầu (đang có 2)." in messages_of(version)


def test_invalid_status_code_is_refused():
    version, _states = draft_flow()
    State.objects.filter(version=version, key="nhan").update(status_code=11)
    assert "Trạng thái “Đã tiếp nhận”: mã trạng thái quốc gia phải từ 1 đến 10." in messages_of(version)


def test_a_published_version_is_immutable_and_edits_go_to_a_new_version():
    version, _states = draft_flow()
    publish_version(None, version)
    state = State.objects.get(version=version, key="nhan")
    state.name = "Đổi tên"
    with pytest.raises(ValidationError):
        state.save()
    draft = new_version(None, version.flow)
    assert draft.number == 2 and not draft.is_published
    assert draft.states.count() == 3 and draft.actions.count() == 2
    assert draft.actions.get(key="xu_ly").from_state.version == draft


def test_demo_flows_load_idempotently():
    flow, created = load_flow(GENERIC)
    assert created
    again, created_again = load_flow(GENERIC)
    assert again == flow and not created_again
    assert flow.versions.count() == 1


def test_demo_flows_are_written_by_the_flow_actions_and_audited():
    flow, _published = load_flow(GENERIC)
    version = flow.published_version()
    trail = list(AuditEntry.objects.order_by("pk").values_list("action", "object_id"))
    assert trail == [
        ("workflows.create_flow", str(flow.pk)),
        ("workflows.edit_draft", str(version.pk)),
        ("workflows.publish", str(version.pk)),
    ]
    load_flow(GENERIC)
    assert AuditEntry.objects.count() == 3


def test_a_demo_flow_that_cannot_work_is_refused_and_nothing_is_saved():
    broken = dict(GENERIC, key="quy-trinh-hong", actions=GENERIC["actions"][:1])
    with pytest.raises(ValidationError):
        load_flow(broken)
    assert not Flow.objects.filter(key="quy-trinh-hong").exists()
    assert not AuditEntry.objects.exists()
