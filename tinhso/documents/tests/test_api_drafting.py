"""Drafting and the review route over /api/v1/documents/: the same actions and refusals."""

from tinhso import testing as factories
from tinhso.accounts.actions import issue_api_token
from tinhso.accounts.models import Role
from tinhso.documents.models import OutgoingDocument, ReviewStep


def bearer(user):
    token, _ = issue_api_token(user, "kiểm thử")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client, url, data, user):
    return client.post(url, data, content_type="application/json", **bearer(user))


def test_draft_route_review_over_the_api(client, agencies, pc_staff, dept_staff):
    pc = agencies["pc"]
    head = factories.make_officer(pc, "pc.head", Role.SPECIALIST, "Phạm Văn Trưởng")
    specialist = pc_staff["specialist"]
    names = [t["type_code"] for t in client.get("/api/v1/documents/templates", **bearer(specialist)).json()]
    assert {"cong_van", "quyet_dinh", "to_trinh", "bao_cao", "thong_bao", "ke_hoach", "giay_moi"} <= set(
        names
    )

    response = post(
        client,
        "/api/v1/documents/drafts",
        {
            "agency": pc.code,
            "type_code": "thong_bao",
            "subject": "Thông báo lịch trực Tết",
            "body": "Lịch trực như sau.",
            "signer": pc_staff["leader"].pk,
        },
        specialist,
    )
    assert response.status_code == 201, response.content
    draft = response.json()
    assert draft["review_state"] == "none" and [v["number"] for v in draft["versions"]] == [1]
    pk = draft["id"]

    bad = post(
        client,
        f"/api/v1/documents/drafts/{pk}/review-route",
        {"steps": [{"reviewer": specialist.pk}]},
        specialist,
    )
    assert bad.status_code == 422 and not ReviewStep.objects.exists()
    routed = post(
        client,
        f"/api/v1/documents/drafts/{pk}/review-route",
        {"steps": [{"reviewer": head.pk, "purpose": "Nội dung", "initials": True}]},
        specialist,
    ).json()
    assert routed["review_state"] == "open"
    step = routed["review"][0]["id"]

    waiting = client.get("/api/v1/documents/reviews/waiting", **bearer(head)).json()
    assert [item["subject"] for item in waiting] == ["Thông báo lịch trực Tết"]
    assert (
        post(
            client, f"/api/v1/documents/drafts/{pk}/reviews/{step}", {"approve": True}, specialist
        ).status_code
        == 404
    )
    assert (
        post(client, f"/api/v1/documents/drafts/{pk}/reviews/{step}", {"approve": False}, head).status_code
        == 422
    )
    decided = post(
        client, f"/api/v1/documents/drafts/{pk}/reviews/{step}", {"approve": True, "opinion": "Đồng ý"}, head
    )
    assert decided.status_code == 200 and decided.json()["initialled_at"]
    assert client.get(f"/api/v1/documents/drafts/{pk}", **bearer(head)).json()["review_state"] == "complete"

    other = dept_staff["specialist"]
    assert client.get(f"/api/v1/documents/drafts/{pk}", **bearer(other)).status_code == 404
    assert (
        post(
            client, f"/api/v1/documents/drafts/{pk}/versions", {"subject": "X", "body": "Y"}, other
        ).status_code
        == 404
    )
    refused = post(
        client,
        "/api/v1/documents/drafts",
        {"agency": pc.code, "type_code": "thong_bao", "subject": "S", "body": "B"},
        other,
    )
    assert refused.status_code == 404
    assert OutgoingDocument.objects.count() == 1
    again = post(
        client,
        f"/api/v1/documents/drafts/{pk}/versions",
        {"subject": "Thông báo lịch trực Tết 2027", "body": "Mới."},
        specialist,
    )
    assert again.status_code == 200 and again.json()["review_state"] == "changed"
