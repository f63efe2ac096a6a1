"""Linking a document to a one-stop dossier (by its code) or to another document (by its number
and symbol), shown on both sides to those who may read the other side; the refusals write
nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tinhso import testing as factories
from tinhso.accounts.actions import issue_api_token
from tinhso.accounts.models import Role
from tinhso.audit.models import AuditEntry
from tinhso.documents import actions
from tinhso.documents.models import DocumentEvent, DocumentLink

CODE = "H20.201.01-260105-0001"


def bearer(user):
    token, _ = issue_api_token(user, "kiểm thử")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def dossier(agencies):
    return factories.make_dossier(factories.make_procedure(), agencies["ward"], code=CODE)


@pytest.fixture
def ward_incoming(agencies, ward_staff):
    return actions.register_paper(
        ward_staff["clerk"],
        agencies["ward"],
        sender_name="Sở Xây dựng",
        subject="Về việc góp ý hồ sơ cấp giấy phép xây dựng",
        code_number="88",
        code_notation="SXD-QLXD",
    )


def test_a_document_linked_to_a_dossier_and_another_document_shows_on_every_side(
    agencies, ward_staff, dossier, ward_incoming, signed_in, client
):
    clerk = ward_staff["clerk"]
    answer = actions.issue_document(
        clerk,
        actions.create_draft(
            clerk, agencies["ward"], type_code="cong_van", unit_symbol="VP", subject="Trả lời"
        ),
    )
    signed_in(clerk)
    client.post(reverse("documents:link", args=["den", ward_incoming.pk]), {"dossier_code": CODE})
    client.post(reverse("documents:link", args=["di", answer.pk]), {"reference": "88/SXD-QLXD"})
    assert DocumentLink.objects.count() == 2
    assert DocumentEvent.objects.filter(kind="linked").count() == 2
    assert AuditEntry.objects.filter(action="documents.link").count() == 2

    page = client.get(reverse("documents:incoming", args=[ward_incoming.pk])).content.decode()
    assert CODE in page and reverse("motcua:dossier", args=[dossier.pk]) in page
    assert reverse("documents:outgoing", args=[answer.pk]) in page, "linked from the answer"
    page = client.get(reverse("documents:outgoing", args=[answer.pk])).content.decode()
    assert "88/SXD-QLXD — Về việc góp ý hồ sơ cấp giấy phép xây dựng" in page
    page = client.get(reverse("motcua:dossier", args=[dossier.pk])).content.decode()
    assert "Văn bản điều hành liên kết" in page and "Về việc góp ý hồ sơ cấp giấy phép xây dựng" in page

    # A one-stop officer of the ward sees the dossier but not the document: no link shown.
    signed_in(factories.make_officer(agencies["ward"], "motcua.phuong"))
    page = client.get(reverse("motcua:dossier", args=[dossier.pk])).content.decode()
    assert "Văn bản điều hành liên kết" not in page


def test_refused_links_write_nothing(
    agencies, dept_staff, ward_staff, dossier, ward_incoming, signed_in, client
):
    department_document = actions.register_paper(
        dept_staff["clerk"], agencies["dept"], sender_name="Bộ Xây dựng", subject="Hướng dẫn"
    )
    with pytest.raises(PermissionDenied):
        actions.link_document(dept_staff["clerk"], department_document, dossier)
    with pytest.raises(PermissionDenied):
        actions.link_document(dept_staff["clerk"], ward_incoming, dossier)
    with pytest.raises(PermissionDenied):
        actions.link_document(ward_staff["clerk"], ward_incoming, department_document)
    with pytest.raises(ValidationError) as refusal:
        actions.link_document(ward_staff["clerk"], ward_incoming, ward_incoming)
    assert refusal.value.code == "self"
    signed_in(ward_staff["clerk"])
    for data in ({"dossier_code": "H20.000-000000-0000"}, {"reference": "1/KHONG-CO"}, {}):
        client.post(reverse("documents:link", args=["den", ward_incoming.pk]), data)
    signed_in(dept_staff["clerk"])
    response = client.post(reverse("documents:link", args=["den", ward_incoming.pk]), {"dossier_code": CODE})
    assert response.status_code == 404
    client.post(reverse("documents:link", args=["den", department_document.pk]), {"dossier_code": CODE})
    assert not DocumentLink.objects.exists() and not DocumentEvent.objects.filter(kind="linked").exists()

    actions.link_document(ward_staff["clerk"], ward_incoming, dossier)
    with pytest.raises(ValidationError) as refusal:
        actions.link_document(ward_staff["leader"], ward_incoming, dossier)
    assert refusal.value.code == "linked"
    assert DocumentLink.objects.count() == 1


def test_the_person_in_charge_links_a_reply_to_their_task_and_takes_a_link_back(
    agencies, ward_staff, dossier, ward_incoming, signed_in, client
):
    """The task is the leader's assignment of an incoming document: its person in charge picks
    it among their tasks; the link shows it as a task with its deadline on both sides."""
    leader, specialist = ward_staff["leader"], ward_staff["specialist"]
    actions.assign_incoming(leader, ward_incoming, specialist, 5)
    reply = actions.create_draft(
        specialist, agencies["ward"], type_code="cong_van", unit_symbol="VP", subject="Trả lời"
    )
    signed_in(specialist)
    page = client.get(reverse("documents:outgoing", args=[reply.pk])).content.decode()
    assert "Hoặc một công việc của bạn" in page and "88/SXD-QLXD — Về việc góp ý" in page
    client.post(reverse("documents:link", args=["di", reply.pk]), {"task": ward_incoming.pk})
    link = DocumentLink.objects.get()
    assert (link.outgoing, link.linked_incoming) == (reply, ward_incoming)
    page = client.get(reverse("documents:outgoing", args=[reply.pk])).content.decode()
    assert "Công việc" in page and "Lê Minh Chuyên" in page
    page = client.get(reverse("documents:incoming", args=[ward_incoming.pk])).content.decode()
    assert reverse("documents:outgoing", args=[reply.pk]) in page
    unlink = reverse("documents:unlink", args=["den", ward_incoming.pk, link.pk])
    assert unlink in page, "the person who linked takes it back from either side"

    client.post(unlink)
    assert not DocumentLink.objects.exists()
    event = DocumentEvent.objects.get(kind="unlinked")
    assert event.outgoing == reply and event.note == "88/SXD-QLXD"
    assert AuditEntry.objects.filter(action="documents.unlink").count() == 1


def test_refused_unlinks_change_nothing(agencies, ward_staff, dossier, ward_incoming, signed_in, client):
    clerk, specialist = ward_staff["clerk"], ward_staff["specialist"]
    link = actions.link_document(clerk, ward_incoming, dossier)
    other = factories.make_officer(agencies["ward"], "mytho.specialist2", Role.SPECIALIST, "Võ Thị Phối")
    actions.grant_access(clerk, ward_incoming, user=other)
    with pytest.raises(PermissionDenied):  # reads the document but did not make the link
        actions.unlink_document(other, link)
    with pytest.raises(PermissionDenied):  # does not read the document
        actions.unlink_document(specialist, link)
    signed_in(other)
    page = client.get(reverse("documents:incoming", args=[ward_incoming.pk])).content.decode()
    unlink = reverse("documents:unlink", args=["den", ward_incoming.pk, link.pk])
    assert CODE in page and unlink not in page
    client.post(unlink)
    signed_in(specialist)
    assert client.post(unlink).status_code == 404
    assert DocumentLink.objects.count() == 1 and not DocumentEvent.objects.filter(kind="unlinked").exists()

    actions.unlink_document(ward_staff["leader"], link)  # a leader of the agency takes back any link
    with pytest.raises(ValidationError) as refusal:
        actions.unlink_document(clerk, link)
    assert refusal.value.code == "unlinked"
    assert DocumentEvent.objects.filter(kind="unlinked").count() == 1


def test_the_api_links_to_a_dossier_and_a_task_and_removes_a_link(
    agencies, ward_staff, dossier, ward_incoming, client
):
    leader, specialist = ward_staff["leader"], ward_staff["specialist"]
    actions.assign_incoming(leader, ward_incoming, specialist, 5)
    reply = actions.create_draft(
        specialist, agencies["ward"], type_code="cong_van", unit_symbol="VP", subject="Trả lời"
    )
    headers = bearer(specialist)
    url = f"/api/v1/documents/outgoing/{reply.pk}/links"
    answer = client.post(url, {"task": ward_incoming.pk}, content_type="application/json", **headers)
    assert answer.status_code == 200
    (item,) = answer.json()
    assert (item["kind"], item["target_id"], item["may_unlink"]) == ("task", ward_incoming.pk, True)
    detail = client.get(f"/api/v1/documents/incoming/{ward_incoming.pk}", **headers).json()
    assert [link["kind"] for link in detail["links"]] == ["outgoing"]

    removed = client.post(f"/api/v1/documents/links/{item['id']}/remove", **headers)
    assert removed.status_code == 204 and not DocumentLink.objects.exists()
    assert DocumentEvent.objects.filter(kind="unlinked", outgoing=reply).count() == 1

    clerk = bearer(ward_staff["clerk"])
    answer = client.post(
        f"/api/v1/documents/incoming/{ward_incoming.pk}/links",
        {"dossier_code": CODE},
        content_type="application/json",
        **clerk,
    )
    assert answer.status_code == 200 and answer.json()[0]["kind"] == "dossier"


def test_refused_api_links_change_nothing(agencies, dept_staff, ward_staff, dossier, ward_incoming, client):
    clerk, specialist = ward_staff["clerk"], ward_staff["specialist"]
    reply = actions.create_draft(
        specialist, agencies["ward"], type_code="cong_van", unit_symbol="VP", subject="Trả lời"
    )
    url = f"/api/v1/documents/outgoing/{reply.pk}/links"
    headers = bearer(specialist)
    for payload in (
        {},
        {"dossier_code": CODE, "reference": "88/SXD-QLXD"},
        {"task": ward_incoming.pk},  # registered, not assigned to them: not their task
        {"reference": "1/KHONG-CO"},
        {"dossier_code": "H20.000-000000-0000"},
    ):
        response = client.post(url, payload, content_type="application/json", **headers)
        assert response.status_code == 422, payload
    outsider = bearer(dept_staff["clerk"])
    assert (
        client.post(url, {"dossier_code": CODE}, content_type="application/json", **outsider).status_code
        == 404
    )
    link = actions.link_document(clerk, ward_incoming, dossier)
    assert client.post(f"/api/v1/documents/links/{link.pk}/remove", **outsider).status_code == 404
    other = factories.make_officer(agencies["ward"], "mytho.specialist2", Role.SPECIALIST, "Võ Thị Phối")
    actions.grant_access(clerk, ward_incoming, user=other)
    assert client.post(f"/api/v1/documents/links/{link.pk}/remove", **bearer(other)).status_code == 403
    assert DocumentLink.objects.count() == 1
    assert not DocumentEvent.objects.filter(kind="unlinked").exists()
    assert DocumentEvent.objects.filter(kind="linked").count() == 1


@pytest.mark.django_db
def test_the_openapi_document_has_the_links(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/documents/incoming/{pk}/links",
        "/api/v1/documents/outgoing/{pk}/links",
        "/api/v1/documents/links/{pk}/remove",
    ):
        assert {"401", "403", "404", "422"} <= set(paths[path]["post"]["responses"])
