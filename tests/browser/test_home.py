import pytest

from tests.browser.accessibility import serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_on_a_phone_is_vietnamese_and_switches_to_english(live_server, phone_page):
    page = phone_page
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("link", name="Đăng nhập").first.is_visible()
    # Nothing overflows a 360-pixel-wide screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_violations(page) == []

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Sign in").first.is_visible()

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
