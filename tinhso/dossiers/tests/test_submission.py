"""The whole online submission in the test client: one thing per page, drafts, check answers."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tinhso import testing as factories
from tinhso.audit.models import AuditEntry
from tinhso.dossiers import actions
from tinhso.dossiers.models import Dossier, DossierEvent, PersonalDocument
from tinhso.dossiers.status import Status
from tinhso.dossiers.tests.conftest import pdf_upload

SUBMISSION_REFERENCE = re.compile(r"^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$")

pytestmark = pytest.mark.django_db


def test_a_citizen_submits_online_page_by_page(client, citizen, procedure, desk, province):
    client.force_login(citizen)
    start = reverse("dossiers:start", args=[procedure.code])
    page = client.get(start)
    assert page.status_code == 200
    assert "Trung tâm Phục vụ hành chính công phường Cao Lãnh" in page.content.decode()
    response = client.post(start, {"receiving_agency": desk.pk})
    draft = Dossier.objects.get(applicant=citizen)
    assert response.url == reverse("dossiers:applicant", args=[draft.pk])
    assert draft.is_draft and draft.code is None

    # Contact details, prefilled from the account.
    page = client.get(response.url)
    assert 'value="0912345678"' not in page.content.decode()  # stored in E.164, shown as given back
    assert "+84912345678" in page.content.decode()
    response = client.post(
        reverse("dossiers:applicant", args=[draft.pk]),
        {
            "phone": "0912 345 678",
            "email": "an@example.vn",
            "address.commune": "28261",
            "address.detail": "12 Ấp Bắc",
        },
    )
    assert response.url == reverse("dossiers:page", args=[draft.pk, 1])

    # Page 1 with errors: an error summary in Vietnamese, nothing lost.
    response = client.post(
        response.url, {"ho_ten": "<b>Hân</b>", "ngay_sinh": "31/02/2026", "gioi_tinh": "x"}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Có lỗi" in text or "error-summary" in text
    assert "“Ngày sinh” phải là một ngày có thật, viết theo dạng dd/mm/yyyy" in text
    assert "Hãy chọn trong danh sách cho “Giới tính”." in text
    assert "&lt;b&gt;Hân&lt;/b&gt;" in text and "<b>Hân</b>" not in text
    response = client.post(
        reverse("dossiers:page", args=[draft.pk, 1]),
        {"ho_ten": "Nguyễn Ngọc Hân", "ngay_sinh": "05/01/2026", "gioi_tinh": "nu"},
    )
    assert response.url == reverse("dossiers:page", args=[draft.pk, 2])
    response = client.post(
        response.url, {"noi_sinh.commune": "28261", "noi_sinh.detail": "Bệnh viện Đa khoa"}
    )
    assert response.url == reverse("dossiers:page", args=[draft.pk, 3])

    # A repeatable group: add another, fill, remove.
    group = reverse("dossiers:page", args=[draft.pk, 3])
    client.post(group, {"anh_chi_em.count": "1", "add": "anh_chi_em"})
    page = client.get(group)
    assert 'name="anh_chi_em.1.ho_ten"' in page.content.decode()
    client.post(
        group,
        {
            "anh_chi_em.count": "2",
            "anh_chi_em.0.ho_ten": "Nguyễn Minh Khang",
            "anh_chi_em.0.nam_sinh": "2020",
            "anh_chi_em.1.ho_ten": "Nguyễn Minh Khôi",
            "remove": "anh_chi_em.0",
        },
    )
    draft.refresh_from_db()
    assert draft.form_data["anh_chi_em"] == [{"ho_ten": "Nguyễn Minh Khôi"}]
    response = client.post(
        group,
        {"anh_chi_em.count": "1", "anh_chi_em.0.ho_ten": "Nguyễn Minh Khôi", "anh_chi_em.0.nam_sinh": "1850"},
    )
    assert "“Năm sinh (anh chị em 1)” phải từ 1900 trở lên." in response.content.decode()
    response = client.post(
        group,
        {"anh_chi_em.count": "1", "anh_chi_em.0.ho_ten": "Nguyễn Minh Khôi", "anh_chi_em.0.nam_sinh": "2021"},
    )
    assert response.url == reverse("dossiers:documents", args=[draft.pk])

    # Documents: continuing without the required one is refused.
    response = client.post(response.url, {"continue": ""})
    assert response.status_code == 400
    assert "Hãy đính kèm “Giấy chứng sinh”." in response.content.decode()
    component = procedure.documents.get(position=1)
    upload_url = reverse("dossiers:upload", args=[draft.pk, component.pk])
    response = client.post(upload_url, {"file": pdf_upload()})
    assert response.url == reverse("dossiers:documents", args=[draft.pk])
    response = client.post(response.url, {"continue": ""})
    assert response.url == reverse("dossiers:check", args=[draft.pk])

    # Check your answers, with change links.
    page = client.get(response.url).content.decode()
    for expected in (
        "Nguyễn Ngọc Hân",
        "05/01/2026",
        "Nữ",
        "Nguyễn Minh Khôi",
        "Phường Mỹ Tho",
        "giay-chung-sinh.pdf",
    ):
        assert expected in page
    assert reverse("dossiers:page", args=[draft.pk, 2]) + "?next=check" in page
    assert "0870******34" in page

    response = client.post(reverse("dossiers:check", args=[draft.pk]))
    dossier = Dossier.objects.get(pk=draft.pk)
    assert response.url == reverse("dossiers:confirmation", args=[dossier.submission_reference])
    assert not dossier.is_draft and dossier.status == Status.NEW and dossier.due_at is None
    # The dossier code comes with reception (Decree 118/2025 Art. 17(3) as amended by Decree
    # 309/2026 Art. 8(3)); the submission has its reference.
    assert dossier.code is None and SUBMISSION_REFERENCE.match(dossier.submission_reference)
    assert dossier.applicant_phone == "+84912345678" and dossier.applicant_unit == province["my_tho"]
    page = client.get(response.url).content.decode()
    assert dossier.submission_reference in page and 'src="data:image/svg+xml' in page
    assert AuditEntry.objects.filter(action="dossiers.submit", object_id=str(dossier.pk)).exists()
    assert DossierEvent.objects.filter(dossier=dossier, status=Status.NEW).count() == 1
    # A double-clicked submit creates nothing more and lands on the confirmation.
    again = client.post(reverse("dossiers:check", args=[draft.pk]))
    assert again.url == reverse("dossiers:confirmation", args=[dossier.submission_reference])
    assert Dossier.objects.filter(applicant=citizen).count() == 1


def test_submitting_checks_everything_again(client, citizen, procedure, desk):
    draft = actions.start_draft(citizen, procedure, desk)
    client.force_login(citizen)
    response = client.post(reverse("dossiers:check", args=[draft.pk]))
    assert response.status_code == 400
    text = response.content.decode()
    assert "Hãy nhập “Họ, chữ đệm, tên”." in text
    assert "Hãy đính kèm “Giấy chứng sinh”." in text
    assert "Hãy chọn phường, xã cho “Địa chỉ thường trú”." in text
    draft.refresh_from_db()
    assert draft.is_draft and draft.code is None


def test_save_as_draft_and_come_back(client, citizen, procedure, desk):
    draft = actions.start_draft(citizen, procedure, desk)
    client.force_login(citizen)
    response = client.post(
        reverse("dossiers:page", args=[draft.pk, 1]), {"ho_ten": "Nguyễn Ngọc Hân", "save_draft": ""}
    )
    assert response.url == reverse("dossiers:mine")
    mine = client.get(reverse("dossiers:mine")).content.decode()
    assert "Thủ tục đăng ký khai sinh" in mine and "Lưu lần cuối" in mine
    page = client.get(reverse("dossiers:page", args=[draft.pk, 1])).content.decode()
    assert 'value="Nguyễn Ngọc Hân"' in page


def test_a_document_from_the_store_is_reused_without_uploading(client, citizen, procedure, desk, submitted):
    assert PersonalDocument.objects.filter(owner=citizen).count() == 1
    stored = PersonalDocument.objects.get(owner=citizen)
    draft = actions.start_draft(citizen, procedure, desk)
    client.force_login(citizen)
    component = procedure.documents.get(position=1)
    page = client.get(reverse("dossiers:upload", args=[draft.pk, component.pk])).content.decode()
    assert "giay-chung-sinh.pdf" in page
    client.post(reverse("dossiers:upload", args=[draft.pk, component.pk]), {"reuse": stored.pk})
    attachment = draft.attachments.get()
    assert attachment.file.name == stored.file.name and attachment.sha256 == stored.sha256
    assert PersonalDocument.objects.filter(owner=citizen).count() == 1


def test_someone_elses_document_cannot_be_reused(citizen, other_citizen, procedure, desk, submitted):
    stored = PersonalDocument.objects.get(owner=citizen)
    draft = actions.start_draft(other_citizen, procedure, desk)
    with pytest.raises(PermissionDenied):
        actions.reuse_personal_document(other_citizen, draft, stored, procedure.documents.first())
    assert not draft.attachments.exists()


def test_another_citizen_gets_404_and_anonymous_is_sent_to_sign_in(
    client, other_citizen, submitted, procedure
):
    draft = actions.start_draft(submitted.applicant, procedure, submitted.receiving_agency)
    client.force_login(other_citizen)
    for url in (
        reverse("dossiers:applicant", args=[draft.pk]),
        reverse("dossiers:page", args=[draft.pk, 1]),
        reverse("dossiers:check", args=[draft.pk]),
        reverse("dossiers:detail", args=[submitted.display_code]),
        reverse("dossiers:confirmation", args=[submitted.display_code]),
        reverse("dossiers:withdraw", args=[submitted.display_code]),
        reverse("dossiers:attachment", args=[submitted.attachments.first().pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("dossiers:delete", args=[draft.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("dossiers:start", args=[procedure.code]))
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    assert client.get(reverse("dossiers:mine")).status_code == 302


def test_the_applicant_downloads_their_attachment(client, citizen, submitted):
    client.force_login(citizen)
    response = client.get(reverse("dossiers:attachment", args=[submitted.attachments.first().pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_an_officer_cannot_submit_online_and_a_procedure_offline_refuses(citizen, procedure, desk):
    officer = factories.make_officer(desk)
    with pytest.raises(PermissionDenied):
        actions.start_draft(officer, procedure, desk)
    procedure.online_level = "none"
    procedure.submit_online = False
    procedure.save()
    with pytest.raises(ValidationError, match="trực tuyến"):
        actions.start_draft(citizen, procedure, desk)


def test_an_agency_not_receiving_the_procedure_is_refused(client, citizen, procedure, province):
    client.force_login(citizen)
    response = client.post(
        reverse("dossiers:start", args=[procedure.code]),
        {"receiving_agency": province["agencies"]["province"].pk},
    )
    assert response.status_code == 200
    assert "Hãy chọn một cơ quan trong danh sách." in response.content.decode()
    assert not Dossier.objects.exists()


def test_deleting_a_draft(client, citizen, procedure, desk):
    draft = actions.start_draft(citizen, procedure, desk)
    client.force_login(citizen)
    client.post(reverse("dossiers:delete", args=[draft.pk]))
    assert not Dossier.objects.filter(pk=draft.pk).exists()


def test_the_pages_and_the_api_refuse_a_submission_with_the_same_rules(citizen, procedure, desk):
    """One function says what is wrong with a submission (``submission_errors``) and one where it
    may be submitted online (``online_agency``): a draft's check and the API's one call agree."""
    draft = actions.start_draft(citizen, procedure, desk)
    with pytest.raises(ValidationError) as api:
        actions.create_dossier(
            citizen,
            procedure_code=procedure.code,
            agency_code=desk.code,
            applicant={"phone": citizen.phone, "email": citizen.email, "address": {}},
            form_data={},
            attachments=[],
        )
    pages = actions.dossier_errors(draft)
    assert "attachments" in pages and any(key.startswith("form_data.") for key in pages)
    assert {k: v for k, v in api.value.message_dict.items() if not k.startswith("applicant.")} == {
        k: v for k, v in pages.items() if not k.startswith("applicant.")
    }
    procedure.submit_online = False
    procedure.save()
    refusals = []
    for start in (
        lambda: actions.start_draft(citizen, procedure, desk),
        lambda: actions.create_dossier(
            citizen,
            procedure_code=procedure.code,
            agency_code=desk.code,
            applicant={},
            form_data={},
            attachments=[],
        ),
    ):
        with pytest.raises(ValidationError) as caught:
            start()
        refusals.append(caught.value.message_dict)
    assert refusals[0] == refusals[1] == {"procedure": ["Thủ tục này không nộp trực tuyến được."]}
