"""Per-document read access (Decree 30/2020/NĐ-CP Appendix VI: access rights per document): a
leader or the văn thư of the document's agency gives a named officer, or an agency, read access
to one document and withdraws it; the page, the file, search, the API detail and the shared list
honour it across agencies and roles; the refusals change nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tinhso import testing as factories
from tinhso.accounts.actions import issue_api_token
from tinhso.audit.models import AuditEntry
from tinhso.documents import actions, search
from tinhso.documents.models import AccessGrant, DocumentEvent
from tinhso.testing import minimal_pdf


@pytest.fixture
def incoming(agencies, dept_staff):
    return actions.register_paper(
        dept_staff["clerk"],
        agencies["dept"],
        sender_name="Bộ Nội vụ",
        subject="Về việc thẩm định đề án vị trí việc làm",
        upload=SimpleUploadedFile("de-an.pdf", minimal_pdf(), content_type="application/pdf"),
        accept_signature=True,
    )


@pytest.fixture
def unrelated(agencies, dept_staff):
    return actions.register_paper(
        dept_staff["clerk"], agencies["dept"], sender_name="Bộ Tài chính", subject="Về việc thẩm định dự toán"
    )


def reads(client, signed_in, user, document, auth) -> dict[str, bool]:
    signed_in(user)
    api = client.get(f"/api/v1/documents/incoming/{document.pk}", **auth(user))
    return {
        "page": client.get(reverse("documents:incoming", args=[document.pk])).status_code == 200,
        "file": client.get(reverse("documents:incoming_file", args=[document.pk])).status_code == 200,
        "api": api.status_code == 200,
        "search": document in search.search(user, "tham dinh")[1],
        "shared": document.pk
        in [item["id"] for item in client.get("/api/v1/documents/shared", **auth(user)).json()["incoming"]],
    }


@pytest.fixture
def auth():
    def bearer(user):
        token, _ = issue_api_token(user, "kiểm thử")
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return bearer


NOTHING = {"page": False, "file": False, "api": False, "search": False, "shared": False}
EVERYTHING = {"page": True, "file": True, "api": True, "search": True, "shared": True}


def test_a_named_officer_of_another_agency_reads_that_document_only_until_withdrawn(
    agencies, dept_staff, ward_staff, incoming, unrelated, signed_in, client, auth
):
    reader = ward_staff["specialist"]
    assert reads(client, signed_in, reader, incoming, auth) == NOTHING
    assert reads(client, signed_in, dept_staff["specialist"], incoming, auth) == NOTHING

    signed_in(dept_staff["leader"])
    page = client.get(reverse("documents:incoming", args=[incoming.pk])).content.decode()
    assert "Quyền đọc ngoài cơ quan" in page
    client.post(reverse("documents:grant", args=["den", incoming.pk]), {"username": reader.username})
    grant = AccessGrant.objects.get()
    assert (grant.incoming, grant.user, grant.granted_by) == (incoming, reader, dept_staff["leader"])
    assert DocumentEvent.objects.filter(
        incoming=incoming, kind="granted", note__contains="Lê Minh Chuyên"
    ).exists()
    assert AuditEntry.objects.filter(action="documents.grant_access").count() == 1

    assert reads(client, signed_in, reader, incoming, auth) == EVERYTHING
    assert reads(client, signed_in, reader, unrelated, auth) == NOTHING
    for other in (ward_staff["clerk"], ward_staff["leader"], dept_staff["specialist"]):
        assert reads(client, signed_in, other, incoming, auth) == NOTHING
    signed_in(reader)
    page = client.get(reverse("documents:incoming", args=[incoming.pk])).content.decode()
    assert "Quyền đọc ngoài cơ quan" not in page and "Giao xử lý" not in page

    signed_in(dept_staff["clerk"])
    client.post(reverse("documents:revoke_grant", args=["den", incoming.pk, grant.pk]))
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert reads(client, signed_in, reader, incoming, auth) == NOTHING
    assert DocumentEvent.objects.filter(incoming=incoming, kind="ungranted").count() == 1


def test_an_agency_granted_an_outgoing_document_reads_it_through_its_document_roles(
    agencies, pc_staff, ward_staff, client, signed_in
):
    document = actions.issue_document(
        pc_staff["clerk"],
        actions.create_draft(
            pc_staff["specialist"],
            agencies["pc"],
            type_code="ke_hoach",
            subject="Kế hoạch cải cách hành chính",
        ),
    )
    signed_in(ward_staff["clerk"])
    assert client.get(reverse("documents:outgoing", args=[document.pk])).status_code == 404
    grant = actions.grant_access(pc_staff["clerk"], document, agency=agencies["ward"])
    for user in ward_staff.values():
        signed_in(user)
        assert client.get(reverse("documents:outgoing", args=[document.pk])).status_code == 200
        assert search.search(user, "cai cach")[0] == [document]
    officer_without_document_role = factories.make_officer(agencies["ward"], "motcua.phuong")
    signed_in(officer_without_document_role)
    assert client.get(reverse("documents:outgoing", args=[document.pk])).status_code == 404
    actions.revoke_access(pc_staff["leader"], grant)
    signed_in(ward_staff["leader"])
    assert client.get(reverse("documents:outgoing", args=[document.pk])).status_code == 404


def test_refused_grants_change_nothing(agencies, dept_staff, ward_staff, incoming, signed_in, client):
    reader = ward_staff["specialist"]
    citizen = factories.make_citizen()
    events, entries = DocumentEvent.objects.count(), AuditEntry.objects.count()
    for actor in (dept_staff["specialist"], ward_staff["leader"], ward_staff["clerk"]):
        with pytest.raises(PermissionDenied):
            actions.grant_access(actor, incoming, user=reader)
    for kwargs, code in (
        ({}, "grantee"),
        ({"user": reader, "agency": agencies["ward"]}, "grantee"),
        ({"user": citizen}, "grantee"),
        ({"agency": agencies["dept"]}, "own_agency"),
    ):
        with pytest.raises(ValidationError) as refusal:
            actions.grant_access(dept_staff["leader"], incoming, **kwargs)
        assert refusal.value.code == code
    signed_in(dept_staff["specialist"])
    response = client.post(
        reverse("documents:grant", args=["den", incoming.pk]), {"username": reader.username}
    )
    assert response.status_code == 404
    signed_in(dept_staff["leader"])
    client.post(reverse("documents:grant", args=["den", incoming.pk]), {"username": "khong.ton.tai"})
    client.post(reverse("documents:grant", args=["xx", incoming.pk]), {"username": reader.username})
    assert not AccessGrant.objects.exists()
    assert (DocumentEvent.objects.count(), AuditEntry.objects.count()) == (events, entries)

    grant = actions.grant_access(dept_staff["leader"], incoming, user=reader)
    with pytest.raises(ValidationError) as refusal:
        actions.grant_access(dept_staff["clerk"], incoming, user=reader)
    assert refusal.value.code == "granted"
    with pytest.raises(PermissionDenied):
        actions.revoke_access(reader, grant)
    actions.revoke_access(dept_staff["leader"], grant)
    with pytest.raises(ValidationError) as refusal:
        actions.revoke_access(dept_staff["leader"], grant)
    assert refusal.value.code == "revoked"
    assert AccessGrant.objects.count() == 1


def test_the_api_gives_and_withdraws_access_and_a_co_ordinator_gives_an_opinion(
    agencies, dept_staff, ward_staff, incoming, client, auth
):
    reader = ward_staff["leader"]
    url = f"/api/v1/documents/incoming/{incoming.pk}/grants"
    refused = client.post(url, {"username": reader.username}, content_type="application/json", **auth(reader))
    assert refused.status_code == 404
    for body in ({"username": "khong.ton.tai"}, {"agency": "H99"}, {}):
        answer = client.post(url, body, content_type="application/json", **auth(dept_staff["clerk"]))
        assert answer.status_code == 422
    assert not AccessGrant.objects.exists()
    given = client.post(
        url, {"username": reader.username}, content_type="application/json", **auth(dept_staff["clerk"])
    )
    assert given.status_code == 200 and given.json()["username"] == reader.username
    assert client.get(f"/api/v1/documents/incoming/{incoming.pk}", **auth(reader)).status_code == 200
    again = client.post(
        url, {"username": reader.username}, content_type="application/json", **auth(dept_staff["leader"])
    )
    assert again.status_code == 422
    grant_id = given.json()["id"]
    assert client.post(f"/api/v1/documents/grants/{grant_id}/withdraw", **auth(reader)).status_code == 404
    withdrawn = client.post(f"/api/v1/documents/grants/{grant_id}/withdraw", **auth(dept_staff["leader"]))
    assert withdrawn.status_code == 200 and withdrawn.json()["revoked_at"]
    assert client.get(f"/api/v1/documents/incoming/{incoming.pk}", **auth(reader)).status_code == 404

    coordinator = factories.make_officer(agencies["dept"], "snv.phoihop", "specialist")
    actions.assign_incoming(
        dept_staff["leader"], incoming, dept_staff["specialist"], 5, coordinators=[coordinator]
    )
    opinion = f"/api/v1/documents/incoming/{incoming.pk}/opinion"
    body = {"opinion": "Thống nhất với dự thảo"}
    assert (
        client.post(
            opinion, body, content_type="application/json", **auth(dept_staff["specialist"])
        ).status_code
        == 403
    )
    given = client.post(opinion, body, content_type="application/json", **auth(coordinator))
    assert given.status_code == 200 and given.json()["opinion"] == "Thống nhất với dự thảo"
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/documents/incoming/{pk}/grants",
        "/api/v1/documents/outgoing/{pk}/grants",
        "/api/v1/documents/grants/{pk}/withdraw",
        "/api/v1/documents/incoming/{pk}/opinion",
        "/api/v1/documents/shared",
    } <= set(paths)
