"""The documents API: registers, details with timelines, registering an arrived document, the
per-recipient status, the OpenAPI document, and the refusals across agencies and roles."""

import pytest

from tinhso.accounts.actions import issue_api_token
from tinhso.documents import actions, exchange
from tinhso.documents.models import Delivery, IncomingDocument


@pytest.fixture
def bearer():
    def as_user(user):
        token, _ = issue_api_token(user, "kiểm thử")
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return as_user


@pytest.fixture
def sent(agencies, pc_staff, dept_staff, django_capture_on_commit_callbacks):
    clerk = pc_staff["clerk"]
    document = actions.issue_document(
        clerk,
        actions.create_draft(
            clerk, agencies["pc"], type_code="ke_hoach", subject="Kế hoạch chuyển đổi số 2027"
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = actions.send_document(clerk, document, [agencies["dept"]])
    return Delivery.objects.get(pk=delivery.pk)


def test_the_clerk_lists_reads_and_registers_an_arrived_document(
    client, bearer, dept_staff, sent, django_capture_on_commit_callbacks
):
    headers = bearer(dept_staff["clerk"])
    listed = client.get("/api/v1/documents/incoming", **headers).json()
    assert listed["count"] == 1
    item = listed["items"][0]
    assert (item["reference"], item["state"], item["agency"]) == ("01/KH-UBND", "pending", "H20.10")
    detail = client.get(f"/api/v1/documents/incoming/{item['id']}", **headers).json()
    assert [(event["kind"], event["status_code"]) for event in detail["timeline"]] == [
        ("received", ""),
        ("status", "01"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/documents/incoming/{item['id']}/register",
            {"subject": "Kế hoạch chuyển đổi số năm 2027"},
            content_type="application/json",
            **headers,
        )
    assert response.status_code == 200
    assert (response.json()["arrival_number"], response.json()["subject"]) == (
        1,
        "Kế hoạch chuyển đổi số năm 2027",
    )
    again = client.post(
        f"/api/v1/documents/incoming/{item['id']}/register", {}, content_type="application/json", **headers
    )
    assert again.status_code == 422 and again.json()["error"]["code"] == "invalid"
    pending = client.get("/api/v1/documents/incoming", {"state": "pending"}, **headers).json()
    assert pending["count"] == 0


def test_the_sender_reads_the_status_per_recipient(client, bearer, pc_staff, dept_staff, sent):
    actions.register_incoming(dept_staff["clerk"], sent.incoming)
    exchange.deliver_due()  # the "03" package queued by the registration
    headers = bearer(pc_staff["clerk"])
    status = client.get(f"/api/v1/documents/outgoing/{sent.document_id}/status", **headers).json()
    assert status[0]["recipient"] == "H20.10"
    assert (status[0]["transport"], status[0]["business_status"]) == ("delivered", "03")
    assert [event["status_code"] for event in status[0]["timeline"] if event["kind"] == "status"] == [
        "01",
        "03",
    ]
    listed = client.get("/api/v1/documents/outgoing", **headers).json()
    assert listed["items"][0]["reference"] == "01/KH-UBND"
    detail = client.get(f"/api/v1/documents/outgoing/{sent.document_id}", **headers).json()
    assert detail["recipients"][0]["business_status"] == "03"


def test_other_agencies_and_roles_get_nothing(client, bearer, pc_staff, dept_staff, ward_staff, sent):
    incoming = sent.incoming
    for user in (ward_staff["clerk"], pc_staff["clerk"], dept_staff["specialist"]):
        headers = bearer(user)
        assert client.get(f"/api/v1/documents/incoming/{incoming.pk}", **headers).status_code == 404
        response = client.post(
            f"/api/v1/documents/incoming/{incoming.pk}/register",
            {},
            content_type="application/json",
            **headers,
        )
        assert response.status_code == 404
    leader = bearer(dept_staff["leader"])
    refused = client.post(
        f"/api/v1/documents/incoming/{incoming.pk}/register", {}, content_type="application/json", **leader
    )
    assert refused.status_code == 403
    for user in (dept_staff["clerk"], ward_staff["leader"]):
        assert (
            client.get(f"/api/v1/documents/outgoing/{sent.document_id}/status", **bearer(user)).status_code
            == 404
        )
    ward = bearer(ward_staff["clerk"])
    assert client.get("/api/v1/documents/incoming", {"agency": "H20.10"}, **ward).status_code == 403
    assert client.get("/api/v1/documents/incoming", **ward).json()["count"] == 0
    assert client.get("/api/v1/documents/incoming").status_code == 401
    assert IncomingDocument.objects.get().state == "pending"


@pytest.mark.django_db
def test_the_openapi_document_has_the_documents_paths_with_their_errors(client):
    spec = client.get("/api/v1/openapi.json").json()
    register = spec["paths"]["/api/v1/documents/incoming/{pk}/register"]["post"]
    assert {"401", "403", "404", "422"} <= set(register["responses"])
    for path in (
        "/api/v1/documents/incoming",
        "/api/v1/documents/outgoing",
        "/api/v1/documents/outgoing/{pk}",
        "/api/v1/documents/outgoing/{pk}/status",
    ):
        assert path in spec["paths"]
    for name in ("IncomingDocumentOut", "OutgoingDocumentDetailOut", "DocumentRecipientStatusOut"):
        assert name in spec["components"]["schemas"]
