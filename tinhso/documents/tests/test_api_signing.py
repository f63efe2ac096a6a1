"""The leader's batch signature and the search over the API."""

import pytest

from tinhso.accounts.actions import issue_api_token
from tinhso.documents import actions
from tinhso.documents.models import OutgoingDocument
from tinhso.signing import actions as signing_actions


def bearer(user):
    token, _ = issue_api_token(user, "kiểm thử")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def drafts(agencies, pc_staff, dept_staff):
    signing_actions.issue_agency_certificate(None, agencies["pc"])
    ours = [
        actions.create_draft(
            pc_staff["specialist"], agencies["pc"], type_code="thong_bao", subject=f"Thông báo lịch trực {n}"
        )
        for n in (1, 2)
    ]
    theirs = actions.create_draft(
        dept_staff["specialist"], agencies["dept"], type_code="thong_bao", subject="Lịch trực Sở"
    )
    return ours, theirs


def test_the_leader_signs_a_batch_and_another_agencys_draft_is_not_found(client, pc_staff, drafts):
    ours, theirs = drafts
    response = client.post(
        "/api/v1/documents/sign",
        {"ids": [ours[0].pk, theirs.pk, ours[1].pk]},
        content_type="application/json",
        **bearer(pc_staff["leader"]),
    )
    assert response.status_code == 200
    assert response.json() == {
        "signed": [ours[0].pk, ours[1].pk],
        "failed": [{"id": theirs.pk, "reason": "not found"}],
    }
    assert not OutgoingDocument.objects.get(pk=theirs.pk).signed_at


def test_a_clerk_cannot_sign_and_the_search_is_accent_insensitive(client, pc_staff, dept_staff, drafts):
    ours, _theirs = drafts
    response = client.post(
        "/api/v1/documents/sign",
        {"ids": [ours[0].pk]},
        content_type="application/json",
        **bearer(pc_staff["clerk"]),
    )
    assert response.json()["signed"] == [] and response.json()["failed"][0]["id"] == ours[0].pk
    found = client.get("/api/v1/documents/search", {"q": "lich truc"}, **bearer(pc_staff["clerk"])).json()
    assert sorted(item["id"] for item in found["outgoing"]) == sorted(d.pk for d in ours)
    other = client.get(
        "/api/v1/documents/search", {"q": "lich truc"}, **bearer(dept_staff["specialist"])
    ).json()
    assert [item["subject"] for item in other["outgoing"]] == ["Lịch trực Sở"]
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/documents/sign" in spec["paths"] and "/api/v1/documents/search" in spec["paths"]
