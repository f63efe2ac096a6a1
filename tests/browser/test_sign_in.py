"""An officer enrols with the code from their administrator and signs in with password and TOTP
on a phone; wrong passwords make that connection wait, not the owner."""

import datetime

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import serious_violations
from tinhso.accounts import actions
from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.units.models import AdministrativeUnit, DivisionType, Level

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Mật-khẩu-Đồng-Tháp-2026"


@pytest.fixture
def officer():
    province = AdministrativeUnit.objects.create(
        code="82",
        name="Tỉnh Đồng Tháp",
        level=Level.PROVINCE,
        division_type=DivisionType.PROVINCE,
        valid_from=datetime.date(2025, 7, 1),
    )
    ward = AdministrativeUnit.objects.create(
        code="28261",
        name="Phường Mỹ Tho",
        level=Level.COMMUNE,
        division_type=DivisionType.WARD,
        parent=province,
        valid_from=datetime.date(2025, 7, 1),
    )
    committee = Agency.objects.create(
        code="H20.201",
        name="Ủy ban nhân dân phường Mỹ Tho",
        kind=AgencyKind.COMMUNE_PC,
        unit=ward,
        valid_from=datetime.date(2025, 7, 1),
    )
    user = User.objects.create_user("motcua.mytho", PASSWORD, full_name="Đỗ Thanh Tâm", kind=UserKind.OFFICER)
    Membership.objects.create(user=user, agency=committee, role=Role.ONE_STOP_OFFICER)
    return user


def sign_in(page, base_url, username, password):
    page.goto(base_url + "/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_load_state()


def test_officer_enrolls_totp_then_sees_their_agency(live_server, phone_page, officer):
    page = phone_page
    sign_in(page, live_server.url, "motcua.mytho", PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text() == "Thiết lập xác thực hai bước"
    assert serious_violations(page) == []
    # Until the second factor is done, every page leads back to it.
    page.goto(live_server.url + "/tai-khoan/")
    assert "xac-thuc-hai-buoc" in page.url

    secret = page.locator(".secret").inner_text().replace(" ", "")
    # Without the enrolment code from the administrator, the password alone enrols nothing.
    page.get_by_label("Mã xác thực").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Bật xác thực hai bước").click()
    page.wait_for_load_state()
    assert "Vui lòng nhập thông tin này." in page.locator("main").inner_text()

    admin = User.objects.create_user(
        "quantri.mytho", PASSWORD, full_name="Nguyễn Hữu Phước", kind=UserKind.OFFICER
    )
    Membership.objects.create(user=admin, agency=officer.memberships.get().agency, role=Role.AGENCY_ADMIN)
    enrolment_code = actions.issue_enrolment_code(admin, officer)
    page.get_by_label("Mã đăng ký").fill(enrolment_code)
    page.get_by_label("Mã xác thực").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Bật xác thực hai bước").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Mã khôi phục của bạn"
    assert page.locator(".recovery-codes li").count() == 10
    assert serious_violations(page) == []
    page.get_by_role("link", name="Tôi đã lưu mã khôi phục, tiếp tục").click()
    page.wait_for_load_state()

    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Cơ quan của bạn")).to_be_visible()
    expect(page.get_by_text("Ủy ban nhân dân phường Mỹ Tho")).to_be_visible()
    expect(page.get_by_text("Cán bộ một cửa").first).to_be_visible()
    assert serious_violations(page) == []

    officer.refresh_from_db()
    assert officer.totp_confirmed_at is not None


def test_ten_wrong_passwords_make_this_connection_wait_with_a_clear_message(live_server, page, officer):
    for _attempt in range(10):
        sign_in(page, live_server.url, "motcua.mytho", "sai-mat-khau")
    assert "quá nhiều lần đăng nhập sai từ kết nối này" in page.locator("main").inner_text()
    # Even the right password is refused from this connection while it waits.
    sign_in(page, live_server.url, "motcua.mytho", PASSWORD)
    assert "quá nhiều lần đăng nhập sai từ kết nối này" in page.locator("main").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Đăng nhập"
    # The account itself is not locked: nobody can keep its owner out.
    officer.refresh_from_db()
    assert not officer.is_locked()
