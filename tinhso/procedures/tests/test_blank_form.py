"""The blank declaration to download and print (issue 20): drawn from the e-form, A4, Liberation
Serif (Times New Roman's metrics), the national motto, every field of the e-form, choices as
boxes, the signature block; cached per version of the procedure."""

import unicodedata
from io import BytesIO

import pytest
from django.core.cache import cache
from pypdf import PdfReader

from tinhso.procedures.blank_form import declaration
from tinhso.procedures.models import Procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(demo_catalogue):
    cache.clear()
    return demo_catalogue


def read(response) -> tuple[PdfReader, str]:
    reader = PdfReader(
        BytesIO(b"".join(response) if hasattr(response, "streaming_content") else response.content)
    )
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(unicodedata.normalize("NFC", text).split())


def labels(fields):
    for field in fields:
        yield field["label"]
        yield from labels(field.get("fields") or [])


def test_the_criminal_record_declaration_has_every_field_of_the_e_form(client, catalogue):
    procedure = Procedure.objects.get(code="DT-004")
    page = client.get("/thu-tuc/DT-004/").content.decode()
    assert 'href="/thu-tuc/DT-004/to-khai.pdf"' in page
    assert "Tải mẫu tờ khai để in (PDF): Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp" in page
    response = client.get("/thu-tuc/DT-004/to-khai.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="to-khai-dt-004.pdf"' in response["Content-Disposition"]
    reader, text = read(response)
    width, height = (float(value) for value in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    fonts = {str(font["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert fonts and all("Liberation-Serif" in font for font in fonts), fonts
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "TỜ KHAI YÊU CẦU CẤP PHIẾU LÝ LỊCH TƯ PHÁP" in text
    names = [agency.name for agency in procedure.agencies.all()]
    assert "Công an tỉnh Đồng Tháp" in names and "Kính gửi: " + " / ".join(names) in text
    for form_page in procedure.eform["pages"]:
        assert form_page["title"] in text
        for label in labels(form_page["fields"]):
            assert " ".join(label.split()) in text, label
    # Choices are boxes to tick, each with its label.
    for choice in ("Phiếu lý lịch tư pháp số 2", "Sinh viên", "Qua dịch vụ bưu chính công ích"):
        assert choice in text
    assert "NGƯỜI KHAI" in text and "(Ký, ghi rõ họ, chữ đệm, tên)" in text


def test_the_form_is_cached_per_version_of_the_procedure(client, catalogue):
    first = client.get("/thu-tuc/DT-004/to-khai.pdf").content
    assert client.get("/thu-tuc/DT-004/to-khai.pdf").content == first
    procedure = Procedure.objects.get(code="DT-004")
    procedure.eform["pages"][0]["fields"][0]["label"] = "Họ và tên người được cấp Phiếu"
    procedure.save()
    _reader, text = read(client.get("/thu-tuc/DT-004/to-khai.pdf"))
    assert "Họ và tên người được cấp Phiếu" in text


def test_every_procedure_with_a_declaration_has_its_blank_form(client, catalogue):
    procedures = list(Procedure.objects.prefetch_related("documents", "agencies"))
    with_form = [procedure for procedure in procedures if declaration(procedure) is not None]
    assert len(with_form) >= 10
    for procedure in with_form:
        response = client.get(f"/thu-tuc/{procedure.code}/to-khai.pdf")
        assert response.status_code == 200, procedure.code
        _reader, text = read(response)
        assert procedure.eform["pages"][0]["title"] in text, procedure.code
    without = next(procedure for procedure in procedures if declaration(procedure) is None)
    assert client.get(f"/thu-tuc/{without.code}/to-khai.pdf").status_code == 404
    assert "to-khai.pdf" not in client.get(f"/thu-tuc/{without.code}/").content.decode()
    assert client.get("/thu-tuc/KHONG-CO/to-khai.pdf").status_code == 404
