"""The pages: inbox with counts and accent-free search, actions by URL, refusals by URL."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tinhso import testing as factories
from tinhso.accounts.actions import issue_api_token
from tinhso.accounts.models import Role
from tinhso.dossiers.notifications import send_pending
from tinhso.dossiers.status import Status
from tinhso.workflows.models import DossierFlow

pytestmark = pytest.mark.django_db


def test_inbox_shows_the_dossier_and_finds_it_without_accents(signed_in, officer, submitted):
    client = signed_in(officer)
    response = client.get(reverse("motcua:inbox"))
    assert response.status_code == 200, response
    assert submitted.submission_reference in response.content.decode()
    assert response.context["counts"]["total"] == 1
    found = client.get(reverse("motcua:inbox"), {"q": "nguyen van an"})
    assert submitted.submission_reference in found.content.decode()
    missing = client.get(reverse("motcua:inbox"), {"q": "tran thi"})
    assert submitted.submission_reference not in missing.content.decode()


def test_the_inbox_pages_through_the_whole_inbox_and_through_a_filtered_one(
    signed_in, officer, citizen, procedure, desk, submitted
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tinhso.motcua.tests.fixtures import submit

    others = [submit(citizen, procedure, desk) for _ in range(26)]
    client = signed_in(officer)
    client.get(reverse("motcua:inbox"))  # the process's reference data read, as on a running server
    with CaptureQueriesContext(connection) as full_page:
        first = client.get(reverse("motcua:inbox")).context
    with CaptureQueriesContext(connection) as short_page:
        second = client.get(reverse("motcua:inbox"), {"page": 2}).context
    assert first["counts"]["total"] == first["page"].paginator.count == 27
    assert first["page"].paginator.num_pages == 2
    assert len(first["page"]) == 25 and len(second["page"]) == 2
    listed = [dossier.pk for dossier in [*first["page"], *second["page"]]]
    assert sorted(listed) == sorted([submitted.pk, *(dossier.pk for dossier in others)])
    # The procedure, the step and the assignee are read once for a page, not once per dossier.
    assert len(full_page.captured_queries) == len(short_page.captured_queries)
    one = client.get(reverse("motcua:inbox"), {"q": submitted.submission_reference}).context
    assert one["page"].paginator.count == 1 and [dossier.pk for dossier in one["page"]] == [submitted.pk]
    assert one["counts"]["total"] == 27


def test_the_inbox_marks_overdue_what_its_overdue_count_counts(signed_in, specialist, accepted):
    """A dossier past its due time is overdue while its clock runs; once it has its result and
    waits to be handed over it is not, in the row as in the count."""
    from tinhso.dossiers.models import Dossier

    Dossier.objects.filter(pk=accepted.pk).update(due_at=timezone.now() - datetime.timedelta(days=1))
    client = signed_in(specialist)
    processing = client.get(reverse("motcua:inbox"))
    assert processing.context["counts"]["overdue"] == 1
    assert "(quá hạn)" in processing.content.decode()
    Dossier.objects.filter(pk=accepted.pk).update(status=Status.FINISHED)
    finished = client.get(reverse("motcua:inbox"))
    assert accepted.code in finished.content.decode()
    assert finished.context["counts"]["overdue"] == 0
    assert "(quá hạn)" not in finished.content.decode()


def test_the_procedure_filter_offers_the_procedures_waiting_in_the_inbox(
    signed_in, officer, submitted, procedure
):
    factories.make_procedure(code="1.000002", eform={}, documents=False)
    client = signed_in(officer)
    form = client.get(reverse("motcua:inbox")).context["form"]
    assert form.fields["procedure"].choices == [("", "—"), (procedure.code, procedure.name)]
    listed = client.get(reverse("motcua:inbox"), {"procedure": procedure.code}).context["page"]
    assert [dossier.pk for dossier in listed] == [submitted.pk]
    # A procedure with nothing waiting is not a choice: the filter is ignored, never a 500.
    other = client.get(reverse("motcua:inbox"), {"procedure": "1.000002"})
    assert other.status_code == 200 and other.context["form"].errors["procedure"]


def test_accept_through_the_page(signed_in, officer, specialist, submitted):
    client = signed_in(officer)
    url = reverse("motcua:action", args=[submitted.pk, "tiep_nhan"])
    response = client.post(url, {"assignee": specialist.pk, "version": submitted.version, "note": ""})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.ACCEPTED


def test_another_agency_gets_404_and_a_wrong_role_403(signed_in, other_officer, specialist, submitted):
    client = signed_in(other_officer)
    assert client.get(reverse("motcua:dossier", args=[submitted.pk])).status_code == 404
    url = reverse("motcua:action", args=[submitted.pk, "tiep_nhan"])
    assert client.post(url, {"assignee": specialist.pk, "version": submitted.version}).status_code == 404
    client = signed_in(specialist)
    response = client.post(url, {"assignee": specialist.pk, "version": submitted.version})
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == Status.NEW


def test_the_dossier_page_shows_what_the_applicant_was_told(signed_in, officer, submitted, mailoutbox):
    client = signed_in(officer)
    url = reverse("motcua:dossier", args=[submitted.pk])
    page = client.get(url).content.decode()
    assert "Thông báo cho người nộp hồ sơ" in page and "Chờ gửi" in page
    assert send_pending() == 1
    page = client.get(url).content.decode()
    assert "Đã gửi" in page and "thư điện tử, tin nhắn SMS" in page and "Mới đăng ký" in page


def test_a_citizen_cannot_open_the_back_office(signed_in, citizen, submitted):
    client = signed_in(citizen)
    assert client.get(reverse("motcua:inbox")).status_code == 403


def pdf_text(content: bytes) -> str:
    import io
    import unicodedata

    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return unicodedata.normalize("NFC", text)


def test_forms_01_and_06_print_from_the_dossier_page(signed_in, officer, specialist, submitted):
    client = signed_in(officer)
    url = reverse("motcua:action", args=[submitted.pk, "tiep_nhan"])
    client.post(url, {"assignee": specialist.pk, "version": submitted.version, "note": ""})
    submitted.refresh_from_db()

    receipt = client.get(reverse("official_forms:back_office_form", args=[submitted.pk, 1]))
    assert receipt.status_code == 200
    assert receipt["Content-Type"] == "application/pdf"
    text = pdf_text(receipt.content)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text.upper()
    assert submitted.code in text

    control = client.get(reverse("official_forms:back_office_form", args=[submitted.pk, 6]))
    assert control.status_code == 200
    text = pdf_text(control.content)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text.upper()
    assert specialist.full_name in text


def test_a_form_the_records_cannot_fill_is_refused_with_a_message(signed_in, officer, submitted):
    client = signed_in(officer)
    response = client.get(reverse("official_forms:back_office_form", args=[submitted.pk, 3]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("motcua:dossier", args=[submitted.pk])
    assert list(response.context["messages"])


def test_another_agency_cannot_print_a_form(signed_in, other_officer, submitted):
    client = signed_in(other_officer)
    assert client.get(reverse("official_forms:back_office_form", args=[submitted.pk, 1])).status_code == 404


def test_the_counter_page_accepts_a_walk_in_and_hands_it_to_the_chosen_specialist(
    signed_in, officer, specialist, procedure, desk, province
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tinhso import testing as factories
    from tinhso.dossiers.models import Dossier
    from tinhso.workflows.models import DossierFlow

    # A procedure this desk does not receive (its implementing agency is another commune's) is
    # not offered, and posting it is refused before anything is written.
    elsewhere = factories.make_procedure(code="1.000656")
    elsewhere.agencies.set([province["agencies"]["cao_lanh"]])
    client = signed_in(officer)
    page = client.get(reverse("motcua:counter"))
    assert page.status_code == 200
    assert list(page.context["form"].fields["assignee"].queryset) == [specialist]
    assert list(page.context["form"].fields["procedure"].queryset) == [procedure]
    data = {
        "procedure": procedure.pk,
        "agency": desk.pk,
        "name": "Trần Thị Bích Ngọc",
        "cccd": "082190004567",
        "phone": "0387654321",
        "address": "Ấp Mỹ Phú, phường Mỹ Tho",
    }
    other = client.post(
        reverse("motcua:counter"), {**data, "procedure": elsewhere.pk, "assignee": specialist.pk}
    )
    assert other.status_code == 200 and other.context["form"].errors["procedure"]
    missing = client.post(reverse("motcua:counter"), data)
    assert missing.status_code == 200
    assert missing.context["form"].errors["assignee"] == ["Chọn cán bộ xử lý bước tiếp theo."]
    assert not Dossier.objects.exists()

    scan = SimpleUploadedFile("don-de-nghi.pdf", factories.minimal_pdf(), content_type="application/pdf")
    unscanned = client.post(
        reverse("motcua:counter"),
        {**data, "assignee": specialist.pk, "document_name": "Đơn đề nghị", "document_form": "original"},
    )
    assert unscanned.status_code == 200
    assert unscanned.context["form"].errors["document"] == [
        "Hãy quét mọi giấy tờ bản giấy, hoặc nêu lý do không phải quét."
    ]
    assert not Dossier.objects.exists()

    response = client.post(
        reverse("motcua:counter"),
        {**data, "assignee": specialist.pk, "document": scan, "document_form": "certified_copy"},
    )
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "motcua:dossier", args=[dossier.pk]
    )
    assert dossier.status == Status.ACCEPTED and dossier.channel == "direct"
    assert dossier.attachments.get().original_name == "don-de-nghi.pdf"
    given = dossier.counter_documents.get()
    assert (given.name, given.copy_form, given.scan) == (
        "don-de-nghi.pdf",
        "certified_copy",
        dossier.attachments.get(),
    )
    assert DossierFlow.objects.get(dossier=dossier).assignee == specialist
    # The officers handling it see what paper was given, in which form, and its scan.
    page = client.get(response["Location"]).content.decode()
    assert "Giấy tờ nhận tại quầy" in page and "bản sao có chứng thực" in page
    assert reverse("dossiers:attachment", args=[given.scan_id]) in page


def _unchanged(dossier, status, version):
    from tinhso.workflows.models import DossierFlow, StepRecord

    dossier.refresh_from_db()
    flow = DossierFlow.objects.get(dossier=dossier)
    return (
        dossier.status == status
        and dossier.version == version
        and flow.state.key == "cho_tiep_nhan"
        and flow.assignee is None
        and not StepRecord.objects.filter(dossier=dossier).exists()
    )


def test_a_forged_action_form_is_refused_changes_nothing_and_is_audited(
    signed_in, officer, specialist, leader, citizen, procedure, desk, submitted
):
    from tinhso.audit.models import AuditEntry
    from tinhso.workflows.tests.conftest import submit

    other = submit(citizen, procedure, desk)
    other.refresh_from_db()
    # Make the other dossier's version differ from this one's, as if it had moved on.
    type(other).objects.filter(pk=other.pk).update(version=submitted.version + 3)
    client = signed_in(officer)
    status, version = submitted.status, submitted.version
    audited = AuditEntry.objects.filter(object_id=str(submitted.pk))

    # Another dossier's version in the hidden field.
    url = reverse("motcua:action", args=[submitted.pk, "tiep_nhan"])
    response = client.post(url, {"assignee": specialist.pk, "version": version + 3, "note": ""}, follow=True)
    assert "Hồ sơ vừa được người khác cập nhật" in response.content.decode()
    assert _unchanged(submitted, status, version)
    assert audited.filter(action="workflows.refused", data__action="tiep_nhan").count() == 1

    # An action of the flow that is not available in the dossier's current state.
    forged_key = reverse("motcua:action", args=[submitted.pk, "tham_dinh_xong"])
    assert client.post(forged_key, {"version": version}).status_code == 404
    later = reverse("motcua:action", args=[submitted.pk, "xu_ly"])
    response = client.post(later, {"version": version, "note": ""}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("motcua:dossier", args=[submitted.pk])
    assert _unchanged(submitted, status, version)
    assert audited.filter(action="workflows.refused", data__action="xu_ly").count() == 1

    # A choice the page never offered (a leader is not a specialist) and a missing hidden field.
    response = client.post(url, {"assignee": leader.pk, "version": version})
    assert response.status_code == 200 and "assignee" in response.context["form"].errors
    response = client.post(url, {"assignee": specialist.pk})
    assert response.status_code == 200
    assert _unchanged(submitted, status, version)
    refusals = audited.filter(action="motcua.refused", data__reason="forged form")
    assert sorted(entry.data["fields"] for entry in refusals) == [["assignee"], ["version"]]

    # The honest form still works afterwards.
    client.post(url, {"assignee": specialist.pk, "version": version, "note": ""})
    submitted.refresh_from_db()
    assert submitted.status == Status.ACCEPTED


def test_the_dossier_page_shows_the_applicants_answers_and_logs_the_read(
    signed_in, officer, specialist, citizen, submitted
):
    from tinhso.audit.models import AuditEntry
    from tinhso.audit.services import PERSONAL_DATA_READ

    client = signed_in(specialist)
    page = client.get(reverse("motcua:dossier", args=[submitted.pk])).content.decode()
    # Labels from the procedure's e-form, dates dd/mm/yyyy, choices by label, groups nested.
    for text in (
        "Thông tin người được khai sinh",
        "Họ, chữ đệm, tên",
        "Nguyễn Ngọc Hân",
        "05/01/2026",
        "<dd>Nữ</dd>",
        "Bệnh viện Đa khoa Tiền Giang, Phường Mỹ Tho, Tỉnh Đồng Tháp",
        '<dl class="pairs nested"><dt>Họ và tên</dt>',
        "Nguyễn Minh Khang",
        "2020",
        "+84912345678",
        "an@example.vn",
        "giay-chung-sinh.pdf",
        "Giấy chứng sinh",
    ):
        assert text in page, text
    assert "2026-01-05" not in page and "<dd>nu</dd>" not in page
    assert submitted.applicant_cccd not in page and submitted.masked_cccd in page
    reads = AuditEntry.objects.filter(action=PERSONAL_DATA_READ, object_id=str(citizen.pk))
    assert reads.count() == 1
    entry = reads.get()
    assert entry.actor == specialist and "form_data" in entry.data["fields"]
    assert entry.data["purpose"] == "motcua.handle_dossier"


def test_an_officer_out_of_scope_reads_nothing_and_nothing_is_logged(signed_in, other_officer, submitted):
    from tinhso.audit.models import AuditEntry
    from tinhso.audit.services import PERSONAL_DATA_READ

    client = signed_in(other_officer)
    assert client.get(reverse("motcua:dossier", args=[submitted.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action=PERSONAL_DATA_READ).exists()


def test_after_signing_the_page_shows_the_result_and_no_longer_offers_to_sign(
    signed_in, officer, specialist, leader, citizen, submitted
):
    from weasyprint import HTML

    from tinhso.signing import actions as signing_actions

    signing_actions.issue_agency_certificate(None, submitted.receiving_agency)
    client = signed_in(officer)
    client.post(
        reverse("motcua:action", args=[submitted.pk, "tiep_nhan"]),
        {"assignee": specialist.pk, "version": submitted.version, "note": ""},
    )
    client = signed_in(leader)
    url = reverse("motcua:dossier", args=[submitted.pk])
    sign_url = reverse("motcua:sign", args=[submitted.pk])
    assert sign_url in client.get(url).content.decode()
    pdf = HTML(string="<p>GIẤY KHAI SINH</p>").write_pdf()
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("ket-qua.pdf", pdf, content_type="application/pdf")
    response = client.post(sign_url, {"title": "Giấy khai sinh", "file": upload})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert sign_url not in page
    document = submitted.signed_documents.get()
    download = reverse("signing:download", args=[document.pk])
    assert download in page and "Kết quả đã ký số" in page
    answer = client.get(download)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    submitted.refresh_from_db()
    assert f'filename="ket-qua-{submitted.code}.pdf"' in answer["Content-Disposition"]

    # The applicant's copy in "Kho giấy tờ" downloads as a .pdf too.
    client = signed_in(citizen)
    stored = citizen.personal_documents.get(source="result")
    answer = client.get(reverse("dossiers:personal_document", args=[stored.pk]))
    assert answer["Content-Type"] == "application/pdf"
    assert answer["Content-Disposition"].endswith(".pdf")
    assert "Gi%E1%BA%A5y%20khai%20sinh.pdf" in answer["Content-Disposition"]


def test_forms_02_to_05_are_linked_only_once_the_dossier_has_their_event(signed_in, officer, submitted):
    client = signed_in(officer)
    url = reverse("motcua:dossier", args=[submitted.pk])
    page = client.get(url).content.decode()
    # No receipt (Form 01) before reception: it carries the code issued then.
    for number in (1, 2, 3, 4, 5, 6):
        assert reverse("official_forms:back_office_form", args=[submitted.pk, number]) not in page
    client.post(reverse("motcua:supplement", args=[submitted.pk]), {"missing": "Giấy chứng sinh bản chính"})
    page = client.get(url).content.decode()
    form_02 = reverse("official_forms:back_office_form", args=[submitted.pk, 2])
    assert form_02 in page
    answer = client.get(form_02)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert "Giấy chứng sinh bản chính" in pdf_text(answer.content)


def test_form_06_fills_each_steps_due_time_and_form_01_the_receiver(
    signed_in, officer, specialist, submitted
):
    from tinhso.official_forms.rendering import clock
    from tinhso.workflows.models import DossierFlow

    officer.full_name = "Lâm Thị Diễm"
    officer.save()
    client = signed_in(officer)
    url = reverse("motcua:action", args=[submitted.pk, "tiep_nhan"])
    client.post(url, {"assignee": specialist.pk, "version": submitted.version, "note": ""})
    flow = DossierFlow.objects.get(dossier=submitted)
    assert flow.step_due_at is not None
    text = " ".join(
        pdf_text(
            client.get(reverse("official_forms:back_office_form", args=[submitted.pk, 6])).content
        ).split()
    )
    assert clock(flow.step_due_at) in text

    client = signed_in(specialist)
    text = " ".join(
        pdf_text(
            client.get(reverse("official_forms:back_office_form", args=[submitted.pk, 1])).content
        ).split()
    )
    assert "Lâm Thị Diễm" in text and specialist.full_name not in text
    assert "http://testserver/ho-so/tra-cuu/" in text.replace(" ", "")


def test_the_start_page_counts_by_role_and_each_count_opens_the_filtered_inbox(
    signed_in, officer, specialist, leader, submitted
):
    client = signed_in(officer)
    page = client.get(reverse("motcua:start"))
    assert page.status_code == 200
    counts = page.context["counts"]
    assert (
        counts["total"] == 1 and counts["receive"] == 1 and "process" not in counts and "sign" not in counts
    )
    html = page.content.decode()
    assert f"{reverse('motcua:inbox')}?waiting=receive" in html
    assert f"{reverse('motcua:inbox')}?deadline=overdue" in html
    listed = client.get(reverse("motcua:inbox"), {"waiting": "receive"}).context["page"]
    assert [d.display_code for d in listed] == [submitted.submission_reference]
    assert not list(client.get(reverse("motcua:inbox"), {"waiting": "process"}).context["page"])
    client.post(
        reverse("motcua:action", args=[submitted.pk, "tiep_nhan"]),
        {"assignee": specialist.pk, "version": submitted.version, "note": ""},
    )
    assert client.get(reverse("motcua:start")).context["counts"]["receive"] == 0

    client = signed_in(specialist)
    counts = client.get(reverse("motcua:start")).context["counts"]
    assert counts["process"] == 1 and counts["total"] == 1
    listed = client.get(reverse("motcua:inbox"), {"waiting": "process"}).context["page"]
    submitted.refresh_from_db()
    assert [d.code for d in listed] == [submitted.code] and submitted.code

    client = signed_in(leader)
    counts = client.get(reverse("motcua:start")).context["counts"]
    assert counts["sign"] == 0 and counts["total"] == 0


def test_one_navigation_for_the_back_offices(signed_in, officer, leader, citizen):
    page = signed_in(officer).get(reverse("motcua:inbox")).content.decode()
    assert 'aria-label="Bàn làm việc"' in page
    assert reverse("motcua:start") in page and reverse("motcua:counter") in page
    assert "/phan-anh/can-bo/co-quan/" in page
    assert "/thong-ke/" not in page
    page = signed_in(leader).get(reverse("motcua:start")).content.decode()
    assert "/thong-ke/" in page and reverse("motcua:counter") not in page
    page = signed_in(citizen).get("/").content.decode()
    assert 'aria-label="Bàn làm việc"' not in page


def test_a_walk_in_dossier_shows_no_empty_e_form(signed_in, officer, specialist, procedure, desk):
    from tinhso.motcua import actions as motcua_actions

    dossier = motcua_actions.receive_at_counter(
        officer,
        desk,
        procedure,
        {"name": "Trần Thị Bích Ngọc", "phone": "0387654321"},
        [],
        assignee=specialist,
    )
    page = signed_in(officer).get(reverse("motcua:dossier", args=[dossier.pk])).content.decode()
    assert "Trần Thị Bích Ngọc" in page and "+84387654321" in page
    assert "Thông tin người được khai sinh" not in page and "không có tờ khai điện tử" in page


def test_the_specialist_attaches_a_draft_that_the_leader_signs(
    signed_in, officer, specialist, leader, citizen, submitted
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from weasyprint import HTML

    from tinhso.audit.models import AuditEntry
    from tinhso.signing import actions as signing_actions

    signing_actions.issue_agency_certificate(None, submitted.receiving_agency)
    signed_in(officer).post(
        reverse("motcua:action", args=[submitted.pk, "tiep_nhan"]),
        {"assignee": specialist.pk, "version": submitted.version, "note": ""},
    )
    client = signed_in(specialist)
    dossier_url = reverse("motcua:dossier", args=[submitted.pk])
    draft_url = reverse("motcua:draft", args=[submitted.pk])
    assert draft_url in client.get(dossier_url).content.decode()

    # Not a PDF: refused, nothing kept, the refusal audited.
    png = SimpleUploadedFile("anh.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, content_type="image/png")
    refused = client.post(draft_url, {"title": "Giấy khai sinh", "file": png})
    assert refused.status_code == 200
    assert refused.context["form"].errors["file"] == ["Dự thảo kết quả phải là tệp PDF."]
    assert not submitted.draft_results.exists()
    assert AuditEntry.objects.filter(action="motcua.refused", data__action="attach_draft").exists()

    pdf = HTML(string="<p>DỰ THẢO GIẤY KHAI SINH</p>").write_pdf()
    upload = SimpleUploadedFile("du-thao.pdf", pdf, content_type="application/pdf")
    assert (
        client.post(draft_url, {"title": "Giấy khai sinh của Nguyễn Ngọc Hân", "file": upload}).status_code
        == 302
    )
    draft = submitted.draft_results.get()
    assert draft.uploaded_by == specialist
    submitted.refresh_from_db()
    client.post(
        reverse("motcua:action", args=[submitted.pk, "xu_ly"]), {"version": submitted.version, "note": ""}
    )
    submitted.refresh_from_db()
    client.post(
        reverse("motcua:action", args=[submitted.pk, "trinh_lanh_dao"]),
        {"version": submitted.version, "note": ""},
    )

    client = signed_in(leader)
    page = client.get(dossier_url).content.decode()
    assert reverse("motcua:draft_file", args=[submitted.pk, draft.pk]) in page
    answer = client.get(reverse("motcua:draft_file", args=[submitted.pk, draft.pk]))
    assert answer["Content-Type"] == "application/pdf" and b"".join(answer.streaming_content) == pdf
    sign_url = reverse("motcua:sign", args=[submitted.pk])
    form = client.get(sign_url).context["form"]
    assert form.initial["title"] == "Giấy khai sinh của Nguyễn Ngọc Hân"
    assert client.post(sign_url, {"title": form.initial["title"]}).status_code == 302
    result = submitted.signed_documents.get()
    assert result.title == "Giấy khai sinh của Nguyễn Ngọc Hân"
    assert "DỰ THẢO GIẤY KHAI SINH" in pdf_text(result.file.open("rb").read())


def test_another_agency_cannot_read_or_attach_a_draft(signed_in, other_officer, submitted):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = signed_in(other_officer)
    upload = SimpleUploadedFile("du-thao.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(reverse("motcua:draft", args=[submitted.pk]), {"title": "x", "file": upload})
    assert response.status_code == 404 and not submitted.draft_results.exists()


def test_an_officer_whose_membership_ended_is_not_offered_as_assignee(
    signed_in, officer, specialist, submitted
):
    """The page offers the officers the engine accepts: valid memberships only."""
    import datetime

    from django.utils import timezone

    from tinhso import testing as factories
    from tinhso.accounts.models import Role

    former = factories.make_officer(specialist.memberships.get().agency, "chuyenvien.cu", Role.SPECIALIST)
    former.memberships.update(valid_to=timezone.localdate() - datetime.timedelta(days=1))
    client = signed_in(officer)
    action = client.get(reverse("motcua:action", args=[submitted.pk, "tiep_nhan"]))
    assert list(action.context["form"].fields["assignee"].queryset) == [specialist]
    counter = client.get(reverse("motcua:counter"))
    assert list(counter.context["form"].fields["assignee"].queryset) == [specialist]


def test_a_dashboard_viewer_starts_on_the_statistics_not_an_empty_dossier_list(
    signed_in, province, submitted
):
    """The dashboard viewer acts on no dossier: no dossier counts or inbox link, the way into
    the statistics instead; the one-stop officer's start page keeps its dossiers."""
    viewer = factories.make_officer(province["agencies"]["province"], "theodoi.vp", Role.DASHBOARD_VIEWER)
    page = signed_in(viewer).get(reverse("motcua:start"))
    html = page.content.decode()
    assert page.status_code == 200 and page.context["counts"] is None and page.context["documents"] == {}
    assert "Hồ sơ một cửa đang chờ bạn" not in html and f'href="{reverse("motcua:inbox")}"' not in html
    assert "Mở thống kê một cửa" in html and reverse("statistics:report") in html


def test_a_dossier_late_at_its_step_is_counted_and_listed_though_not_overdue_yet(
    signed_in, officer, specialist, submitted, client
):
    """An online dossier not examined within its working hours is late at its step while the
    dossier itself has no due time yet: the start page, the inbox and the API say so."""
    late = timezone.now() - datetime.timedelta(hours=2)
    DossierFlow.objects.filter(dossier=submitted).update(step_due_at=late)
    browser = signed_in(officer)
    counts = browser.get(reverse("motcua:start")).context["counts"]
    assert (counts["step_late"], counts["overdue"]) == (1, 0)
    start = browser.get(reverse("motcua:start")).content.decode()
    assert f"{reverse('motcua:inbox')}?deadline=step_late" in start and "quá hạn ở bước xử lý" in start
    page = browser.get(reverse("motcua:inbox"), {"deadline": "step_late"})
    assert [d.pk for d in page.context["page"]] == [submitted.pk]
    assert page.context["counts"]["step_late"] == 1 and "hạn của bước" in page.content.decode()
    assert not list(browser.get(reverse("motcua:inbox"), {"deadline": "overdue"}).context["page"])
    token, _ = issue_api_token(officer, "kiểm thử")
    listed = client.get(
        "/api/v1/mot-cua/dossiers", {"deadline": "step_late"}, HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    assert [item["id"] for item in listed["items"]] == [submitted.pk]

    browser.post(
        reverse("motcua:action", args=[submitted.pk, "tiep_nhan"]),
        {"assignee": specialist.pk, "version": submitted.version, "note": ""},
    )
    assert signed_in(specialist).get(reverse("motcua:start")).context["counts"]["step_late"] == 0


def test_the_dossier_page_reads_each_thing_once(signed_in, officer, submitted, django_assert_max_num_queries):
    """The flow is read with the dossier for the page and its actions; the permission rules read
    where the dossier is now, once each (view, then extend and stop together); the forms'
    records are looked for in one statement. 24 statements for a new dossier: the session and
    the user, the dossier with its flow, the memberships and their scope, where the dossier is
    now (the view rule), the read's audit entry (4), the reference versions, the navigation's
    two checks (feedback routing, statistics), the linked documents, the forms' records, and the
    page's nine lists."""
    client = signed_in(officer)
    url = reverse("motcua:dossier", args=[submitted.pk])
    client.get(url)  # the per-process reference copies (flows, units) are built once
    with django_assert_max_num_queries(24):
        page = client.get(url)
    assert page.status_code == 200
    assert [action.key for action in page.context["allowed"]][:1] == ["tiep_nhan"]
    assert page.context["flow"] == DossierFlow.objects.get(dossier=submitted)


def test_a_leader_sees_the_most_overdue_in_the_inbox_and_all_of_them_a_page_at_a_time(
    signed_in, citizen, procedure, desk, officer, specialist, leader, other_officer
):
    from tinhso.dossiers.models import Dossier
    from tinhso.motcua.actions import accept_dossier
    from tinhso.motcua.tests.fixtures import submit
    from tinhso.motcua.views import OVERDUE_SHOWN

    now = timezone.now()
    late = [accept_dossier(officer, submit(citizen, procedure, desk), assignee=specialist) for _ in range(7)]
    for days, dossier in enumerate(late, start=1):
        Dossier.objects.filter(pk=dossier.pk).update(due_at=now - datetime.timedelta(days=days))
    client = signed_in(leader)
    page = client.get(reverse("motcua:inbox"))
    assert [dossier.pk for dossier in page.context["overdue"]] == [d.pk for d in late[::-1][:OVERDUE_SHOWN]]
    html = page.content.decode()
    assert f'href="{reverse("motcua:overdue")}"' in html and "Xem tất cả 7 hồ sơ quá hạn" in html
    listed = client.get(reverse("motcua:overdue"))
    assert listed.status_code == 200
    assert [dossier.pk for dossier in listed.context["page"]] == [d.pk for d in late[::-1]]
    assert "Hồ sơ quá hạn của cơ quan" in listed.content.decode() and "(7)" in listed.content.decode()
    # Only leaders, and only their agencies' dossiers.
    assert signed_in(specialist).get(reverse("motcua:overdue")).status_code == 403
    assert signed_in(other_officer).get(reverse("motcua:overdue")).status_code == 403
    cao_lanh = other_officer.memberships.first().agency
    elsewhere = factories.make_officer(cao_lanh, "lanhdao.caolanh", Role.LEADER)
    assert not list(signed_in(elsewhere).get(reverse("motcua:overdue")).context["page"])
