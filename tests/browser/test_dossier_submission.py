"""A citizen on a phone submits a birth registration online, then anyone tracks it by its code."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import serious_violations
from tinhso import testing as factories
from tinhso.dossiers.models import Dossier

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def citizen(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    factories.make_province()
    factories.make_procedure()
    return factories.make_citizen()


def continue_(page):
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_load_state()


def test_a_citizen_submits_online_and_tracks_the_dossier(live_server, phone_page, browser, citizen):
    page = phone_page
    page.goto(live_server.url + "/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(citizen.cccd)
    page.get_by_label("Mật khẩu").fill(factories.PASSWORD)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_load_state()

    page.goto(live_server.url + "/ho-so/nop/1.001193/")
    assert page.get_by_role("heading", level=1).inner_text() == "Nộp hồ sơ trực tuyến"
    assert serious_violations(page) == []
    page.get_by_label("Trung tâm Phục vụ hành chính công phường Mỹ Tho").check()
    page.get_by_role("button", name="Bắt đầu").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", level=1).inner_text() == "Thông tin liên hệ của bạn"
    page.get_by_label("Xã, phường").select_option(label="Phường Mỹ Tho")
    page.get_by_label("Số nhà, đường phố, ấp, khu phố").fill("12 Ấp Bắc")
    continue_(page)

    # One thing per page; a mistake is explained in Vietnamese in the error summary.
    page.get_by_label("Họ, chữ đệm, tên").fill("Nguyễn Ngọc Hân")
    page.get_by_label("Ngày sinh").fill("31/02/2026")
    page.get_by_label("Nữ").check()
    continue_(page)
    summary = page.locator(".error-summary")
    assert "phải là một ngày có thật" in summary.inner_text()
    assert serious_violations(page) == []
    page.get_by_label("Ngày sinh").fill("05/01/2026")
    continue_(page)

    assert page.get_by_role("heading", level=1).inner_text() == "Nơi sinh"
    page.get_by_label("Xã, phường").select_option(label="Phường Mỹ Tho")
    page.get_by_label("Số nhà, đường phố, ấp, khu phố").fill("Bệnh viện Đa khoa Tiền Giang")
    continue_(page)

    page.get_by_label("Họ và tên").fill("Nguyễn Minh Khang")
    page.get_by_label("Năm sinh").fill("2020")
    continue_(page)

    assert page.get_by_role("heading", level=1).inner_text() == "Đính kèm giấy tờ"
    assert serious_violations(page) == []
    page.get_by_role("link", name="Đính kèm: Giấy chứng sinh").click()
    page.wait_for_load_state()
    page.get_by_label("Tải tệp lên").set_input_files(
        {"name": "giay-chung-sinh.pdf", "mimeType": "application/pdf", "buffer": factories.minimal_pdf()}
    )
    assert serious_violations(page) == []
    page.get_by_role("button", name="Đính kèm").click()
    page.wait_for_load_state()
    expect(page.get_by_text("giay-chung-sinh.pdf")).to_be_visible()
    continue_(page)

    assert page.get_by_role("heading", level=1).inner_text() == "Kiểm tra lại thông tin trước khi nộp"
    main = page.locator("main").inner_text()
    assert "Nguyễn Ngọc Hân" in main and "05/01/2026" in main and "Nguyễn Minh Khang" in main
    assert serious_violations(page) == []
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", level=1).inner_text() == "Đã nộp hồ sơ"
    # A submission reference; the dossier code comes with reception (Decree 118/2025 Art. 17(3)
    # as amended by Decree 309/2026 Art. 8(3)).
    code = page.locator(".dossier-code").inner_text()
    assert re.fullmatch(r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}", code)
    assert (
        page.get_by_role("img", name=re.compile("Mã QR"))
        .get_attribute("src")
        .startswith("data:image/svg+xml")
    )
    assert serious_violations(page) == []
    assert Dossier.objects.get(submission_reference=code).status == 1

    # Anyone with the code and the phone number tracks it, without signing in.
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, locale="vi-VN")
    anonymous = context.new_page()
    anonymous.goto(f"{live_server.url}/ho-so/tra-cuu/{code}/")
    assert anonymous.get_by_label("Mã hồ sơ").input_value() == code
    anonymous.get_by_label("Số điện thoại hoặc các số cuối của CCCD").fill("0912 345 678")
    anonymous.get_by_role("button", name="Tra cứu").click()
    anonymous.wait_for_load_state()
    result = anonymous.locator("main").inner_text()
    assert "Mới đăng ký" in result and "Thủ tục đăng ký khai sinh" in result
    assert serious_violations(anonymous) == []
    context.close()
