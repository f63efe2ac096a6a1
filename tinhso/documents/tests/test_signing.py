"""The leader signs drafts, one or a batch; the văn thư numbers them and applies the agency's
signature (Decree 30/2020 Art. 13, 14, 15(3), 17(2), 32(2)(d))."""

from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pyhanko.pdf_utils.reader import PdfFileReader
from weasyprint import HTML

from tinhso.audit.models import AuditEntry
from tinhso.documents import actions, signatures
from tinhso.documents.models import DocumentEvent, OutgoingDocument
from tinhso.signing import actions as signing_actions
from tinhso.signing.pdf import verify_pdf


@pytest.fixture
def certified(agencies):
    for agency in agencies.values():
        signing_actions.issue_agency_certificate(None, agency)
    return agencies


def draft(author, agency, subject="Về việc tổ chức hội nghị tổng kết năm 2026", **fields):
    return actions.create_draft(
        author,
        agency,
        type_code="quyet_dinh",
        subject=subject,
        content="Giao Văn phòng chuẩn bị hội nghị.",
        signer_competence="KT.",
        signer_position="Chủ tịch",
        **fields,
    )


def read(document) -> bytes:
    document.refresh_from_db()
    with document.file.open("rb") as handle:
        return handle.read()


def fields_of(pdf: bytes) -> dict:
    reader = PdfFileReader(BytesIO(pdf))
    found = {}
    for ref in reader.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        found[str(field["/T"])] = field
    return found


def test_leader_signs_then_the_clerk_numbers_dates_and_seals(certified, pc_staff):
    leader, clerk = pc_staff["leader"], pc_staff["clerk"]
    document = draft(pc_staff["specialist"], certified["pc"])

    signed = actions.sign_draft(leader, document)
    assert signed.signed_by == leader and signed.signer_name == "Trần Văn Lãnh"
    first = read(signed)
    check = verify_pdf(first)
    assert check.valid and check.trusted and check.signature_count == 1
    assert check.signer == "Trần Văn Lãnh"
    assert "/V" not in fields_of(first)[signatures.NUMBER_FIELD]

    issued = actions.issue_document(clerk, signed)
    final = read(issued)
    check = verify_pdf(final)
    # Both signatures verify against the province's CA: the leader's stays valid after the
    # number, the date and the agency's signature are added.
    assert check.valid, check.message
    assert check.trusted and check.signature_count == 2 and not check.modified_after_signing
    assert check.agency == certified["pc"]
    fields = fields_of(final)
    assert str(fields[signatures.NUMBER_FIELD]["/V"]) == issued.reference == "01/QĐ-UBND"
    assert str(fields[signatures.DATE_FIELD]["/V"]) == signatures.dateline("Đồng Tháp", issued.issued_at)
    leader_box = [float(v) for v in fields[signatures.LEADER_FIELD]["/Rect"]]
    seal_box = [float(v) for v in fields[signatures.AGENCY_FIELD]["/Rect"]]
    third = leader_box[0] + (leader_box[2] - leader_box[0]) / 3
    # The seal covers about the left third of the signer's image (Art. 33(1)(b)).
    assert seal_box[0] < leader_box[0] < seal_box[2] == pytest.approx(third, abs=1)
    kinds = list(issued.events.values_list("kind", flat=True))
    assert kinds == [DocumentEvent.Kind.DRAFTED, DocumentEvent.Kind.SIGNED, DocumentEvent.Kind.ISSUED]
    assert AuditEntry.objects.filter(action="documents.sign").count() == 1
    assert "hoi nghi tong ket" in issued.search_folded


def test_the_dateline_pads_days_and_the_first_two_months():
    import datetime

    january = datetime.datetime(2027, 1, 5, 3, tzinfo=datetime.UTC)
    december = datetime.datetime(2026, 12, 3, 3, tzinfo=datetime.UTC)
    assert signatures.dateline("Đồng Tháp", january) == "Đồng Tháp, ngày 05 tháng 01 năm 2027"
    assert signatures.dateline("Đồng Tháp", december) == "Đồng Tháp, ngày 03 tháng 12 năm 2026"


def test_content_added_after_the_signatures_is_still_detected(certified, pc_staff):
    document = actions.issue_document(
        pc_staff["clerk"],
        actions.sign_draft(pc_staff["leader"], draft(pc_staff["specialist"], certified["pc"])),
    )
    tampered = read(document).replace(b"%%EOF", b"%%EOF\n1 0 obj << /Evil true >> endobj\n", 1)
    assert not verify_pdf(tampered).valid


def test_a_batch_where_one_pdf_fails(certified, pc_staff, settings, tmp_path):
    leader = pc_staff["leader"]
    good = [draft(pc_staff["specialist"], certified["pc"], subject=f"Văn bản số {n}") for n in (1, 2)]
    no_number_line = HTML(string="<p>Không có dòng số</p><p>Trần Văn Lãnh</p>").write_pdf()
    bad = draft(pc_staff["specialist"], certified["pc"], subject="Bản thảo lỗi")
    bad.file.save("loi.pdf", ContentFile(no_number_line))
    bad.file_name = "loi.pdf"
    bad.save()
    files_before = {path.name for path in (tmp_path / "media").rglob("*.pdf")}

    result = actions.sign_drafts(leader, [good[0], bad, good[1]])

    assert [document.pk for document in result.signed] == [good[0].pk, good[1].pk]
    assert [(document.pk, reason) for document, reason in result.failed] == [
        (bad.pk, gettext("The draft has no “Số:” line on its first page."))
    ]
    bad.refresh_from_db()
    assert bad.signed_at is None and bad.signed_by is None and bad.file.name.endswith("loi.pdf")
    assert not bad.events.filter(kind=DocumentEvent.Kind.SIGNED).exists()
    files_after = {path.name for path in (tmp_path / "media").rglob("*.pdf")}
    assert len(files_after - files_before) == 2
    for document in good:
        assert verify_pdf(read(document)).valid


def test_refusals_change_nothing(certified, agencies, pc_staff, dept_staff):
    document = draft(pc_staff["specialist"], certified["pc"])
    with pytest.raises(PermissionDenied):
        actions.sign_draft(pc_staff["specialist"], document)
    with pytest.raises(PermissionDenied):
        actions.sign_draft(dept_staff["leader"], document)
    result = actions.sign_drafts(dept_staff["leader"], [document])
    assert not result.signed and result.failed[0][1] == gettext("You may not sign this draft.")
    other_signer = draft(pc_staff["specialist"], certified["pc"], signer_name="Phạm Thị Khác")
    with pytest.raises(ValidationError, match="Phạm Thị Khác") as refusal:
        actions.sign_draft(pc_staff["leader"], other_signer)
    assert refusal.value.code == "signer"
    actions.sign_draft(pc_staff["leader"], document)
    with pytest.raises(ValidationError) as refusal:
        actions.sign_draft(pc_staff["leader"], OutgoingDocument.objects.get(pk=document.pk))
    assert refusal.value.code == "signed"
    assert OutgoingDocument.objects.filter(signed_at__isnull=False).count() == 1


def test_an_agency_without_certificate_cannot_sign(agencies, pc_staff):
    document = draft(pc_staff["specialist"], agencies["pc"])
    with pytest.raises(ValidationError) as refusal:
        actions.sign_draft(pc_staff["leader"], document)
    assert refusal.value.code == "no_certificate"
    document.refresh_from_db()
    assert document.signed_at is None and not document.file


def test_the_leader_signs_a_batch_from_the_inbox_page(certified, pc_staff, signed_in, client):
    drafts = [draft(pc_staff["specialist"], certified["pc"], subject=f"Lô {n}") for n in (1, 2)]
    signed_in(pc_staff["specialist"])
    assert client.get(reverse("documents:sign_list")).status_code == 404
    signed_in(pc_staff["leader"])
    page = client.get(reverse("documents:sign_list")).content.decode()
    assert "Lô 1" in page and "Lô 2" in page
    response = client.post(
        reverse("documents:sign_batch"),
        {"agency": certified["pc"].pk, "documents": [d.pk for d in drafts]},
        follow=True,
    )
    assert gettext("%(count)d draft(s) signed.") % {"count": 2} in response.content.decode()
    assert (
        OutgoingDocument.objects.filter(pk__in=[d.pk for d in drafts], signed_at__isnull=False).count() == 2
    )


def test_an_uploaded_draft_is_signed_where_its_own_layout_says(certified, pc_staff):
    html = """<html lang="vi"><body style="font-family: 'DejaVu Serif'">
    <p>ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP</p><p>Số: ……/TB-UBND</p>
    <p style="text-align: right">Đồng Tháp, ngày … tháng … năm 2026</p>
    <p>THÔNG BÁO về lịch làm việc</p><p>…</p><p style="page-break-before: always">KT. CHỦ TỊCH</p>
    <p style="margin-top: 90pt">Trần Văn Lãnh</p></body></html>"""
    document = draft(pc_staff["specialist"], certified["pc"])
    document.file.save("thong-bao.pdf", ContentFile(HTML(string=html).write_pdf()))
    signed = actions.sign_draft(pc_staff["leader"], document)
    issued = actions.issue_document(pc_staff["clerk"], signed)
    final = read(issued)
    assert verify_pdf(final).valid
    reader = PdfFileReader(BytesIO(final))
    kids = reader.root["/Pages"]["/Kids"]
    first, last = kids.raw_get(0).reference, kids.raw_get(len(kids) - 1).reference
    assert first != last

    def fields_on(page_ref):
        return {str(ref.get_object()["/T"]) for ref in page_ref.get_object().get("/Annots", [])}

    assert {signatures.NUMBER_FIELD, signatures.DATE_FIELD} <= fields_on(first)
    assert {signatures.LEADER_FIELD, signatures.AGENCY_FIELD} <= fields_on(last)


def test_the_leader_reviews_the_draft_before_signing(certified, pc_staff, dept_staff, signed_in, client):
    from pypdf import PdfReader

    document = draft(pc_staff["specialist"], certified["pc"])
    url = reverse("documents:draft_preview", args=[document.pk])
    signed_in(dept_staff["leader"])
    assert client.get(url).status_code == 404
    signed_in(pc_staff["leader"])
    page = client.get(reverse("documents:outgoing", args=[document.pk])).content.decode()
    assert url in page
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(BytesIO(response.content)).pages[0].extract_text()
    assert "Số: ……/QĐ-UBND" in text and "hội nghị tổng kết" in text
    actions.sign_draft(pc_staff["leader"], document)
    assert client.get(url).status_code == 404  # the signed file is the one to read now


def test_an_uploaded_draft_rendered_for_the_leader_has_its_marks_in_vietnamese(agencies, pc_staff):
    """The draft rendered when nothing was uploaded, opened on an English page."""
    document = draft(pc_staff["specialist"], agencies["pc"], urgency=3, secrecy=1)
    with translation.override("en"):
        text = signatures.text_of(signatures.render_draft(document))
    assert "MẬT" in text and "HỎA TỐC" in text and "FLASH" not in text
