"""A citizen registers on a phone (390 px) with the code from the SMS, then signs in; every
page of the journey passes axe-core and fits the screen. Then in English."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import serious_violations
from tinhso.accounts.models import User

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Mật-khẩu-Đồng-Tháp-2026"
CCCD = "087302004567"


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sms(settings, caplog):
    settings.SMS_PROVIDER = "log"
    caplog.set_level("INFO", logger="tinhso.core.sms")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "tinhso.core.sms"]


def check(page, what):
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, what
    assert serious_violations(page) == [], what


def test_a_citizen_registers_then_signs_in(live_server, phone, sms):
    page = phone
    page.goto(live_server.url + "/tai-khoan/dang-nhap/")
    page.get_by_role("link", name="Đăng ký tài khoản").click()
    check(page, "start")
    page.get_by_role("link", name="Cá nhân").click()
    check(page, "form")

    # Nothing filled: every problem is listed, the page still fits.
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check(page, "errors")

    page.get_by_label("Số căn cước công dân (CCCD)", exact=True).fill(CCCD)
    page.get_by_label("Họ và tên", exact=True).fill("Huỳnh Thị Mỹ Duyên")
    page.get_by_label("Ngày sinh", exact=True).fill("14/02/2002")
    page.get_by_label("Số điện thoại di động (không bắt buộc)", exact=True).fill("0987 654 321")
    page.get_by_label("Đặt mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label(re.compile("^Tôi đồng ý")).check()
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Nhập mã chúng tôi đã gửi cho bạn"
    assert "0987 654 321" in page.locator("main").inner_text()
    check(page, "code")

    [text] = sms()
    code = re.search(r"\b(\d{6})\b", text.split(": ", 1)[1]).group(1)
    page.get_by_label("Mã xác nhận", exact=True).fill(code)
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_load_state()
    assert "Tài khoản của bạn đã sẵn sàng" in page.locator("main").inner_text()
    check(page, "signed up")
    assert User.objects.get(username=CCCD).is_active

    page.get_by_label("Tên đăng nhập").fill(CCCD)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/tai-khoan/")
    assert "Huỳnh Thị Mỹ Duyên" in page.locator("main").inner_text()
    check(page, "account")


def test_the_reset_pages_fit_a_phone_in_both_languages(live_server, phone):
    page = phone
    page.goto(live_server.url + "/tai-khoan/dang-nhap/")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    check(page, "forgot")
    page.get_by_label("Tên đăng nhập hoặc số căn cước công dân", exact=True).fill("087095009999")
    page.get_by_label("Nhận mã qua tin nhắn SMS").check()
    page.get_by_role("button", name="Tiếp tục").click()
    check(page, "reset code")
    assert page.get_by_role("heading", level=1).inner_text() == "Nhập mã chúng tôi đã gửi cho bạn"

    page.goto(live_server.url + "/tai-khoan/bao-ve-du-lieu-ca-nhan/")
    check(page, "privacy notice")
    menu = page.locator(".menu-toggle")
    if menu.is_visible():  # on a phone the language switch is behind the menu button
        menu.click()
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    for path in ("/tai-khoan/dang-ky/", "/tai-khoan/dang-ky/ca-nhan/", "/tai-khoan/quen-mat-khau/"):
        page.goto(live_server.url + path)
        check(page, path)
        text = page.locator("main").inner_text()
        assert not re.search("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", text.lower()), path
