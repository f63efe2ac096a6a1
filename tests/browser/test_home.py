import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_on_a_phone_is_vietnamese_and_switches_to_english(live_server, phone_page):
    page = phone_page
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    # The way in: a search box and a clear "submit online" link.
    expect(page.get_by_role("link", name="Nộp hồ sơ trực tuyến")).to_be_visible()
    expect(page.get_by_role("searchbox", name="Bạn cần làm thủ tục gì?")).to_be_visible()
    # On a phone the header is one row with a menu button; the menu opens as a list.
    assert page.locator("header").bounding_box()["height"] < 740 / 6
    menu = page.get_by_role("button", name="Danh mục")
    assert menu.get_attribute("aria-expanded") == "false"
    sign_in = page.locator(".site-nav a", has_text="Đăng nhập")
    expect(sign_in).to_be_hidden()
    # Nothing overflows a 360-pixel-wide screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_violations(page) == []
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    expect(sign_in).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Menu").click()
    expect(page.locator(".site-nav a", has_text="Sign in")).to_be_visible()

    page.get_by_role("button", name="Tiếng Việt").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "vi"


def test_no_request_leaves_the_machine(live_server, page):
    origins = set()
    page.on("request", lambda request: origins.add(request.url.split("/")[2]))
    page.goto(live_server.url + "/")
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_load_state("networkidle")
    assert origins <= {live_server.url.split("/")[2]}


def test_keyboard_user_can_skip_to_the_content(live_server, page):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Bỏ qua, đến nội dung chính")
    assert skip.evaluate("element => element === document.activeElement")


def test_on_a_desktop_the_menu_shows_on_one_line_without_a_button(live_server, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(live_server.url + "/")
    expect(page.get_by_role("button", name="Danh mục")).to_be_hidden()
    links = page.locator(".site-nav li")
    tops = {round(links.nth(index).bounding_box()["y"]) for index in range(links.count())}
    assert len(tops) == 1
    page.get_by_role("searchbox", name="Bạn cần làm thủ tục gì?").fill("khai sinh")
    page.get_by_role("button", name="Tìm kiếm").click()
    page.wait_for_load_state()
    assert "/thu-tuc/?q=khai+sinh" in page.url
