"""The operations centre in a browser: the province leader opens it at phone and desktop size
(no horizontal overflow, axe-core), follows a red number to its records and back; a wallboard
link works without sign-in and stops working when revoked."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.accessibility import serious_violations
from tests.browser.test_back_office import officer, sign_in
from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.dossiers.models import Dossier
from tinhso.feedback.models import Category, Report, State
from tinhso.ioc import actions
from tinhso.ioc.wallboard import token_for
from tinhso.motcua import actions as motcua
from tinhso.statistics.rollup import drain

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def province(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    tree = factories.make_province()
    desk = tree["agencies"]["my_tho"]
    procedure = factories.make_procedure()
    clerk = factories.make_officer(desk, "motcua.mytho", Role.ONE_STOP_OFFICER)
    specialist = factories.make_officer(desk.parent, "chuyenvien.mytho", Role.SPECIALIST)
    dossiers = [
        motcua.receive_at_counter(clerk, desk, procedure, {"name": name}, [], assignee=specialist)
        for name in ("Trần Thị Bích Ngọc", "Phan Văn Trị")
    ]
    Dossier.objects.filter(pk=dossiers[0].pk).update(due_at=timezone.now() - datetime.timedelta(days=2))
    drain()
    Report.objects.create(
        category=Category.objects.create(name="Đèn chiếu sáng", service_code="den-chieu-sang"),
        description="Đèn đường hỏng trước chợ Mỹ Tho.",
        commune=tree["my_tho"],
        assigned_agency=desk.parent,
        received_at=timezone.now(),
        due_at=timezone.now() + datetime.timedelta(days=2),
        state=State.ASSIGNED,
    )
    root = tree["agencies"]["province"]
    return {
        "leader": officer(root, "lanhdao.tinh", "Phạm Thị Hồng Hạnh", Role.LEADER),
        "admin": factories.make_officer(root, "admin.tinh", Role.PROVINCE_ADMIN),
    }


@pytest.mark.parametrize("width", [390, 1366])
def test_the_leader_follows_a_red_number_to_its_records_and_back(live_server, browser, province, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    sign_in(page, live_server.url, province["leader"])
    page.goto(live_server.url + "/dieu-hanh/")
    assert page.get_by_role("heading", level=1).inner_text() == "Trung tâm điều hành: Toàn tỉnh"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []
    attention = page.get_by_role("region", name="Cần chú ý")
    assert "Mức đỏ: cần xử lý ngay" in attention.inner_text()
    attention.get_by_role("link", name="1 — xem danh sách: Hồ sơ quá hạn").click()
    page.wait_for_url("**/thong-ke/qua-han/?**")
    assert page.get_by_role("heading", level=1).inner_text() == "Hồ sơ quá hạn"
    assert "1 hồ sơ" in page.locator("caption").inner_text()
    page.get_by_role("link", name="Quay lại trung tâm điều hành").click()
    page.wait_for_url("**/dieu-hanh/")
    assert page.get_by_role("heading", level=1).inner_text() == "Trung tâm điều hành: Toàn tỉnh"
    # The feedback map: a marker at the commune's point, the same counts in its table.
    region = page.get_by_role("region", name="Bản đồ phản ánh trong tháng theo xã, phường")
    region.locator(".leaflet-marker-icon").first.wait_for()
    assert region.locator(".leaflet-marker-icon").count() == 1
    row = page.locator("#ioc-communes-table tbody tr")
    assert (
        row.count() == 1 and "Phường Mỹ Tho" in row.inner_text() and "Đèn chiếu sáng: 1" in row.inner_text()
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()


def test_a_wallboard_link_works_without_sign_in_until_revoked(live_server, browser, province):
    link = actions.issue_wallboard_link(province["admin"], "Phòng điều hành", None, 30)
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server.url}/dieu-hanh/man-hinh/{token_for(link)}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Trung tâm điều hành: Toàn tỉnh"
    # One page at a time: the exceptions first.
    assert page.locator(".wall-page:visible").count() == 1
    expect(page.get_by_role("heading", name="Cần chú ý")).to_be_visible()
    assert serious_violations(page) == []
    actions.revoke_wallboard_link(province["admin"], link)
    page.reload()
    assert "đã bị thu hồi" in page.get_by_role("alert").inner_text()
    context.close()


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1920, 1080)])
def test_every_wallboard_page_fits_the_screen_without_scrolling(
    live_server, browser, province, width, height
):
    """A wall screen does not scroll: the thirteen public-service tiles are split over two pages
    and every page, shown in turn as the rotation shows it, ends above the bottom of the screen."""
    link = actions.issue_wallboard_link(province["admin"], "Phòng điều hành", None, 30)
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server.url}/dieu-hanh/man-hinh/{token_for(link)}/")
    titles = page.locator(".wall-page h2").all_inner_texts()
    for index in range(len(titles)):
        page.evaluate(
            "index => document.querySelectorAll('.wall-page').forEach((p, i) => { p.hidden = i !== index; })",
            index,
        )
        bottom = page.evaluate(
            "Math.max(...[...document.querySelectorAll('.wall-page:not([hidden]) .wall-tile, "
            ".wall-page:not([hidden]) h2')].map(e => e.getBoundingClientRect().bottom))"
        )
        assert bottom <= height, titles[index]
    assert "Dịch vụ công (1/2)" in titles and "Dịch vụ công (2/2)" in titles
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()


def test_the_public_transparency_page_fits_a_phone_without_sign_in(live_server, browser, province):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Công khai kết quả giải quyết thủ tục hành chính").click()
    page.wait_for_url("**/minh-bach/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
    assert "Ủy ban nhân dân phường Mỹ Tho" in page.locator("main").inner_text()
    assert "Trần Thị Bích Ngọc" not in page.content()
    page.get_by_label("Tên cơ quan có chứa (gõ có dấu hoặc không dấu)").fill("cao lanh")
    page.get_by_role("button", name="Lọc").click()
    page.wait_for_url("**/minh-bach/?q=cao+lanh")
    assert "Mỹ Tho" not in page.locator("tbody").inner_text()
    context.close()
