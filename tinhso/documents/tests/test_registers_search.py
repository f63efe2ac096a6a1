"""The registers printed for a period (Appendix IV; Art. 16(2)(b), 22(3)(b)) and the search."""

import datetime
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader
from weasyprint import HTML

from tinhso.documents import actions, registers, search
from tinhso.documents.models import SavedSearch

# 10:00 in Vietnam on 10/03/2026 and on 20/05/2026.
MARCH = datetime.datetime(2026, 3, 10, 3, tzinfo=datetime.UTC)
MAY = datetime.datetime(2026, 5, 20, 3, tzinfo=datetime.UTC)
SPRING = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


@pytest.fixture
def documents(agencies, pc_staff):
    clerk = pc_staff["clerk"]
    issued = []
    for at, subject in ((MARCH, "Kế hoạch phòng chống lụt bão"), (MAY, "Báo cáo tháng năm")):
        draft = actions.create_draft(
            clerk, agencies["pc"], type_code="ke_hoach", subject=subject, signer_name="Trần Văn Lãnh"
        )
        issued.append(actions.issue_document(clerk, draft, at=at))
    scan = HTML(string="<p>Đề nghị hỗ trợ kinh phí sửa chữa trường học vùng lũ</p>").write_pdf()
    incoming = actions.register_paper(
        clerk,
        agencies["pc"],
        sender_name="Sở Giáo dục và Đào tạo",
        code_number="45",
        code_notation="SGDĐT-KHTC",
        type_name="Công văn",
        subject="V/v kinh phí năm học",
        promulgation_date=datetime.date(2026, 3, 5),
        upload=SimpleUploadedFile("cv45.pdf", scan, content_type="application/pdf"),
        accept_signature=True,
        at=MARCH,
    )
    return {"issued": issued, "incoming": incoming}


def test_outgoing_register_as_xlsx_and_pdf_for_the_period(agencies, documents):
    march, may = documents["issued"]
    sheet = load_workbook(BytesIO(registers.as_xlsx(registers.OUTGOING, agencies["pc"], *SPRING))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[2] == tuple(registers.headers(registers.OUTGOING))
    assert len(rows[2]) == 10
    assert rows[3][:2] == (march.reference, "10/03/2026") and "Kế hoạch phòng chống lụt bão" in rows[3][2]
    assert len(rows) == 4  # May's document is outside the period
    text = (
        PdfReader(BytesIO(registers.as_pdf(registers.OUTGOING, agencies["pc"], *SPRING)))
        .pages[0]
        .extract_text()
    )
    assert march.reference in text and "10/03/2026" in text and may.reference not in text
    assert "01/03/2026" in text and "31/03/2026" in text


def test_incoming_register_as_xlsx(agencies, documents):
    sheet = load_workbook(BytesIO(registers.as_xlsx(registers.INCOMING, agencies["pc"], *SPRING))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows[2]) == 10
    assert rows[3][:5] == ("10/03/2026", "01", "Sở Giáo dục và Đào tạo", "45/SGDĐT-KHTC", "05/03/2026")
    june = (datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))
    empty = load_workbook(BytesIO(registers.as_xlsx(registers.INCOMING, agencies["pc"], *june)))
    assert len(list(empty.active.iter_rows())) == 3


def test_incoming_register_as_pdf(agencies, documents):
    pdf = PdfReader(BytesIO(registers.as_pdf(registers.INCOMING, agencies["pc"], *SPRING)))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "01/03/2026" in text and "31/03/2026" in text
    for field in (
        "10/03/2026",
        "Sở Giáo dục và Đào tạo",
        "45/SGDĐT-KHTC",
        "05/03/2026",
        "V/v kinh phí năm học",
    ):
        assert field in text
    june = (datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))
    empty = PdfReader(BytesIO(registers.as_pdf(registers.INCOMING, agencies["pc"], *june))).pages[0]
    assert "45/SGDĐT-KHTC" not in empty.extract_text()


def test_register_pages_check_rights_and_the_period(
    agencies, documents, pc_staff, dept_staff, signed_in, client
):
    url = reverse("documents:register_print", args=["di", "xlsx"])
    signed_in(pc_staff["clerk"])
    response = client.get(url, {"agency": agencies["pc"].pk, "start": "2026-03-01", "end": "2026-03-31"})
    assert response.status_code == 200
    assert load_workbook(BytesIO(response.content)).active["A4"].value == documents["issued"][0].reference
    form = client.get(url).content.decode()
    assert 'name="start"' in form and "errorlist" not in form and "error-summary" not in form
    assert client.get(url, {"start": "2026-03-31", "end": "2026-03-01"}).status_code == 400
    assert client.get(url, {"start": "2026-03-01"}).status_code == 400
    assert client.get(url, {"start": "2026-01-01", "end": "2027-06-01"}).status_code == 400
    assert client.get(reverse("documents:register_print", args=["xx", "pdf"])).status_code == 404
    signed_in(pc_staff["specialist"])
    assert client.get(url, {"start": "2026-03-01", "end": "2026-03-31"}).status_code == 404
    signed_in(dept_staff["clerk"])
    # The other agency's clerk gets the register of their own agency, never this one.
    response = client.get(url, {"agency": agencies["pc"].pk, "start": "2026-03-01", "end": "2026-03-31"})
    assert load_workbook(BytesIO(response.content)).active["A1"].value == agencies["dept"].name


def test_search_ignores_accents_on_fields_and_the_pdf_text(documents, pc_staff):
    clerk = pc_staff["clerk"]
    outgoing, incoming = search.search(clerk, "phong chong LUT bao")
    assert outgoing == [documents["issued"][0]] and incoming == []
    outgoing, incoming = search.search(clerk, "sua chua truong hoc")  # only in the scanned PDF's text
    assert outgoing == [] and incoming == [documents["incoming"]]
    assert search.search(clerk, "SGDĐT-KHTC")[1] == [documents["incoming"]]
    assert search.search(clerk, "   ") == ([], [])


def test_search_respects_each_documents_readers(agencies, documents, pc_staff, dept_staff):
    assert search.search(dept_staff["clerk"], "lut bao") == ([], [])
    assert search.search(dept_staff["leader"], "truong hoc") == ([], [])
    specialist = pc_staff["specialist"]
    assert search.search(specialist, "lut bao") == ([], [])
    own = actions.create_draft(specialist, agencies["pc"], type_code="to_trinh", subject="Tờ trình lụt bão")
    assert search.search(specialist, "lut bao") == ([own], [])
    assert set(search.search(pc_staff["leader"], "lut bao")[0]) == {own, documents["issued"][0]}
    actions.assign_incoming(pc_staff["leader"], documents["incoming"], specialist, 5)
    assert search.search(specialist, "truong hoc")[1] == [documents["incoming"]]


def test_saved_searches(documents, pc_staff, dept_staff, signed_in, client):
    clerk = pc_staff["clerk"]
    saved = actions.save_search(clerk, "Lụt bão", "lut bao")
    assert actions.save_search(clerk, "Lụt bão", "phong chong").pk == saved.pk
    assert SavedSearch.objects.get(pk=saved.pk).query == "phong chong"
    with pytest.raises(ValidationError):
        actions.save_search(clerk, "", "lut")
    with pytest.raises(ValidationError):
        actions.save_search(clerk, "x" * 101, "lut")
    signed_in(clerk)
    page = client.get(reverse("documents:search"), {"q": "lụt bão"}).content.decode()
    assert "Kế hoạch phòng chống lụt bão" in page and "Lụt bão" in page
    signed_in(dept_staff["clerk"])
    assert "Lụt bão" not in client.get(reverse("documents:search")).content.decode()
    assert client.post(reverse("documents:delete_search", args=[saved.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        actions.delete_search(dept_staff["clerk"], saved)
    signed_in(clerk)
    client.post(reverse("documents:delete_search", args=[saved.pk]))
    assert not SavedSearch.objects.filter(pk=saved.pk).exists()
