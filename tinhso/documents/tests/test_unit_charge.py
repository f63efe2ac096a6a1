"""A unit in charge of an incoming document (Decree 30/2020/NĐ-CP Art. 24: the leader names the
unit or person in charge): the leader of the People's Committee puts a unit under it (here the
Department of Home Affairs) in charge; the unit's leader reads, handles or names a person of the
unit, who then reads and completes it; reminders go to the unit's leaders until someone is named;
pages and API follow; and the refusals, which change nothing."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tinhso import testing as factories
from tinhso.accounts.actions import issue_api_token
from tinhso.accounts.models import Role
from tinhso.accounts.permissions import can
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.audit.models import AuditEntry
from tinhso.documents import actions, handling, search
from tinhso.documents.allowed import incoming_actions
from tinhso.documents.models import DocumentEvent, HandlingReminder, IncomingDocument
from tinhso.documents.rules import in_hands_of
from tinhso.documents.waiting import waiting_counts

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
ASSIGNED_AT = datetime.datetime(2026, 3, 9, 10, 0, tzinfo=VN)  # a Monday, mid-morning


def bearer(user):
    token, _ = issue_api_token(user, "kiểm thử")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def document(agencies, pc_staff):
    return actions.register_paper(
        pc_staff["clerk"], agencies["pc"], sender_name="Bộ Nội vụ", subject="Về việc rà soát biên chế"
    )


def division(parent, code, name):
    return Agency.objects.create(
        code=code,
        name=name,
        kind=AgencyKind.DIVISION,
        parent=parent,
        unit=parent.unit,
        valid_from=factories.START,
    )


def in_hands(user):
    return list(IncomingDocument.objects.filter(in_hands_of(user)))


def test_the_unit_leader_reads_names_the_person_who_reads_and_completes(
    agencies, pc_staff, dept_staff, document
):
    unit = agencies["dept"]
    assigned = actions.assign_incoming(pc_staff["leader"], document, None, 5, unit=unit)
    assert (assigned.state, assigned.handler, assigned.handling_unit) == ("assigned", None, unit)
    status = DocumentEvent.objects.get(incoming=document, status_code="04")
    assert status.note == unit.name
    assert AuditEntry.objects.get(action="documents.assign").data["unit"] == "H20.10"

    leader, specialist = dept_staff["leader"], dept_staff["specialist"]
    assert can(leader, "documents.view_incoming", assigned) and in_hands(leader) == [assigned]
    assert search.search(leader, "ra soat bien che")[1] == [assigned]
    assert search.search(specialist, "ra soat bien che")[1] == []
    assert incoming_actions(leader, assigned) == ["name_handler", "complete"]
    for outsider in (specialist, dept_staff["clerk"], pc_staff["specialist"]):
        assert not can(outsider, "documents.view_incoming", assigned)
        assert incoming_actions(outsider, assigned) == []
    assert waiting_counts(leader)["handle"] == 1

    with pytest.raises(PermissionDenied):
        actions.name_handler(pc_staff["specialist"], assigned, specialist)
    with pytest.raises(ValidationError) as refusal:
        actions.name_handler(leader, assigned, pc_staff["specialist"])  # not of the unit
    assert refusal.value.code == "handler"
    assigned.refresh_from_db()
    assert assigned.handler is None and not DocumentEvent.objects.filter(status_code="05").exists()

    named = actions.name_handler(leader, assigned, specialist)
    assert named.handler == specialist and named.handling_unit == unit
    assert DocumentEvent.objects.get(incoming=document, status_code="05").note == specialist.full_name
    assert AuditEntry.objects.filter(action="documents.name_handler").count() == 1
    assert can(specialist, "documents.view_incoming", named) and in_hands(specialist) == [named]
    assert search.search(specialist, "ra soat bien che")[1] == [named]
    assert search.search(dept_staff["clerk"], "ra soat bien che")[1] == []
    assert incoming_actions(specialist, named) == ["complete"]
    assert waiting_counts(leader)["handle"] == 0 and waiting_counts(specialist)["handle"] == 1
    actions.complete_incoming(specialist, named)
    named.refresh_from_db()
    assert named.state == "done"


def test_a_unit_of_another_agency_without_a_leader_or_with_a_person_is_refused(
    agencies, pc_staff, dept_staff, document
):
    leader = pc_staff["leader"]
    dept_division = division(agencies["dept"], "H20.10.01", "Phòng Tổ chức biên chế")
    empty = division(agencies["pc"], "H20.01.09", "Phòng Hành chính tổ chức")
    for handler, unit, code in (
        (None, dept_division, "unit"),  # a unit of another agency
        (None, empty, "unit"),  # no leader
        (None, agencies["ward"], "unit"),
        (pc_staff["specialist"], agencies["dept"], "handler"),  # both
        (None, None, "handler"),  # neither
    ):
        with pytest.raises(ValidationError) as refusal:
            actions.assign_incoming(leader, document, handler, 5, unit=unit)
        assert refusal.value.code == code, unit
    with pytest.raises(PermissionDenied):
        actions.assign_incoming(dept_staff["leader"], document, None, 5, unit=agencies["dept"])
    ended = division(agencies["pc"], "H20.01.08", "Phòng đã giải thể")
    factories.make_officer(ended, "ended.leader", Role.LEADER)
    ended.valid_to = datetime.date(2026, 1, 1)
    ended.save()
    with pytest.raises(ValidationError):
        actions.assign_incoming(leader, document, None, 5, unit=ended)
    document.refresh_from_db()
    assert (document.state, document.handler, document.handling_unit) == ("registered", None, None)
    assert not AuditEntry.objects.filter(action="documents.assign").exists()
    assert not DocumentEvent.objects.filter(status_code="04").exists()
    # A document assigned to a person has no unit whose leader names someone.
    assigned = actions.assign_incoming(leader, document, pc_staff["specialist"], 5)
    with pytest.raises(PermissionDenied):
        actions.name_handler(dept_staff["leader"], assigned, dept_staff["specialist"])


def test_reminders_go_to_the_unit_leaders_until_someone_is_named(agencies, pc_staff, dept_staff, document):
    second = factories.make_officer(agencies["dept"], "snv.leader2", Role.LEADER, "Phạm Phó Giám Đốc")
    actions.assign_incoming(pc_staff["leader"], document, None, 1, at=ASSIGNED_AT, unit=agencies["dept"])
    document.refresh_from_db()
    overdue = document.handling_due_at + datetime.timedelta(hours=1)
    assert actions.remind_handlers(now=overdue) == 2
    assert actions.remind_handlers(now=overdue) == 0
    leader = dept_staff["leader"]
    assert {reminder.user for reminder in HandlingReminder.objects.all()} == {leader, second}
    assert [reminder.incoming for reminder in handling.reminders_for(leader)] == [document]
    actions.name_handler(leader, document, dept_staff["specialist"])
    assert actions.remind_handlers(now=overdue) == 1
    assert list(handling.reminders_for(leader)) == []
    assert [r.incoming for r in handling.reminders_for(dept_staff["specialist"])] == [document]


def test_the_pages_assign_a_unit_and_its_leader_names_the_person(
    agencies, pc_staff, dept_staff, document, signed_in, client
):
    signed_in(pc_staff["leader"])
    page = client.get(reverse("documents:incoming", args=[document.pk])).content.decode()
    assert "Đơn vị chủ trì" not in page and agencies["dept"].name in page
    both = client.post(
        reverse("documents:assign", args=[document.pk]),
        {"handler": pc_staff["specialist"].pk, "unit": agencies["dept"].pk, "working_days": 5},
        follow=True,
    )
    assert "Chọn một người hoặc một đơn vị chủ trì xử lý." in both.content.decode()
    document.refresh_from_db()
    assert document.state == "registered"  # both: refused by the form
    client.post(
        reverse("documents:assign", args=[document.pk]), {"unit": agencies["dept"].pk, "working_days": 5}
    )
    document.refresh_from_db()
    assert (document.state, document.handling_unit) == ("assigned", agencies["dept"])

    signed_in(dept_staff["specialist"])
    assert client.get(reverse("documents:incoming", args=[document.pk])).status_code == 404
    name_url = reverse("documents:name_handler", args=[document.pk])
    assert client.post(name_url, {"handler": dept_staff["specialist"].pk}).status_code == 404
    signed_in(dept_staff["leader"])
    listed = client.get(reverse("documents:incoming_list")).content.decode()
    assert "Về việc rà soát biên chế" in listed
    page = client.get(reverse("documents:incoming", args=[document.pk])).content.decode()
    assert "Đơn vị chủ trì xử lý" in page and "Giao người chủ trì xử lý" in page
    client.post(name_url, {"handler": pc_staff["specialist"].pk})  # not of the unit: not offered
    document.refresh_from_db()
    assert document.handler is None
    client.post(name_url, {"handler": dept_staff["specialist"].pk})
    document.refresh_from_db()
    assert document.handler == dept_staff["specialist"]
    signed_in(dept_staff["specialist"])
    assert "Về việc rà soát biên chế" in client.get(reverse("documents:incoming_list")).content.decode()
    assert client.get(reverse("documents:incoming", args=[document.pk])).status_code == 200


def test_the_api_assigns_a_unit_and_names_the_person(agencies, pc_staff, dept_staff, document, client):
    url = f"/api/v1/documents/incoming/{document.pk}/assign"
    leader = bearer(pc_staff["leader"])
    for payload in (
        {"unit": "H99.99", "working_days": 5},
        {"unit": "H20.10", "handler": "pc.specialist", "working_days": 5},
        {"working_days": 5},
        {"unit": "H20.10", "working_days": 10**20},
        {"unit": "H20.10", "working_days": 5, "coordinators": ["nobody"]},
    ):
        response = client.post(url, payload, content_type="application/json", **leader)
        assert response.status_code == 422, payload
    refused = client.post(
        url,
        {"unit": "H20.10", "working_days": 5},
        content_type="application/json",
        **bearer(dept_staff["leader"]),
    )
    assert refused.status_code == 404  # the unit's leader does not read it before it is assigned
    document.refresh_from_db()
    assert document.state == "registered"

    response = client.post(
        url, {"unit": "H20.10", "working_days": 5}, content_type="application/json", **leader
    )
    assert response.status_code == 200
    assert (response.json()["handling_unit"], response.json()["handler"]) == ("H20.10", None)
    unit_leader = bearer(dept_staff["leader"])
    listed = client.get("/api/v1/documents/incoming", **unit_leader).json()
    assert [item["id"] for item in listed["items"]] == [document.pk]
    detail = client.get(f"/api/v1/documents/incoming/{document.pk}", **unit_leader).json()
    assert detail["allowed"] == ["name_handler", "complete"]

    name_url = f"/api/v1/documents/incoming/{document.pk}/name-handler"
    assert (
        client.post(
            name_url, {"handler": "snv.specialist"}, content_type="application/json", **leader
        ).status_code
        == 403
    )
    for name in ("pc.specialist", "nobody", "snv\x00"):
        response = client.post(name_url, {"handler": name}, content_type="application/json", **unit_leader)
        assert response.status_code in (400, 422), name
    document.refresh_from_db()
    assert document.handler is None
    named = client.post(
        name_url, {"handler": "snv.specialist"}, content_type="application/json", **unit_leader
    )
    assert (named.status_code, named.json()["handler"]) == (200, "snv.specialist")
    mine = client.get("/api/v1/documents/incoming", **bearer(dept_staff["specialist"])).json()
    assert [item["id"] for item in mine["items"]] == [document.pk]
    assert client.get("/api/v1/documents/incoming", **bearer(dept_staff["clerk"])).json()["count"] == 0
