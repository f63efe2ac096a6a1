"""The received PDF's signature read on arrival and compared with the header (Decree 30/2020/NĐ-CP
Art. 21(2)): real PDFs signed by the signing app with the agencies' certificates from the
province's demo CA, one changed after signing, one signed with another agency's certificate; a
flagged document is registered only with the clerk's confirmation, which is recorded."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from weasyprint import HTML

from tinhso.audit.models import AuditEntry
from tinhso.documents import actions
from tinhso.documents.models import DocumentEvent, IncomingDocument, Package
from tinhso.documents.received_signature import messages
from tinhso.signing import actions as signing_actions
from tinhso.signing.pdf import sign_pdf
from tinhso.testing import minimal_pdf

SIGNER = "Trần Văn Ký"


def pdf(reference="01/QĐ-UBND"):
    return HTML(
        string=f"""<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Quyết định</title>
<style>body {{ font-family: "DejaVu Serif"; }}</style></head><body>
<p>ỦY BAN NHÂN DÂN TỈNH ĐỒNG THÁP</p><p>Số: {reference}</p>
<h1>QUYẾT ĐỊNH</h1><p>Về việc giao chỉ tiêu biên chế năm 2026</p></body></html>"""
    ).write_pdf()


@pytest.fixture
def certificates(agencies):
    return {key: signing_actions.issue_agency_certificate(None, agencies[key]) for key in ("pc", "dept")}


def arrive(agencies, pc_staff, data, capture, signer=SIGNER, at=None):
    """The People's Committee numbers a decision carrying ``data`` and sends it to the department;
    the department's copy as it arrived."""
    draft = actions.create_draft(
        pc_staff["specialist"],
        agencies["pc"],
        type_code="quyet_dinh",
        subject="Về việc giao chỉ tiêu biên chế năm 2026",
        signer_position="Phó Chủ tịch",
        signer_name=signer,
        upload=SimpleUploadedFile("quyet-dinh.pdf", data, content_type="application/pdf"),
    )
    document = actions.issue_document(pc_staff["clerk"], draft, at=at)
    with capture(execute=True):
        actions.send_document(pc_staff["clerk"], document, [agencies["dept"]])
    return IncomingDocument.objects.get(agency=agencies["dept"])


def codes(incoming):
    return [finding["code"] for finding in incoming.signature_findings]


def test_a_signed_pdf_matching_its_header_registers_at_once(
    agencies, pc_staff, dept_staff, certificates, django_capture_on_commit_callbacks
):
    signed = sign_pdf(pdf(), agencies["pc"], "Ban hành quyết định", "Đồng Tháp", SIGNER)

    incoming = arrive(agencies, pc_staff, signed, django_capture_on_commit_callbacks)

    assert (incoming.signature_check, incoming.signature_findings) == ("matches", [])
    assert incoming.signature_signer == SIGNER
    assert incoming.signature_certificate == agencies["pc"].name
    assert abs(incoming.signature_signed_at - timezone.now()) < datetime.timedelta(minutes=5)
    registered = actions.register_incoming(dept_staff["clerk"], incoming)
    assert registered.arrival_number == 1
    entry = AuditEntry.objects.filter(action="documents.register").latest("pk")
    assert entry.data["signature_check"] == "matches"


def test_a_pdf_changed_after_signing_is_flagged_and_registered_only_when_the_clerk_confirms(
    agencies, pc_staff, dept_staff, certificates, django_capture_on_commit_callbacks
):
    signed = bytearray(sign_pdf(pdf(), agencies["pc"], "Ban hành quyết định", "Đồng Tháp", SIGNER))
    position = signed.index(b"WeasyPrint")
    signed[position] = ord("X")

    incoming = arrive(agencies, pc_staff, bytes(signed), django_capture_on_commit_callbacks)

    assert incoming.signature_check == "flagged"
    assert codes(incoming) == ["tampered"]
    packages, events = Package.objects.count(), DocumentEvent.objects.count()
    with pytest.raises(ValidationError) as refusal:
        actions.register_incoming(dept_staff["clerk"], incoming)
    assert refusal.value.code == "signature"
    assert "bị thay đổi sau khi ký" in refusal.value.message
    incoming.refresh_from_db()
    assert (incoming.state, incoming.arrival_number) == ("pending", None)
    assert (Package.objects.count(), DocumentEvent.objects.count()) == (packages, events)

    registered = actions.register_incoming(dept_staff["clerk"], incoming, accept_signature=True)

    assert registered.arrival_number == 1
    note = DocumentEvent.objects.get(incoming=incoming, kind="registered").note
    assert note.startswith("Vào sổ dù chữ ký số có vấn đề") and "bị thay đổi sau khi ký" in note
    entry = AuditEntry.objects.filter(action="documents.register").latest("pk")
    assert entry.data["signature_findings"] == ["tampered"]


def test_a_pdf_signed_with_another_agencys_certificate_is_flagged(
    agencies, pc_staff, dept_staff, certificates, django_capture_on_commit_callbacks
):
    signed = sign_pdf(pdf(), agencies["dept"], "Ban hành quyết định", "Đồng Tháp", SIGNER)

    incoming = arrive(agencies, pc_staff, signed, django_capture_on_commit_callbacks)

    assert codes(incoming) == ["agency"]
    assert incoming.signature_certificate == agencies["dept"].name
    (message,) = messages(incoming.signature_findings)
    assert agencies["dept"].name in message and agencies["pc"].name in message


def test_the_signer_number_and_date_are_compared_with_the_header(
    agencies, pc_staff, certificates, django_capture_on_commit_callbacks
):
    signed = sign_pdf(pdf("07/QĐ-UBND"), agencies["pc"], "Ban hành", "Đồng Tháp", "Nguyễn Văn Khác")
    a_week_later = timezone.now() + datetime.timedelta(days=7)

    incoming = arrive(agencies, pc_staff, signed, django_capture_on_commit_callbacks, at=a_week_later)

    assert codes(incoming) == ["signer", "date", "reference"]
    text = " ".join(messages(incoming.signature_findings))
    assert "Nguyễn Văn Khác" in text and SIGNER in text and "01/QĐ-UBND" in text


def test_an_unsigned_pdf_is_flagged_and_can_be_returned(
    agencies, pc_staff, dept_staff, django_capture_on_commit_callbacks
):
    incoming = arrive(agencies, pc_staff, minimal_pdf(), django_capture_on_commit_callbacks)

    assert codes(incoming) == ["unsigned"]
    with django_capture_on_commit_callbacks(execute=True):
        actions.refuse_incoming(dept_staff["clerk"], incoming, "Văn bản chưa được ký số")
    incoming.refresh_from_db()
    assert (incoming.state, incoming.delivery.business_status) == ("refused", "02")


def test_an_uploaded_paper_scan_without_signature_needs_the_confirmation(agencies, dept_staff):
    fields = {
        "sender_name": "Bộ Nội vụ",
        "code_number": "5120",
        "code_notation": "BNV-VP",
        "subject": "Hướng dẫn",
    }

    def upload():
        return SimpleUploadedFile("cong-van.pdf", minimal_pdf(), content_type="application/pdf")

    with pytest.raises(ValidationError) as refusal:
        actions.register_paper(dept_staff["clerk"], agencies["dept"], upload=upload(), **fields)
    assert refusal.value.code == "signature"
    assert not IncomingDocument.objects.exists()

    registered = actions.register_paper(
        dept_staff["clerk"], agencies["dept"], upload=upload(), accept_signature=True, **fields
    )
    assert (registered.arrival_number, codes(registered)) == (1, ["unsigned"])
    with registered.file.open("rb") as stored:
        assert stored.read() == minimal_pdf()
    without_file = actions.register_paper(
        dept_staff["clerk"], agencies["dept"], **fields | {"code_number": "5121"}
    )
    assert without_file.signature_check == ""


def test_the_clerk_sees_the_findings_and_confirms_on_the_page(
    client, signed_in, agencies, pc_staff, dept_staff, certificates, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    signed = sign_pdf(pdf(), agencies["dept"], "Ban hành", "Đồng Tháp", SIGNER)
    incoming = arrive(agencies, pc_staff, signed, django_capture_on_commit_callbacks)
    signed_in(dept_staff["clerk"])
    page = client.get(reverse("documents:incoming", args=[incoming.pk])).content.decode()
    assert "Chữ ký số của tệp PDF" in page and "không phải của nơi gửi" in page
    assert "vẫn vào sổ" in page
    form = {"subject": incoming.subject, "code_number": "01", "code_notation": "QĐ-UBND"}

    client.post(reverse("documents:register", args=[incoming.pk]), form)
    incoming.refresh_from_db()
    assert incoming.arrival_number is None
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:register", args=[incoming.pk]), form | {"accept_signature": "on"})
    incoming.refresh_from_db()
    assert incoming.arrival_number == 1


def test_a_certificate_outside_the_trusted_cas_is_flagged(
    agencies, pc_staff, certificates, django_capture_on_commit_callbacks
):
    from tinhso.signing.models import TrustRoot

    signed = sign_pdf(pdf(), agencies["pc"], "Ban hành quyết định", "Đồng Tháp", SIGNER)
    TrustRoot.objects.update(is_active=False)  # the province no longer trusts the CA that issued it

    incoming = arrive(agencies, pc_staff, signed, django_capture_on_commit_callbacks)

    assert codes(incoming) == ["untrusted"]
    assert "không do CA của tỉnh" in messages(incoming.signature_findings)[0]
