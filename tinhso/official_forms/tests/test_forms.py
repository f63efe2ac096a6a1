import datetime
import re
import unicodedata
from io import BytesIO

import pytest
import segno
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from tinhso.dossiers.models import (
    DossierStatusChange,
    DueTimeChange,
    DueTimeChangeKind,
    Status,
    SupplementRequest,
)
from tinhso.official_forms.rendering import render_form
from tinhso.testing import local

pytestmark = pytest.mark.django_db

TRACKING = "http://testserver/ho-so/tra-cuu/H20.201.01-260105-0001/"


def read(pdf: bytes) -> str:
    """The PDF's text, NFC, whitespace collapsed (lines wrap anywhere)."""
    reader = PdfReader(BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def link_targets(pdf: bytes) -> list[str]:
    reader = PdfReader(BytesIO(pdf))
    targets = []
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action and "/URI" in action:
                targets.append(str(action["/URI"]))
    return targets


def assert_common(text: str, pdf: bytes, title: str):
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN PHƯỜNG MỸ THO",
        "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG PHƯỜNG MỸ THO",
        "Mỹ Tho, ngày",
        title,
        "H20.201.01-260105-0001",
    ):
        assert nfc(expected) in text, expected
    assert TRACKING in link_targets(pdf)
    assert TRACKING in text.replace(" ", "")


def test_form_01_receipt(dossier):
    pdf = render_form(
        1, dossier, officer_name="Đỗ Thanh Tâm", reference="15/TNHS", date=datetime.date(2026, 1, 5)
    )
    text = read(pdf)

    assert_common(text, pdf, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")
    assert nfc("Mỹ Tho, ngày 05 tháng 01 năm 2026") in text
    assert "Số: 15/TNHS" in text
    assert nfc("tiếp nhận hồ sơ của: Nguyễn Văn An") in text
    assert nfc("Thủ tục đăng ký khai sinh") in text
    assert nfc("Giấy chứng sinh Bản điện tử 1") in text
    assert nfc("3 ngày làm việc") in text
    assert nfc("Thời gian nhận hồ sơ: 08 giờ 30 phút, ngày 05 tháng 01 năm 2026") in text
    assert nfc("Thời gian trả kết quả giải quyết hồ sơ: 08 giờ 30 phút, ngày 08 tháng 01 năm 2026") in text
    assert nfc("NGƯỜI TIẾP NHẬN HỒ SƠ") in text
    assert nfc("Đỗ Thanh Tâm") in text
    assert "087095001234" not in text  # the full CCCD is not needed on the receipt


def test_form_02_lists_exactly_what_is_missing(dossier):
    SupplementRequest.objects.create(
        dossier=dossier,
        missing=["Bản sao Giấy chứng nhận kết hôn của cha mẹ", "Văn bản ủy quyền có chứng thực"],
        note="Hồ sơ thiếu giấy tờ chứng minh quan hệ cha mẹ",
        requested_at=local(2026, 1, 5, 9),
        from_status=Status.NEW,
    )
    text = read(render_form(2, dossier))

    assert nfc("PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ") in text
    assert nfc("1. Bản sao Giấy chứng nhận kết hôn của cha mẹ") in text
    assert nfc("2. Văn bản ủy quyền có chứng thực") in text
    assert nfc("Lý do: Hồ sơ thiếu giấy tờ chứng minh quan hệ cha mẹ") in text


def test_form_02_without_missing_items_is_refused(dossier):
    with pytest.raises(ValidationError):
        render_form(2, dossier)


def test_form_03_states_the_refusal_reason(dossier):
    DossierStatusChange.objects.create(
        dossier=dossier,
        from_status=Status.NEW,
        to_status=Status.REFUSED,
        at=local(2026, 1, 5, 9),
        note="Yêu cầu không thuộc thẩm quyền giải quyết của Ủy ban nhân dân phường",
    )
    pdf = render_form(3, dossier)
    text = read(pdf)

    assert_common(text, pdf, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ")
    assert nfc("Yêu cầu không thuộc thẩm quyền giải quyết của Ủy ban nhân dân phường") in text


def test_form_03_without_a_reason_is_refused(dossier):
    with pytest.raises(ValidationError) as error:
        render_form(3, dossier)
    assert error.value.code == "missing_context"


def test_form_04_apology_and_new_due_time(dossier):
    DueTimeChange.objects.create(
        dossier=dossier,
        kind=DueTimeChangeKind.EXTENSION,
        old_due_at=local(2026, 1, 8, 8, 30),
        new_due_at=local(2026, 1, 13, 16, 0),
        reason="Cần xác minh thông tin nơi cư trú với Công an phường",
        at=local(2026, 1, 7, 15),
    )
    pdf = render_form(4, dossier, signer_name="Lê Văn Hùng", signer_title="Giám đốc")
    text = read(pdf)

    assert_common(text, pdf, "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT")
    assert nfc("Kính gửi: Ông/Bà Nguyễn Văn An") in text
    assert nfc("08 giờ 30 phút, ngày 08 tháng 01 năm 2026") in text
    assert (
        nfc("đề nghị gia hạn thời gian giải quyết hồ sơ đến 16 giờ 00 phút, ngày 13 tháng 01 năm 2026")
        in text
    )
    assert nfc("Lý do: Cần xác minh thông tin nơi cư trú với Công an phường") in text
    assert nfc("xin lỗi") in text
    assert nfc("GIÁM ĐỐC") in text
    assert nfc("Lê Văn Hùng") in text


def test_form_05_stop(dossier):
    text = read(
        render_form(
            5, dossier, reason="Người nộp hồ sơ đề nghị dừng giải quyết", stopped_at=local(2026, 1, 6, 10)
        )
    )
    assert nfc("THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ") in text
    assert nfc("dừng giải quyết hồ sơ nêu trên kể từ 10 giờ 00 phút, ngày 06 tháng 01 năm 2026") in text
    assert nfc("Lý do: Người nộp hồ sơ đề nghị dừng giải quyết") in text


def test_form_06_handoffs_with_on_time_and_late_steps(dossier):
    rows = [
        {
            "from": "Bộ phận Một cửa (Đỗ Thanh Tâm)",
            "to": "Công chức Tư pháp - Hộ tịch (Phạm Thị Lan)",
            "at": local(2026, 1, 5, 8, 45),
            "due_at": local(2026, 1, 5, 16, 30),
        },
        {
            "from": "Công chức Tư pháp - Hộ tịch (Phạm Thị Lan)",
            "to": "Chủ tịch UBND phường (Lê Văn Hùng)",
            "at": local(2026, 1, 6, 10, 0),
            "due_at": local(2026, 1, 7, 16, 30),
        },
        {
            "from": "Chủ tịch UBND phường (Lê Văn Hùng)",
            "to": "Bộ phận Một cửa (Đỗ Thanh Tâm)",
            "at": local(2026, 1, 8, 9, 15),
            "due_at": local(2026, 1, 8, 8, 0),
            "note": "Chờ ký số",
        },
    ]
    pdf = render_form(6, dossier, rows=rows)
    text = read(pdf)

    assert_common(text, pdf, "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ")
    assert nfc("Công chức Tư pháp - Hộ tịch (Phạm Thị Lan)") in text
    assert nfc("08 giờ 45 phút, ngày 05 tháng 01 năm 2026") in text
    assert text.count(nfc("Đúng hạn")) == 1
    assert text.count(nfc("Trước hạn")) == 1
    assert text.count(nfc("Quá hạn")) == 1
    assert text.index(nfc("Đúng hạn")) < text.index(nfc("Trước hạn")) < text.index(nfc("Quá hạn"))
    assert nfc("Chờ ký số") in text


def drawn_qr_modules(pdf: bytes) -> set[tuple[int, int]]:
    """The dark modules of the QR code as WeasyPrint drew segno's SVG path: one horizontal
    stroke ``x1 y m x2 y l`` per run of dark modules, starting on row 2 (the quiet zone)."""
    content = PdfReader(BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")
    start = re.search(r"\n\d+ 2\.5 m\n", content).start()
    block = content[start : content.index("\nB\n", start)]
    modules = set()
    for x1, y, x2 in re.findall(r"([\d.]+) ([\d.]+) m\n([\d.]+) \2 l", block):
        row = int(float(y))
        modules.update((row, column) for column in range(int(float(x1)), int(float(x2))))
    return modules


def test_the_qr_code_encodes_the_tracking_url(dossier):
    expected = segno.make(TRACKING, error="m", micro=False)
    border = 2
    dark = {
        (row + border, column + border)
        for row, line in enumerate(expected.matrix)
        for column, value in enumerate(line)
        if value
    }

    assert drawn_qr_modules(render_form(1, dossier)) == dark
    other = segno.make(TRACKING.replace("0001", "0002"), error="m", micro=False)
    assert {
        (r + border, c + border) for r, line in enumerate(other.matrix) for c, v in enumerate(line) if v
    } != dark


def test_unknown_form_number(dossier):
    with pytest.raises(ValueError):
        render_form(8, dossier)


def test_form_01_links_to_the_configured_site_else_to_the_officers_host(dossier, settings, rf):
    """Issue 20 finding 10: the QR code and link never point to a port the site is not on."""
    settings.SITE_URL = "https://dichvucong.dongthap.example.vn/"
    configured = "https://dichvucong.dongthap.example.vn/ho-so/tra-cuu/H20.201.01-260105-0001/"
    pdf = render_form(1, dossier, request=rf.get("/", HTTP_HOST="127.0.0.1:8104"))
    assert configured in link_targets(pdf)
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    pdf = render_form(1, dossier, request=rf.get("/", HTTP_HOST="127.0.0.1:8104"))
    assert link_targets(pdf) == ["http://127.0.0.1:8104/ho-so/tra-cuu/H20.201.01-260105-0001/"]
    assert "http://127.0.0.1:8104/ho-so/tra-cuu/H20.201.01-260105-0001/" in read(pdf).replace(" ", "")


def test_form_01_names_the_receiver_the_full_address_and_the_chosen_result_channel(dossier, desk):
    from tinhso import testing as factories
    from tinhso.accounts.models import Role

    officer = factories.make_officer(desk, "motcua.mytho", Role.ONE_STOP_OFFICER, name="Lâm Thị Diễm")
    DossierStatusChange.objects.create(
        dossier=dossier,
        from_status=Status.NEW,
        to_status=Status.ACCEPTED,
        at=local(2026, 1, 5, 8, 30),
        actor=officer,
    )
    dossier.procedure.eform = {
        "version": 1,
        "pages": [
            {
                "title": "Nhận kết quả",
                "fields": [
                    {
                        "name": "hinh_thuc_nhan",
                        "label": "Hình thức nhận kết quả",
                        "type": "choice",
                        "choices": [
                            {"value": "truc_tiep", "label": "Nhận trực tiếp"},
                            {"value": "buu_chinh", "label": "Qua dịch vụ bưu chính công ích"},
                            {"value": "dien_tu", "label": "Bản điện tử"},
                        ],
                    }
                ],
            }
        ],
    }
    dossier.procedure.save()
    dossier.applicant_unit = desk.unit
    dossier.applicant_address = "Số 12 đường Lê Lợi"
    dossier.form_data = {"hinh_thuc_nhan": "buu_chinh"}
    dossier.save()

    text = read(render_form(1, dossier, officer_name="Người in phiếu"))
    full = "Số 12 đường Lê Lợi, Phường Mỹ Tho, Tỉnh Đồng Tháp"
    assert nfc(f"Địa chỉ: {full}") in text
    assert nfc(f"Đăng ký nhận kết quả tại: Qua dịch vụ bưu chính công ích, địa chỉ nhận: {full}") in text
    assert nfc("Lâm Thị Diễm") in text and nfc("Người in phiếu") not in text

    dossier.form_data = {"hinh_thuc_nhan": "truc_tiep"}
    dossier.save()
    text = read(render_form(1, dossier))
    assert (
        nfc("Đăng ký nhận kết quả tại: Nhận trực tiếp tại Trung tâm Phục vụ hành chính công phường Mỹ Tho")
        in text
    )

    dossier.form_data = {"hinh_thuc_nhan": "dien_tu"}
    dossier.save()
    text = read(render_form(1, dossier))
    assert (
        nfc(
            "Đăng ký nhận kết quả tại: Bản điện tử "
            "(tài khoản dịch vụ công của người nộp, thư điện tử an@example.vn)"
        )
        in text
    )


def _boxes(box):
    yield box
    for child in getattr(box, "children", []):
        yield from _boxes(child)


def test_the_rule_under_the_national_motto_keeps_clear_of_its_letters(dossier):
    """Issue 20 finding 10: the line under "Độc lập - Tự do - Hạnh phúc" (whose "ạ" has a dot
    below the baseline) is at least 4 pt below the motto's line, as laid out in the PDF."""
    from weasyprint import HTML

    from tinhso.official_forms.rendering import form_html

    page = HTML(string=form_html(1, dossier)).render().pages[0]
    boxes = list(_boxes(page._page_box))
    motto = next(
        box
        for box in boxes
        if type(box).__name__ == "LineBox"
        and "Hạnh phúc" in "".join(getattr(child, "text", "") for child in _boxes(box))
    )
    rules = [
        box
        for box in boxes
        if getattr(box, "element", None) is not None
        and "rule" in (box.element.get("class") or "").split()
        and box.position_y > motto.position_y
    ]
    rule = min(rules, key=lambda box: box.position_y)
    gap_px = rule.border_box_y() - (motto.position_y + motto.height)
    assert gap_px * 0.75 >= 4  # CSS px → pt


def test_the_national_name_stays_on_one_line(dossier):
    reader = PdfReader(BytesIO(render_form(1, dossier)))
    lines = [nfc(line) for line in reader.pages[0].extract_text().splitlines()]
    assert nfc("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") in lines


def test_the_2025_forms_carry_the_masked_id_the_business_code_and_the_representative(dossier):
    dossier.form_data = {**dossier.form_data, "ma_so": "1402345678", "nguoi_dai_dien": "Trần Thị Bích"}
    dossier.save()
    text = read(render_form(1, dossier))
    assert nfc("Số định danh cá nhân: 0870******34") in text
    assert "087095001234" not in text
    assert nfc("(mã số thuế): 1402345678") in text
    assert nfc("Người đại diện, người được ủy quyền: Trần Thị Bích") in text
    assert nfc("ký bằng chữ ký số") in text


def test_form_03_has_the_applicants_signature_line(dossier):
    text = read(render_form(3, dossier, reason="Không thuộc thẩm quyền"))
    assert text.count(nfc("NGƯỜI NỘP HỒ SƠ")) == 1
    assert nfc("NGƯỜI TIẾP NHẬN HỒ SƠ") in text
    assert text.count(nfc("Nguyễn Văn An")) >= 2  # named in the text and under the signature
