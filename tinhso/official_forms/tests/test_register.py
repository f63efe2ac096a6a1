import datetime
import unicodedata
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tinhso import testing as factories
from tinhso.dossiers.models import Status
from tinhso.official_forms.rendering import register_rows, render_register_pdf, render_register_xlsx
from tinhso.testing import local

pytestmark = pytest.mark.django_db

JANUARY = (datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))


@pytest.fixture
def book(procedure, agencies, citizen, dossier):
    """Three dossiers of Mỹ Tho in January (one refused), one in February, one of Cao Lãnh."""
    factories.make_dossier(
        procedure,
        agencies["my_tho"],
        code="H20.201.01-260131-0007",
        applicant_name="Trần Thị Bích Ngọc",
        received_at=local(2026, 1, 31, 23, 59),
        due_at=local(2026, 2, 4, 16, 0),
        status=Status.REFUSED,
    )
    factories.make_dossier(
        procedure, agencies["my_tho"], code="H20.201.01-260201-0001", received_at=local(2026, 2, 1, 0, 0)
    )
    factories.make_dossier(procedure, agencies["cao_lanh"], code="H20.202.01-260110-0003")
    dossier.finished_at = local(2026, 1, 7, 10, 0)
    dossier.returned_at = local(2026, 1, 7, 14, 5)
    dossier.save()
    return register_rows(agencies["my_tho"], *JANUARY)


def test_rows_cover_the_period_in_local_days(book):
    assert [row["code"] for row in book] == ["H20.201.01-260105-0001", "H20.201.01-260131-0007"]
    assert book[0]["applicant"] == "Nguyễn Văn An"
    assert book[1]["note"] == "Không được tiếp nhận"


def test_rows_of_a_parent_agency_include_its_children(book, agencies):
    rows = register_rows(agencies["province"], *JANUARY)
    assert len(rows) == 3
    assert len(register_rows(agencies["province"], *JANUARY, include_children=False)) == 0


def test_register_xlsx(book, desk):
    workbook = load_workbook(BytesIO(render_register_xlsx(book, desk, JANUARY)))
    sheet = workbook.active

    assert sheet["A1"].value == "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG PHƯỜNG MỸ THO"
    assert sheet["A2"].value == "SỔ THEO DÕI HỒ SƠ"
    assert sheet["A3"].value == "Từ ngày 01/01/2026 đến ngày 31/01/2026"
    headers = [cell.value for cell in sheet[5]]
    assert headers[:4] == ["Số thứ tự", "Quyển số", "Mã hồ sơ", "Tên thủ tục hành chính"]
    assert "Hẹn trả kết quả" in headers
    first = {header: cell.value for header, cell in zip(headers, sheet[6], strict=True)}
    assert first["Số thứ tự"] == 1
    assert first["Quyển số"] == "HO-TICH/2026"
    assert first["Phương thức nhận kết quả"] == "Nhận trực tiếp"
    assert first["Mã hồ sơ"] == "H20.201.01-260105-0001"
    assert first["Tên cá nhân, tổ chức"] == "Nguyễn Văn An"
    assert first["Nhận hồ sơ"] == datetime.datetime(2026, 1, 5, 8, 30)
    assert first["Hẹn trả kết quả"] == datetime.datetime(2026, 1, 8, 8, 30)
    assert first["Trả kết quả cho cá nhân, tổ chức"] == datetime.datetime(2026, 1, 7, 14, 5)
    assert sheet["I6"].number_format == "dd/mm/yyyy hh:mm"
    assert sheet.cell(7, 3).value == "H20.201.01-260131-0007"
    assert sheet.cell(7, 9).value == datetime.datetime(2026, 1, 31, 23, 59)
    assert sheet.max_row == 7


def test_register_pdf_is_landscape_and_complete(book, desk):
    reader = PdfReader(BytesIO(render_register_pdf(book, desk, JANUARY)))
    page = reader.pages[0]
    text = unicodedata.normalize("NFC", " ".join(" ".join(p.extract_text() for p in reader.pages).split()))

    assert float(page.mediabox.width) > float(page.mediabox.height)
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert "Từ ngày 01/01/2026 đến ngày 31/01/2026" in text
    assert "H20.201.01-260105-0001" in text
    assert "Trần Thị Bích Ngọc" in text
    assert "05/01/2026 08:30" in text
    assert "31/01/2026 23:59" in text
    assert "H20.202.01" not in text


def test_empty_register(desk):
    text = PdfReader(BytesIO(render_register_pdf([], desk, JANUARY))).pages[0].extract_text()
    assert "Không có hồ sơ trong kỳ" in unicodedata.normalize("NFC", text)
