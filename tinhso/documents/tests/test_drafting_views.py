"""The drafting and review pages: a draft from a template's form, a new version, the route sent,
the reviewer's inbox and decision; refused across people and agencies (404, nothing changed)."""

from django.urls import reverse

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.documents.models import DraftVersion, OutgoingDocument, ReviewStep


def test_draft_route_and_review_through_the_pages(agencies, pc_staff, dept_staff, signed_in, client):
    pc = agencies["pc"]
    head = factories.make_officer(pc, "pc.head", Role.SPECIALIST, "Phạm Văn Trưởng")
    signed_in(pc_staff["specialist"])
    choice = client.get(reverse("documents:template_draft") + f"?agency={pc.pk}").content.decode()
    assert "Quyết định (cá biệt)" in choice and "Giấy mời" in choice
    page = client.get(
        reverse("documents:template_draft") + f"?agency={pc.pk}&type=quyet_dinh"
    ).content.decode()
    assert "Quyết định này có hiệu lực kể từ ngày ký." in page and 'name="grounds"' in page
    assert 'name="addressees"' not in page
    response = client.post(
        reverse("documents:template_draft") + f"?agency={pc.pk}",
        {
            "type": "quyet_dinh",
            "subject": "Về việc tổ chức hội nghị",
            "unit_symbol": "VP",
            "urgency": "0",
            "secrecy": "0",
            "authority": "Chủ tịch Ủy ban nhân dân tỉnh Đồng Tháp",
            "grounds": "Căn cứ Luật Tổ chức chính quyền địa phương",
            "articles": "Tổ chức hội nghị.\n\nQuyết định này có hiệu lực kể từ ngày ký.",
            "recipients": "Như Điều 3",
            "signer": pc_staff["leader"].pk,
            "signer_competence": "TM.",
            "signer_position": "Chủ tịch",
        },
    )
    document = OutgoingDocument.objects.get()
    assert response.status_code == 302 and document.versions.count() == 1
    detail = client.get(reverse("documents:outgoing", args=[document.pk])).content.decode()
    assert "Phiên bản 1" in detail and "Trình duyệt" in detail

    edit = client.get(reverse("documents:edit_draft", args=[document.pk])).content.decode()
    assert "Căn cứ Luật Tổ chức chính quyền địa phương" in edit
    client.post(
        reverse("documents:edit_draft", args=[document.pk]),
        {
            "subject": "Về việc tổ chức hội nghị tổng kết",
            "unit_symbol": "VP",
            "urgency": "0",
            "secrecy": "0",
            "authority": "Chủ tịch Ủy ban nhân dân tỉnh Đồng Tháp",
            "grounds": "Căn cứ Luật Tổ chức chính quyền địa phương",
            "articles": "Tổ chức hội nghị tổng kết.",
            "signer": pc_staff["leader"].pk,
        },
    )
    assert DraftVersion.objects.filter(document=document).count() == 2

    client.post(
        reverse("documents:route", args=[document.pk]),
        {"reviewer_1": head.pk, "stage_1": "1", "purpose_1": "Nội dung", "initials_1": "on"},
    )
    step = ReviewStep.objects.get()
    assert step.state == "pending" and step.initials and step.version.number == 2

    signed_in(head)
    inbox = client.get(reverse("documents:review_inbox") + f"?agency={pc.pk}").content.decode()
    assert "Về việc tổ chức hội nghị tổng kết" in inbox
    detail = client.get(reverse("documents:outgoing", args=[document.pk])).content.decode()
    assert "Trả lại kèm ý kiến" in detail
    client.post(
        reverse("documents:review", args=[document.pk, step.pk]),
        {"decision": "approve", "opinion": "Đồng ý."},
    )
    step.refresh_from_db()
    assert step.state == "approved" and step.initialled_at

    signed_in(dept_staff["specialist"])
    assert client.get(reverse("documents:outgoing", args=[document.pk])).status_code == 404
    assert client.get(reverse("documents:edit_draft", args=[document.pk])).status_code == 404
    assert (
        client.post(
            reverse("documents:review", args=[document.pk, step.pk]), {"decision": "return"}
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("documents:route", args=[document.pk]), {"reviewer_1": head.pk}).status_code
        == 404
    )
    assert ReviewStep.objects.count() == 1


def test_a_bad_form_changes_nothing(agencies, pc_staff, signed_in, client):
    signed_in(pc_staff["specialist"])
    response = client.post(
        reverse("documents:template_draft") + f"?agency={agencies['pc'].pk}",
        {
            "type": "cong_van",
            "subject": "Về việc thử",
            "urgency": "0",
            "secrecy": "0",
            "addressees": "Sở Nội vụ",
            "body": "Nội dung.",
        },
    )
    assert response.status_code == 200 and "VP" in response.content.decode()
    assert not OutgoingDocument.objects.exists()


def test_the_leaders_signing_inbox_leaves_out_drafts_still_with_their_reviewers(
    agencies, pc_staff, signed_in, client
):
    from tinhso.documents import drafting
    from tinhso.documents.tests.test_drafting import form

    head = factories.make_officer(agencies["pc"], "pc.head", Role.SPECIALIST, "Phạm Văn Trưởng")
    specialist, leader = pc_staff["specialist"], pc_staff["leader"]
    reviewed = drafting.draft_from_template(
        specialist, agencies["pc"], "thong_bao", form(subject="Đang duyệt")
    )
    (step,) = drafting.send_for_review(specialist, reviewed, [drafting.RouteStep(head)])
    drafting.draft_from_template(specialist, agencies["pc"], "thong_bao", form(subject="Chưa trình duyệt"))
    signed_in(leader)
    inbox = client.get(reverse("documents:sign_list")).content.decode()
    assert "Chưa trình duyệt" in inbox and "Đang duyệt" not in inbox
    drafting.review_draft(head, step, approve=True)
    assert "Đang duyệt" in client.get(reverse("documents:sign_list")).content.decode()
