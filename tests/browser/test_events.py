"""The webhook pages on a phone and a desktop: the province administrator subscribes a system (a
private address is refused first), copies the secret shown once, rotates it; no horizontal
overflow, no serious axe-core violation."""

import datetime

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import serious_violations
from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.events.models import SigningSecret, Subscription

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin():
    province = factories.make_province()["agencies"]["province"]
    user = factories.make_officer(province, "admin.tinh", Role.PROVINCE_ADMIN, "Nguyễn Thành Công")
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed_at = datetime.datetime(2025, 7, 1, tzinfo=datetime.UTC)
    user.save()
    return user


def sign_in(page, base_url, user):
    page.goto(base_url + "/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(factories.PASSWORD)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_load_state()
    page.get_by_label("Mã xác thực").fill(pyotp.TOTP(user.totp_secret).now())
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_load_state()


def fits(page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []


@pytest.mark.parametrize("size", [(390, 844), (1366, 900)])
def test_the_administrator_subscribes_a_system_and_rotates_its_secret(live_server, browser, admin, size):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]}, locale="vi-VN")
    url = live_server.url
    sign_in(page, url, admin)
    page.goto(url + "/su-kien/webhook/")
    fits(page)
    page.get_by_role("link", name="Đăng ký webhook mới").click()
    page.get_by_label("tên").fill("Hệ thống quản lý đất đai")
    page.get_by_label("địa chỉ").fill("https://10.0.0.5/hook")
    page.get_by_label("vn.gov.tinhso.dossier.status_changed").check()
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("mạng riêng").first).to_be_visible()
    assert Subscription.objects.count() == 0
    fits(page)
    page.get_by_label("địa chỉ").fill("https://93.184.216.34/hooks/tinhso-dat-dai-rat-dai-de-thu-xuong-dong")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_load_state()
    secret = SigningSecret.objects.get().secret
    expect(page.get_by_text(secret)).to_be_visible()
    fits(page)
    page.get_by_role("button", name="Đổi khóa ký").click()
    page.wait_for_load_state()
    newest = SigningSecret.objects.order_by("-pk").first().secret
    expect(page.get_by_text(newest)).to_be_visible()
    assert page.get_by_text(secret).count() == 0
    expect(page.get_by_text("còn ký đến")).to_be_visible()
    fits(page)
    page.close()
