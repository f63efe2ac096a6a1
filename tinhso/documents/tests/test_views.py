"""The pages: the whole round through the forms, and every read and write refused across
agencies and roles (404, nothing changed)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tinhso.documents import actions
from tinhso.documents.models import Delivery, IncomingDocument, OutgoingDocument
from tinhso.testing import minimal_pdf


def test_a_document_from_draft_to_handled_through_the_pages(
    agencies, pc_staff, dept_staff, signed_in, client, django_capture_on_commit_callbacks
):
    signed_in(pc_staff["specialist"])
    response = client.post(
        reverse("documents:draft") + f"?agency={agencies['pc'].pk}",
        {
            "type_code": "cong_van",
            "unit_symbol": "VP",
            "subject": "V/v rà soát biên chế năm 2026",
            "urgency": "1",
            "secrecy": "0",
            "upload": SimpleUploadedFile("cv.pdf", minimal_pdf(), content_type="application/pdf"),
        },
    )
    document = OutgoingDocument.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "documents:outgoing", args=[document.pk]
    )
    assert client.post(reverse("documents:issue", args=[document.pk])).status_code == 403
    assert OutgoingDocument.objects.get().state == "draft"  # a specialist does not number
    signed_in(pc_staff["clerk"])
    page = client.get(reverse("documents:outgoing", args=[document.pk]))
    assert "Cấp số và ban hành" in page.content.decode()
    client.post(reverse("documents:issue", args=[document.pk]))
    assert OutgoingDocument.objects.get().reference == "01/UBND-VP"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:send", args=[document.pk]), {"recipients": [agencies["dept"].pk]})
    delivery = Delivery.objects.get()
    assert delivery.business_status == "01"
    signed_in(dept_staff["clerk"])
    listing = client.get(reverse("documents:incoming_list")).content.decode()
    assert "V/v rà soát biên chế năm 2026" in listing and "Chờ vào sổ" in listing
    incoming = delivery.incoming
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("documents:register", args=[incoming.pk]),
            {
                "subject": incoming.subject,
                "code_number": "01",
                "code_notation": "UBND-VP",
                "type_name": "Công văn",
                "accept_signature": "on",
            },
        )
    assert IncomingDocument.objects.get().arrival_number == 1
    signed_in(dept_staff["leader"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("documents:assign", args=[incoming.pk]),
            {"handler": dept_staff["specialist"].pk, "working_days": "5"},
        )
    signed_in(dept_staff["specialist"])
    assert client.get(reverse("documents:incoming", args=[incoming.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:complete", args=[incoming.pk]), {"note": "Đã báo cáo"})
    assert IncomingDocument.objects.get().state == "done"
    signed_in(pc_staff["clerk"])
    page = client.get(reverse("documents:outgoing", args=[document.pk])).content.decode()
    assert "06 đã xử lý xong" in page and "Sở Nội vụ tỉnh Đồng Tháp" in page


def test_a_paper_document_is_registered_by_the_clerk_only(agencies, pc_staff, dept_staff, signed_in, client):
    data = {"sender_name": "Bộ Nội vụ", "subject": "Công văn giấy", "urgency": "0"}
    signed_in(pc_staff["specialist"])
    assert client.post(reverse("documents:register_paper"), data).status_code == 404
    signed_in(dept_staff["clerk"])
    assert (
        client.post(reverse("documents:register_paper") + f"?agency={agencies['pc'].pk}", data).status_code
        == 302
    )
    assert IncomingDocument.objects.get().agency == agencies["dept"]  # not the PC's register
    signed_in(pc_staff["clerk"])
    client.post(reverse("documents:register_paper"), data)
    client.post(reverse("documents:register_paper"), data | {"code_number": "5", "code_notation": "BNV-VP"})
    response = client.post(
        reverse("documents:register_paper"), data | {"code_number": "5", "code_notation": "BNV-VP"}
    )
    assert response.status_code == 200 and "được vào sổ" in response.content.decode()
    assert IncomingDocument.objects.filter(agency=agencies["pc"]).count() == 2


@pytest.fixture
def arrived(agencies, pc_staff, dept_staff, django_capture_on_commit_callbacks):
    clerk = pc_staff["clerk"]
    document = actions.issue_document(
        clerk,
        actions.create_draft(clerk, agencies["pc"], type_code="thong_bao", subject="Thông báo lịch họp"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = actions.send_document(clerk, document, [agencies["dept"]])
    return Delivery.objects.get(pk=delivery.pk).incoming


def test_pages_of_another_agency_or_role_are_not_found(
    agencies, pc_staff, dept_staff, ward_staff, arrived, signed_in, client
):
    outgoing = arrived.delivery.document
    for user in (ward_staff["clerk"], ward_staff["leader"], dept_staff["specialist"], pc_staff["specialist"]):
        signed_in(user)
        assert client.get(reverse("documents:incoming", args=[arrived.pk])).status_code == 404
        for name, data in (
            ("register", {"subject": "x"}),
            ("refuse", {"reason": "x"}),
            ("assign", {"handler": dept_staff["specialist"].pk, "working_days": "2"}),
            ("complete", {"note": ""}),
        ):
            assert client.post(reverse(f"documents:{name}", args=[arrived.pk]), data).status_code == 404
    for user in (ward_staff["clerk"], dept_staff["clerk"], dept_staff["leader"]):
        signed_in(user)
        assert client.get(reverse("documents:outgoing", args=[outgoing.pk])).status_code == 404
        assert client.post(reverse("documents:send", args=[outgoing.pk]), {}).status_code == 404
    signed_in(ward_staff["clerk"])
    assert "Thông báo lịch họp" not in client.get(reverse("documents:incoming_list")).content.decode()
    assert (
        client.get(reverse("documents:incoming_list") + f"?agency={agencies['dept'].pk}").status_code == 200
    )
    assert (
        "Thông báo lịch họp"
        not in client.get(
            reverse("documents:incoming_list") + f"?agency={agencies['dept'].pk}"
        ).content.decode()
    )
    arrived.refresh_from_db()
    assert arrived.state == "pending" and arrived.arrival_number is None


def test_a_citizen_and_an_officer_without_a_document_role_see_nothing(agencies, signed_in, client):
    from tinhso import testing as factories

    signed_in(factories.make_citizen())
    assert client.get(reverse("documents:incoming_list")).status_code == 404
    signed_in(factories.make_officer(agencies["dept"], "motcua.snv"))
    assert client.get(reverse("documents:outgoing_list")).status_code == 404


def test_a_leader_returns_nothing_and_a_clerk_returns_with_a_reason(
    agencies, dept_staff, arrived, signed_in, client, django_capture_on_commit_callbacks
):
    signed_in(dept_staff["leader"])
    client.post(reverse("documents:refuse", args=[arrived.pk]), {"reason": "Sai"})
    assert IncomingDocument.objects.get(pk=arrived.pk).state == "pending"
    signed_in(dept_staff["clerk"])
    page = client.get(reverse("documents:incoming", args=[arrived.pk])).content.decode()
    assert "Trả lại nơi gửi" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:refuse", args=[arrived.pk]), {"reason": "Gửi nhầm đơn vị"})
    assert IncomingDocument.objects.get(pk=arrived.pk).state == "refused"
    assert Delivery.objects.get().business_status == "02"


def test_the_leader_sees_what_waits_and_what_is_overdue(
    agencies, dept_staff, arrived, signed_in, client, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    registered = actions.register_incoming(dept_staff["clerk"], arrived)
    long_ago = timezone.now() - datetime.timedelta(days=30)
    actions.assign_incoming(dept_staff["leader"], registered, dept_staff["specialist"], 2, at=long_ago)
    actions.register_paper(
        dept_staff["clerk"], agencies["dept"], sender_name="Bộ Nội vụ", subject="Chưa giao"
    )
    signed_in(dept_staff["leader"])
    page = client.get(reverse("documents:incoming_list"))
    assert (page.context["counts"]["pending"], page.context["counts"]["overdue"]) == (0, 1)
    overdue = client.get(reverse("documents:incoming_list"), {"state": "overdue"})
    assert [document.subject for document in overdue.context["page"]] == ["Thông báo lịch họp"]
    assert "quá hạn" in overdue.content.decode()


def test_the_start_page_shows_a_clerk_the_documents_to_register_and_no_dossiers(
    agencies, dept_staff, ward_staff, arrived, signed_in, client
):
    """A document clerk handles no one-stop dossier: their start page shows the incoming
    documents of their own agency waiting to be registered, and no empty dossier list."""
    signed_in(dept_staff["clerk"])
    page = client.get(reverse("motcua:start"))
    html = page.content.decode()
    assert page.context["counts"] is None and page.context["documents"] == {"register": 1}
    assert "Văn bản điều hành đang chờ bạn" in html and "cần vào sổ" in html
    assert f"{reverse('documents:incoming_list')}?state=pending" in html
    assert "Hồ sơ một cửa đang chờ bạn" not in html and f'href="{reverse("motcua:inbox")}"' not in html
    signed_in(ward_staff["clerk"])
    assert client.get(reverse("motcua:start")).context["documents"] == {"register": 0}
    signed_in(dept_staff["leader"])
    page = client.get(reverse("motcua:start"))
    assert page.context["documents"] == {"handle": 0, "overdue": 0, "assign": 0, "review": 0}
    assert page.context["counts"]["total"] == 0
    assert f'href="{reverse("motcua:inbox")}"' in page.content.decode()
    signed_in(dept_staff["clerk"])
    client.post(reverse("documents:register", args=[arrived.pk]), {"subject": arrived.subject})
    assert client.get(reverse("motcua:start")).context["documents"] == {"register": 0}
    signed_in(dept_staff["leader"])
    assert client.get(reverse("motcua:start")).context["documents"] == {
        "handle": 0,
        "overdue": 0,
        "assign": 1,
        "review": 0,
    }
