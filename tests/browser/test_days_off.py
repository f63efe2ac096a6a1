"""The public calendar of days off: a year not confirmed by the province reads as provisional,
each day with its legal basis, on a phone."""

import pytest

from tests.browser.accessibility import serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_days_off_of_2027_read_as_provisional_on_a_phone(live_server, phone_page):
    page = phone_page
    page.goto(live_server.url + "/lich-nghi/2027/")
    assert page.get_by_role("heading", level=1).inner_text() == "Lịch nghỉ năm 2027 (dự kiến)"
    culture_day = page.get_by_role("row").filter(has_text="24/11/2027")
    assert "Ngày Văn hóa Việt Nam" in culture_day.inner_text()
    assert "Nghị quyết 28/2026/QH16" in culture_day.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_violations(page) == []
    page.get_by_role("link", name="2026").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Lịch nghỉ năm 2026 (dự kiến)"
