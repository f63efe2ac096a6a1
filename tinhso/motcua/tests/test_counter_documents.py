"""Digitisation at the counter: each paper document is scanned unless one of the exemptions
applies, the officer records what was given (original, certified copy, copy, electronic), and
Form 01 prints exactly that (Decree 118/2025/NĐ-CP Art. 17(1)(c); Circular 03/2025/TT-VPCP
Art. 5)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso import testing as factories
from tinhso.audit.models import AuditEntry
from tinhso.dossiers.models import Attachment, Dossier
from tinhso.motcua import actions
from tinhso.motcua.actions import GivenDocument
from tinhso.motcua.models import CopyForm, CounterDocument, ScanExemption
from tinhso.official_forms.rendering import render_form
from tinhso.official_forms.tests.test_forms import nfc, read

pytestmark = pytest.mark.django_db
APPLICANT = {"name": "Trần Thị Bích Ngọc", "phone": "0387654321"}


def scan(name="giay-to.pdf"):
    return SimpleUploadedFile(name, factories.minimal_pdf(), content_type="application/pdf")


def test_form_01_prints_what_the_applicant_actually_gave(procedure, officer, specialist, desk):
    birth_paper = procedure.documents.get(position=1)
    dossier = actions.receive_at_counter(
        officer,
        desk,
        procedure,
        APPLICANT,
        [
            GivenDocument(CopyForm.ORIGINAL, birth_paper, file=scan()),
            GivenDocument(CopyForm.CERTIFIED_COPY, name="Giấy đăng ký kết hôn", file=scan(), quantity=2),
            GivenDocument(CopyForm.ORIGINAL, name="Mẫu vật kèm theo", exemption=ScanExemption.NOT_SCANNABLE),
            GivenDocument(CopyForm.ELECTRONIC, name="Ảnh chân dung", file=scan("anh.pdf")),
        ],
        assignee=specialist,
    )
    assert dossier.attachments.count() == 3
    assert list(dossier.counter_documents.values_list("copy_form", "scan_exemption", "quantity")) == [
        ("original", "", 1),
        ("certified_copy", "", 2),
        ("original", "not_scannable", 1),
        ("electronic", "", 1),
    ]
    text = read(render_form(1, dossier))
    assert nfc(f"1 {birth_paper.name} Bản chính 1") in text
    assert nfc("2 Giấy đăng ký kết hôn Bản sao có chứng thực 2") in text
    assert nfc("3 Mẫu vật kèm theo Bản chính 1") in text
    assert nfc("4 Ảnh chân dung Bản điện tử 1") in text
    entry = AuditEntry.objects.get(action="motcua.receive_at_counter")
    assert entry.data["files"] == 3


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (GivenDocument(CopyForm.ORIGINAL, name="Tờ khai"), "Hãy quét mọi giấy tờ bản giấy"),
        (
            GivenDocument(CopyForm.CERTIFIED_COPY, name="Tờ khai", exemption=""),
            "Hãy quét mọi giấy tờ bản giấy",
        ),
        (GivenDocument(CopyForm.ELECTRONIC, name="Tờ khai"), "Hãy đính kèm tệp"),
        (GivenDocument("photocopy", name="Tờ khai", file=scan()), "Hãy cho biết mỗi giấy tờ"),
        (GivenDocument(CopyForm.ORIGINAL, name="Tờ khai", exemption="lost"), "Hãy chọn lý do"),
        (
            GivenDocument(CopyForm.ORIGINAL, name=" ", exemption=ScanExemption.STATE_SECRET),
            "Hãy ghi tên từng giấy tờ",
        ),
        (GivenDocument(CopyForm.ORIGINAL, name="Tờ khai", file=scan(), quantity=0), "từ 1 đến 99"),
    ],
)
def test_a_document_without_scan_or_a_valid_record_creates_nothing(
    procedure, officer, desk, document, message
):
    with pytest.raises(ValidationError) as caught:
        actions.receive_at_counter(officer, desk, procedure, APPLICANT, [document])
    assert any(message in text for text in caught.value.message_dict["documents"])
    assert not Dossier.objects.exists()
    assert not Attachment.objects.exists() and not CounterDocument.objects.exists()


def test_scanned_and_exempt_at_once_is_refused(procedure, officer, desk):
    document = GivenDocument(
        CopyForm.ORIGINAL, name="Tờ khai", file=scan(), exemption=ScanExemption.STATE_SECRET
    )
    with pytest.raises(ValidationError):
        actions.receive_at_counter(officer, desk, procedure, APPLICANT, [document])
    assert not Dossier.objects.exists()


def test_a_document_of_another_procedure_is_refused(procedure, officer, desk):
    other = factories.make_procedure(code="1.000002")
    document = GivenDocument(CopyForm.ORIGINAL, other.documents.first(), file=scan())
    with pytest.raises(ValidationError) as caught:
        actions.receive_at_counter(officer, desk, procedure, APPLICANT, [document])
    assert caught.value.message_dict["documents"] == ["Giấy tờ này không thuộc thành phần hồ sơ của thủ tục."]


def test_an_online_dossier_still_prints_electronic_copies(accepted):
    text = read(render_form(1, accepted))
    assert nfc("Bản điện tử") in text
