"""Issue 20 on the demo's own Đồng Tháp (102 commune one-stop desks, the real catalogue): a citizen
on a 390-pixel phone submits a birth registration (1.001193) for a child born in another
province whose father is not determined, double-clicks "Submit", and finds the dossier in "My
dossiers". Every page: no horizontal overflow, no serious axe-core violation."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.accessibility import serious_violations
from tinhso import testing as factories
from tinhso.dossiers.models import Dossier, DossierCodeCounter

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH = 390
BORN_ELSEWHERE = "Bệnh viện Từ Dũ, 284 Cống Quỳnh, phường Bến Thành, Thành phố Hồ Chí Minh"


@pytest.fixture
def citizen(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    factories.make_demo_agencies()
    call_command("load_procedures", stdout=io.StringIO())
    return factories.make_citizen(email="nguyen.van.an.mot.dia.chi.rat.dai@thudientu.dongthap.example.vn")


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": WIDTH, "height": 844}, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    yield context.new_page()
    context.close()


def checked(page, heading: str) -> None:
    """The page has this heading, fits the phone's width and passes axe-core."""
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert serious_violations(page) == []


def continue_(page):
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_load_state()


def test_a_birth_registration_on_the_demo_province_from_a_phone(live_server, phone, citizen):
    page = phone
    page.goto(live_server.url + "/ho-so/")
    checked(page, "Dịch vụ công trực tuyến")
    page.get_by_role("link", name="Đăng nhập").last.click()
    page.wait_for_load_state()
    page.get_by_label("Tên đăng nhập").fill(citizen.cccd)
    page.get_by_label("Mật khẩu").fill(factories.PASSWORD)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_load_state()
    checked(page, "Hồ sơ của tôi")

    # Finding 1: the 102 desks are offered; the search box narrows them, accents optional.
    page.goto(live_server.url + "/ho-so/nop/1.001193/")
    checked(page, "Nộp hồ sơ trực tuyến")
    desks = page.get_by_label("Bạn muốn nộp hồ sơ ở đâu?")
    assert desks.locator("option").count() == 103
    page.get_by_label("Tìm xã, phường của bạn").fill("phuong my tho")
    assert desks.locator("option").count() == 2
    assert page.get_by_role("status").inner_text() == "Có 1 nơi phù hợp."
    assert desks.input_value() != ""
    page.get_by_role("button", name="Bắt đầu").click()
    page.wait_for_load_state()

    checked(page, "Thông tin liên hệ của bạn")
    assert page.get_by_label("Số điện thoại di động").input_value() == "+84912345678"
    page.get_by_label("Xã, phường").select_option(label="Phường Mỹ Tho")
    page.get_by_label("Số nhà, đường phố, ấp, khu phố").fill("12 Ấp Bắc")
    continue_(page)

    checked(page, "Người được khai sinh")
    radio = page.get_by_label("Nữ")
    label = page.locator("label", has_text="Nữ")
    assert abs(radio.bounding_box()["y"] - label.bounding_box()["y"]) < 12  # beside, not above
    page.locator("#f-ho-ten").fill("Nguyễn Ngọc Hân")
    radio.check()
    page.locator("#f-ngay-sinh").fill("05/01/2026")
    page.locator("#f-noi-sinh-commune").select_option(label="Ngoài tỉnh (ghi đầy đủ địa chỉ ở dưới)")
    page.locator("#f-noi-sinh-detail").fill(BORN_ELSEWHERE)
    page.locator("#f-dan-toc").fill("Kinh")
    page.locator("#f-quoc-tich").fill("Việt Nam")
    page.locator("#f-que-quan").fill("Phường Mỹ Tho, tỉnh Đồng Tháp")
    continue_(page)

    # Finding 14: the errors say whose field; the father can be "not determined".
    checked(page, "Cha, mẹ")
    continue_(page)
    summary = page.locator(".error-summary").inner_text()
    assert "Hãy nhập “Họ, chữ đệm và tên (người mẹ)”." in summary
    assert "Hãy nhập “Họ, chữ đệm và tên (người cha)”." in summary
    assert serious_violations(page) == []
    page.locator("#f-me-ho-ten").fill("Trần Thị Mai")
    page.locator("#f-me-ngay-sinh").fill("02/05/1996")
    page.locator("#f-me-dan-toc").fill("Kinh")
    page.locator("#f-me-quoc-tich").fill("Việt Nam")
    page.locator("#f-me-noi-cu-tru-commune").select_option(label="Phường Mỹ Tho")
    page.locator("#f-me-noi-cu-tru-detail").fill("12 Ấp Bắc")
    page.get_by_label("Chưa xác định được cha").check()
    continue_(page)

    # The requester is the account holder, filled in advance.
    checked(page, "Người yêu cầu")
    assert page.locator("#f-nguoi-yeu-cau-ho-ten").input_value() == "Nguyễn Văn An"
    assert page.locator("#f-nguoi-yeu-cau-so-dinh-danh").input_value() == citizen.cccd
    continue_(page)

    checked(page, "Nhận kết quả")
    page.get_by_label("Bản điện tử").check()
    continue_(page)

    checked(page, "Đính kèm giấy tờ")
    assert page.get_by_role("link", name="Đính kèm: Tờ khai đăng ký khai sinh theo mẫu").count() == 0
    for name in ("Giấy chứng sinh", "Giấy tờ tùy thân của người đi đăng ký (xuất trình)"):
        page.get_by_role("link", name=f"Đính kèm: {name}").click()
        page.wait_for_load_state()
        page.get_by_label("Tải tệp lên").set_input_files(
            {"name": "giay-to.pdf", "mimeType": "application/pdf", "buffer": factories.minimal_pdf()}
        )
        page.get_by_role("button", name="Đính kèm").click()
        page.wait_for_load_state()
    continue_(page)

    # Findings 8, 12, 17: no copies asked, nothing to pay, shown before submitting; the long
    # e-mail address wraps.
    checked(page, "Kiểm tra lại thông tin trước khi nộp")
    main = page.locator("main").inner_text()
    assert BORN_ELSEWHERE in main and "Chưa xác định được cha" in main
    assert "Hồ sơ này không phải nộp phí, lệ phí." in main

    # Finding 4: a double click submits once and shows the confirmation.
    page.get_by_role("button", name="Nộp hồ sơ").dblclick()
    page.wait_for_url("**/da-nop/")
    checked(page, "Đã nộp hồ sơ")
    code = page.locator(".dossier-code").inner_text()
    assert Dossier.objects.filter(is_draft=False).count() == 1
    assert not DossierCodeCounter.objects.exists()  # the code is issued on reception
    dossier = Dossier.objects.get(submission_reference=code)
    assert not dossier.payments.exists() and dossier.receiving_agency.unit.name == "Phường Mỹ Tho"

    page.goto(live_server.url + "/ho-so/")
    checked(page, "Hồ sơ của tôi")
    page.get_by_role("link", name=f"Đăng ký khai sinh — {code}").click()
    page.wait_for_load_state()
    checked(page, f"Hồ sơ {code}")
    page.get_by_text("Thông tin bạn đã khai").click()
    expect(page.get_by_text(BORN_ELSEWHERE)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
