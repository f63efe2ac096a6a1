import hashlib
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from pypdf import PdfReader

from tinhso import testing as factories
from tinhso.audit.models import AuditEntry
from tinhso.dossiers.models import PersonalDocument, Status
from tinhso.signing.actions import issue_signed_result
from tinhso.signing.models import SignedDocument
from tinhso.signing.pdf import verify_pdf

pytestmark = pytest.mark.django_db


def stored_bytes(document):
    with default_storage.open(document.file.name, "rb") as handle:
        return handle.read()


def test_a_leader_issues_a_signed_result(leader, dossier, certificate, result_pdf, citizen):
    document = issue_signed_result(leader, dossier, result_pdf, "Giấy khai sinh của Nguyễn Ngọc Hân")

    content = stored_bytes(document)
    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert not document.file.name.endswith(f"{document.pk}.pdf")  # random storage name
    result = verify_pdf(content)
    assert result.valid
    assert result.signer == "Lê Văn Hùng"
    assert result.agency == dossier.receiving_agency
    text = PdfReader(BytesIO(content)).pages[-1].extract_text()
    assert f"/xac-thuc-ket-qua/{document.pk}/" in text.replace("\n", "")
    assert "GIẤY KHAI SINH" in text

    copy = PersonalDocument.objects.get(owner=citizen)
    assert copy.source == PersonalDocument.Source.RESULT
    assert copy.dossier == dossier
    assert copy.sha256 == document.sha256
    entry = AuditEntry.objects.get(action="signing.issue_result")
    assert entry.object_id == str(document.pk)
    assert entry.data["dossier"] == dossier.code


@pytest.mark.parametrize("who", ["one_stop_officer", "other_leader", "citizen"])
def test_only_a_leader_of_the_receiving_agency_signs(
    who, agencies, dossier, certificate, result_pdf, citizen
):
    actor = {
        "one_stop_officer": lambda: factories.make_officer(
            agencies["my_tho"], "motcua.mytho", factories.OFFICER
        ),
        "other_leader": lambda: factories.make_officer(
            agencies["cao_lanh"], "lanhdao.caolanh", factories.LEADER
        ),
        "citizen": lambda: citizen,
    }[who]()

    with pytest.raises(PermissionDenied):
        issue_signed_result(actor, dossier, result_pdf, "Giấy khai sinh")

    assert not SignedDocument.objects.exists()
    assert not PersonalDocument.objects.exists()


def test_a_leader_above_the_receiving_agency_may_sign(agencies, dossier, certificate, result_pdf):
    chairman = factories.make_officer(agencies["province"], "chutich.tinh", factories.LEADER)
    assert issue_signed_result(chairman, dossier, result_pdf, "Giấy khai sinh").agency == agencies["my_tho"]


def test_refused_dossier_and_bad_input_are_refused_and_nothing_is_stored(
    leader, dossier, certificate, result_pdf, settings
):
    with pytest.raises(ValidationError) as error:
        issue_signed_result(leader, dossier, result_pdf, "   ")
    assert error.value.messages == ["Nhập tên văn bản kết quả."]

    with pytest.raises(ValidationError) as error:
        issue_signed_result(leader, dossier, b"%PDF-1.7 this is not really a PDF", "Giấy khai sinh")
    assert error.value.code == "bad_pdf"

    dossier.status = Status.REFUSED
    dossier.save()
    with pytest.raises(ValidationError) as error:
        issue_signed_result(leader, dossier, result_pdf, "Giấy khai sinh")
    assert error.value.code == "status"

    assert not SignedDocument.objects.exists()
    results = settings.MEDIA_ROOT / "ket-qua"
    assert not results.exists() or not any(path.is_file() for path in results.rglob("*"))


def test_an_agency_without_certificate_cannot_issue(leader, dossier, result_pdf):
    with pytest.raises(ValidationError) as error:
        issue_signed_result(leader, dossier, result_pdf, "Giấy khai sinh")
    assert error.value.code == "no_certificate"
    assert not SignedDocument.objects.exists()
