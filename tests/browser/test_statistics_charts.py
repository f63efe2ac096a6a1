"""The statistics page at a glance on a 390 px phone: the charts fit, read as images with a
name, pass axe-core, and the overdue number opens its list."""

import pytest

from tests.browser.accessibility import serious_violations
from tests.browser.test_back_office import officer, sign_in
from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.motcua import actions as motcua
from tinhso.statistics.rollup import drain

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def leader(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    province = factories.make_province()
    desk = province["agencies"]["my_tho"]
    procedure = factories.make_procedure()
    clerk = factories.make_officer(desk, "motcua.mytho", Role.ONE_STOP_OFFICER)
    specialist = factories.make_officer(desk.parent, "chuyenvien.mytho", Role.SPECIALIST)
    for name in ("Trần Thị Bích Ngọc", "Phan Văn Trị"):
        motcua.receive_at_counter(clerk, desk, procedure, {"name": name}, [], assignee=specialist)
    drain()
    return officer(desk.parent, "lanhdao.mytho", "Phạm Thị Hồng", Role.LEADER)


def test_the_glance_charts_fit_a_phone_and_pass_axe(live_server, browser, leader):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="vi-VN")
    page = context.new_page()
    sign_in(page, live_server.url, leader)
    page.goto(live_server.url + "/thong-ke/")
    page.get_by_label("Cơ quan").select_option(label="Ủy ban nhân dân phường Mỹ Tho")
    page.get_by_role("button", name="Xem báo cáo").click()
    page.wait_for_url("**/thong-ke/?**")
    for name in (
        "Hồ sơ tiếp nhận và giải quyết theo tháng",
        "Tỷ lệ đúng hạn theo cơ quan (10 cơ quan cao nhất)",
        "Quyết định 766/QĐ-TTg: điểm của từng nhóm so với điểm tối đa",
    ):
        # The months' and agencies' charts are groups of links (each bar opens its dossiers).
        chart = page.get_by_role("img", name=name).or_(page.get_by_role("group", name=name))
        assert chart.bounding_box()["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(page) == []
    page.get_by_role("link", name="0 — xem danh sách: Đang quá hạn").click()
    page.wait_for_url("**/thong-ke/qua-han/?**")
    assert page.get_by_role("heading", level=1).inner_text() == "Hồ sơ quá hạn"
    context.close()
