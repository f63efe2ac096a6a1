"""The leader's assignment over the API (Decree 30/2020 Art. 24): the person in charge, the
co-ordinators and the handling deadline, through the same action as the page; and the refusals,
which change nothing."""

import pytest

from tinhso import testing as factories
from tinhso.accounts.actions import issue_api_token
from tinhso.accounts.models import Role
from tinhso.audit.models import AuditEntry
from tinhso.documents import actions
from tinhso.documents.models import Coordinator, IncomingDocument

URL = "/api/v1/documents/incoming/{}/assign"


def bearer(user):
    token, _ = issue_api_token(user, "kiểm thử")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def registered(agencies, dept_staff):
    return actions.register_paper(
        dept_staff["clerk"], agencies["dept"], sender_name="Bộ Nội vụ", subject="Về việc rà soát biên chế"
    )


@pytest.fixture
def second(agencies):
    return factories.make_officer(agencies["dept"], "snv.specialist2", Role.SPECIALIST, "Võ Thị Phối")


def test_the_leader_assigns_the_person_in_charge_co_ordinators_and_deadline(
    client, dept_staff, registered, second
):
    response = client.post(
        URL.format(registered.pk),
        {"handler": "snv.specialist", "coordinators": ["snv.specialist2"], "working_days": 5},
        content_type="application/json",
        **bearer(dept_staff["leader"]),
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["state"], body["handler"], body["coordinators"]) == (
        "assigned",
        "snv.specialist",
        ["snv.specialist2"],
    )
    assert body["handling_due_at"] is not None and "assign" in body["allowed"]
    registered.refresh_from_db()
    assert registered.handler == dept_staff["specialist"]
    assert AuditEntry.objects.filter(action="documents.assign").count() == 1

    # The co-ordinator now reads it and may give an opinion; the person in charge completes it.
    mine = client.get(f"/api/v1/documents/incoming/{registered.pk}", **bearer(second)).json()
    assert mine["allowed"] == ["give_opinion"]
    # Assigned again without co-ordinators: replaced.
    again = client.post(
        URL.format(registered.pk),
        {"handler": "snv.specialist2", "working_days": 2},
        content_type="application/json",
        **bearer(dept_staff["leader"]),
    )
    assert again.status_code == 200 and again.json()["coordinators"] == []
    assert not Coordinator.objects.exists()


@pytest.mark.parametrize(
    ("who", "payload", "status"),
    [
        ("specialist", {"handler": "snv.specialist", "working_days": 5}, 404),  # may not read it
        ("clerk", {"handler": "snv.specialist", "working_days": 5}, 403),
        ("leader", {"handler": "nobody", "working_days": 5}, 422),
        ("leader", {"handler": "snv.specialist", "coordinators": ["nobody"], "working_days": 5}, 422),
        ("leader", {"handler": "snv.specialist", "coordinators": ["snv.specialist"], "working_days": 5}, 422),
        ("leader", {"handler": "snv.specialist", "coordinators": ["pc.specialist"], "working_days": 5}, 422),
        ("leader", {"handler": "pc.specialist", "working_days": 5}, 422),
        ("leader", {"handler": "snv.specialist", "working_days": 0}, 422),
        ("leader", {"handler": "snv.specialist", "working_days": 61}, 422),
        ("leader", {"handler": "snv.specialist"}, 422),
    ],
)
def test_refused_assignments_change_nothing(client, dept_staff, pc_staff, registered, who, payload, status):
    response = client.post(
        URL.format(registered.pk), payload, content_type="application/json", **bearer(dept_staff[who])
    )
    assert response.status_code == status
    registered.refresh_from_db()
    assert (registered.state, registered.handler, registered.handling_due_at) == ("registered", None, None)
    assert not Coordinator.objects.exists()
    assert not AuditEntry.objects.filter(action="documents.assign").exists()


def test_a_document_not_registered_or_of_another_agency_is_not_assigned(
    client, agencies, dept_staff, ward_staff, registered
):
    returned = IncomingDocument.objects.create(
        agency=agencies["dept"],
        source="paper",
        sender_name="Bộ Nội vụ",
        subject="Chưa vào sổ",
        arrived_at=registered.arrived_at,
    )
    payload = {"handler": "snv.specialist", "working_days": 5}
    refused = client.post(
        URL.format(returned.pk), payload, content_type="application/json", **bearer(dept_staff["leader"])
    )
    assert refused.status_code == 422
    hidden = client.post(
        URL.format(registered.pk), payload, content_type="application/json", **bearer(ward_staff["leader"])
    )
    assert hidden.status_code == 404
    assert client.post(URL.format(registered.pk), payload, content_type="application/json").status_code == 401
    assert IncomingDocument.objects.filter(state="assigned").count() == 0


@pytest.mark.django_db
def test_the_openapi_document_has_the_assignment(client):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/documents/incoming/{pk}/assign"]["post"]
    assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])
    assert "allowed" in spec["components"]["schemas"]["OutgoingDocumentDetailOut"]["properties"]


@pytest.fixture
def issued(agencies, pc_staff):
    clerk = pc_staff["clerk"]
    return actions.issue_document(
        clerk, actions.create_draft(clerk, agencies["pc"], type_code="ke_hoach", subject="Kế hoạch năm 2027")
    )


def test_the_clerk_sends_the_recipient_returns_or_completes_over_the_api(
    client, agencies, pc_staff, dept_staff, ward_staff, issued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/api/v1/documents/outgoing/{issued.pk}/send",
            {"recipients": ["H20.10", agencies["ward"].code]},
            content_type="application/json",
            **bearer(pc_staff["clerk"]),
        )
    assert sent.status_code == 200
    assert sorted(item["recipient"] for item in sent.json()["recipients"]) == sorted(
        ["H20.10", agencies["ward"].code]
    )
    department = IncomingDocument.objects.get(agency=agencies["dept"])
    ward = IncomingDocument.objects.get(agency=agencies["ward"])

    with django_capture_on_commit_callbacks(execute=True):
        returned = client.post(
            f"/api/v1/documents/incoming/{ward.pk}/refuse",
            {"reason": "Gửi nhầm đơn vị"},
            content_type="application/json",
            **bearer(ward_staff["clerk"]),
        )
    assert returned.status_code == 200 and returned.json()["state"] == "refused"

    actions.register_incoming(dept_staff["clerk"], department, accept_signature=True)
    actions.assign_incoming(dept_staff["leader"], department, dept_staff["specialist"], 5)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            f"/api/v1/documents/incoming/{department.pk}/complete",
            {"note": "Đã triển khai"},
            content_type="application/json",
            **bearer(dept_staff["specialist"]),
        )
    assert done.status_code == 200 and done.json()["state"] == "done"
    statuses = {
        delivery.recipient.code: delivery.business_status
        for delivery in issued.deliveries.select_related("recipient")
    }
    assert statuses == {"H20.10": "06", agencies["ward"].code: "02"}


def test_refused_sends_returns_and_completions_change_nothing(
    client, agencies, pc_staff, dept_staff, issued, registered
):
    url = f"/api/v1/documents/outgoing/{issued.pk}/send"
    clerk = bearer(pc_staff["clerk"])
    for payload in (
        {"recipients": []},
        {"recipients": ["H99.99"]},
        {"recipients": ["H20.10", "H20.10"]},
        {"recipients": [agencies["pc"].code]},
        {"outside": ["000.00.00.G99"]},
    ):
        assert client.post(url, payload, content_type="application/json", **clerk).status_code == 422, payload
    leader = bearer(pc_staff["leader"])
    assert (
        client.post(url, {"recipients": ["H20.10"]}, content_type="application/json", **leader).status_code
        == 403
    )
    assert not issued.deliveries.exists()

    paper = f"/api/v1/documents/incoming/{registered.pk}"
    dept_clerk = bearer(dept_staff["clerk"])
    assert (
        client.post(
            f"{paper}/refuse", {"reason": "Sai"}, content_type="application/json", **dept_clerk
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"{paper}/refuse", {"reason": ""}, content_type="application/json", **dept_clerk
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"{paper}/complete", {}, content_type="application/json", **bearer(dept_staff["leader"])
        ).status_code
        == 422
    )
    registered.refresh_from_db()
    assert registered.state == "registered"
    assert not AuditEntry.objects.filter(
        action__in=["documents.send", "documents.refuse", "documents.complete"]
    ).exists()
