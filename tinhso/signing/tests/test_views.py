import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso import testing as factories
from tinhso.signing.actions import issue_signed_result
from tinhso.signing.models import TrustRoot
from tinhso.signing.pdf import sign_pdf
from tinhso.testing import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(leader, dossier, certificate, result_pdf):
    return issue_signed_result(leader, dossier, result_pdf, "Giấy khai sinh của Nguyễn Ngọc Hân")


def page(response):
    return response.content.decode()


def test_verification_page_of_a_genuine_result(client, document):
    response = client.get(f"/xac-thuc-ket-qua/{document.pk}/")

    text = page(response)
    assert response.status_code == 200
    assert "Văn bản thật và không bị thay đổi" in text
    assert "Giấy khai sinh của Nguyễn Ngọc Hân" in text
    assert "Trung tâm Phục vụ hành chính công phường Mỹ Tho" in text
    assert "Lê Văn Hùng" in text
    assert document.sha256 in text
    assert "087095001234" not in text  # no personal data on the public page


def test_verification_page_when_the_stored_file_was_tampered_with(client, document):
    content = bytearray(default_storage.open(document.file.name).read())
    content[content.index(b"WeasyPrint")] = ord("X")
    default_storage.delete(document.file.name)
    default_storage.save(document.file.name, ContentFile(bytes(content)))

    text = page(client.get(f"/xac-thuc-ket-qua/{document.pk}/"))

    assert "Văn bản không xác thực hoặc đã bị thay đổi" in text
    assert "Bản lưu không khớp với dấu vân tay đã đăng ký" in text
    assert "Văn bản thật và không bị thay đổi" not in text


def test_unknown_verification_code(client, db):
    assert client.get("/xac-thuc-ket-qua/1b4e28ba-2fa1-41d2-883f-0016d3cca427/").status_code == 404


def test_uploading_the_signed_result_to_check_it(client, document):
    upload = SimpleUploadedFile("ket-qua.pdf", default_storage.open(document.file.name).read())

    response = client.post("/xac-thuc-ket-qua/kiem-tra/", {"file": upload})

    text = page(response)
    assert response.status_code == 200
    assert "Văn bản thật và không bị thay đổi" in text
    assert f"/xac-thuc-ket-qua/{document.pk}/" in text


def test_uploading_a_pdf_signed_outside_the_trusted_roots(client, desk, certificate, result_pdf):
    signed = sign_pdf(result_pdf, desk, "Thử", "Đồng Tháp", "Người lạ")
    TrustRoot.objects.update(is_active=False)

    text = page(client.post("/xac-thuc-ket-qua/kiem-tra/", {"file": SimpleUploadedFile("a.pdf", signed)}))

    assert "Văn bản không xác thực hoặc đã bị thay đổi" in text
    assert "không do tổ chức chứng thực được tin cậy" in text


def test_uploading_a_non_pdf_is_refused(client, db):
    fake = SimpleUploadedFile(
        "ket-qua.pdf", b"MZ\x90\x00\x03 an executable renamed", content_type="application/pdf"
    )

    response = client.post("/xac-thuc-ket-qua/kiem-tra/", {"file": fake})

    assert response.status_code == 400
    assert "Tệp không phải là tệp PDF." in page(response)


def test_uploading_too_large_a_file_is_refused(client, db, settings):
    settings.SIGNING_MAX_CHECK_MB = 1
    big = SimpleUploadedFile("lon.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 1))

    response = client.post("/xac-thuc-ket-qua/kiem-tra/", {"file": big})

    assert response.status_code == 400
    assert "lớn hơn 1 MB" in page(response)


def test_uploading_nothing(client, db):
    response = client.post("/xac-thuc-ket-qua/kiem-tra/", {})
    assert response.status_code == 400
    assert "Hãy chọn một tệp PDF." in page(response)


def test_download_of_the_signed_file(client, document, citizen, agencies):
    assert client.get(f"/xac-thuc-ket-qua/{document.pk}/tai-ve/").status_code == 302  # sign in first

    stranger = factories.make_citizen(
        cccd="082190004567", name="Trần Thị Bích Ngọc", born="1990-11-02", phone="0387654321"
    )
    signed_in(client, stranger)
    assert client.get(f"/xac-thuc-ket-qua/{document.pk}/tai-ve/").status_code == 404

    signed_in(client, citizen)
    response = client.get(f"/xac-thuc-ket-qua/{document.pk}/tai-ve/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_an_officer_downloading_the_result_is_logged_and_the_applicant_is_not(
    client, document, citizen, leader
):
    from tinhso.audit.models import AuditEntry
    from tinhso.audit.services import PERSONAL_DATA_READ

    reads = AuditEntry.objects.filter(action=PERSONAL_DATA_READ, object_id=str(citizen.pk))
    signed_in(client, citizen)
    assert client.get(f"/xac-thuc-ket-qua/{document.pk}/tai-ve/").status_code == 200
    assert not reads.exists()
    signed_in(client, leader)
    assert client.get(f"/xac-thuc-ket-qua/{document.pk}/tai-ve/").status_code == 200
    entry = reads.get()
    assert (entry.actor, entry.data["purpose"], entry.data["reference"]) == (
        leader,
        "signing.download",
        document.dossier.code,
    )
