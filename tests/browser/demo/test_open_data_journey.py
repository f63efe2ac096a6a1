"""Open data on the demo's own data (the Đồng Tháp of ``load_demo``): anyone, on a phone and on a
desktop, finds the monthly dossier figures without typing accents, reads the data dictionary and
the first rows and downloads the CSV; the province administrator publishes the dataset left
unpublished by the demo, which then appears in the public list, and, a procedure's processing
time changed, refreshes the catalogue and reads what the new version changed. Each page: no horizontal
overflow, no serious axe-core violation; the administrator's pages also in English."""

import csv
import io
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import serious_violations
from tests.browser.demo.journey import SHOTS
from tinhso.demo import data
from tinhso.opendata.models import Dataset, Version
from tinhso.procedures.models import Procedure

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("size", [(390, 844), (1366, 900)])
def test_anyone_finds_reads_and_downloads_the_monthly_dossier_figures(browser, demo, size):
    context = browser.new_context(
        viewport={"width": size[0], "height": size[1]}, locale="vi-VN", accept_downloads=True
    )
    page = context.new_page()

    def fits():
        assert page.evaluate("document.documentElement.scrollWidth") <= size[0], page.url
        assert serious_violations(page) == [], page.url

    page.goto(demo["url"] + "/du-lieu-mo/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dữ liệu mở")
    fits()
    page.get_by_label("Tìm bộ dữ liệu").fill("giai quyet ho so")
    page.get_by_role("button", name="Tìm kiếm").click()
    link = page.get_by_role("link", name="Tình hình giải quyết hồ sơ thủ tục hành chính theo tháng")
    expect(link).to_be_visible()
    expect(page.get_by_role("link", name="Danh bạ cơ quan, đơn vị")).to_have_count(0)
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Tình hình giải quyết hồ sơ thủ tục hành chính theo tháng"
    )
    expect(page.get_by_role("table", name="Từ điển dữ liệu")).to_contain_text("Hồ sơ tiếp nhận")
    expect(page.get_by_role("region", name="Xem trước dữ liệu")).to_contain_text(
        "Trung tâm Phục vụ hành chính công"
    )
    fits()
    page.screenshot(path=SHOTS / f"open-data-{size[0]}.png", full_page=True)
    with page.expect_download() as caught:
        page.get_by_role("link", name="Tải về CSV").click()
    body = Path(caught.value.path()).read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][:4] == ["thang", "ma_co_quan", "ten_co_quan", "tiep_nhan"]
    assert len(rows) > 2 and sum(int(row[3]) for row in rows[1:]) > 0
    context.close()


def test_the_province_administrator_publishes_the_feedback_figures(actor):
    time.sleep(30 - time.time() % 30 + 1)  # a fresh code: the demo loader used the last one
    admin = actor(data.OFFICERS[0][0])
    admin.goto("/du-lieu-mo/", "Dữ liệu mở")
    page = admin.page
    page.get_by_role("link", name="Phản ánh, kiến nghị của người dân theo tháng").click()
    admin.check("Phản ánh, kiến nghị của người dân theo tháng")
    expect(page.get_by_text("Chưa công bố: chỉ người quản lý")).to_be_visible()
    page.get_by_role("button", name="Công bố").click()
    expect(page.get_by_text("Bộ dữ liệu đã được công bố.")).to_be_visible()
    admin.check("Phản ánh, kiến nghị của người dân theo tháng", english=False)
    assert Dataset.objects.get(name="phan-anh-kien-nghi-theo-thang").is_published
    public = page.context.browser.new_page()
    public.goto(admin.url + "/du-lieu-mo/?q=phan anh")
    expect(public.get_by_role("link", name="Phản ánh, kiến nghị của người dân theo tháng")).to_be_visible()
    public.close()


def test_the_administrator_refreshes_the_catalogue_and_reads_what_changed(actor):
    """The procedure's processing time changed in the administration, the catalogue refreshed at
    once rather than at night keeps a second version, which says what changed."""
    admin = actor(data.OFFICERS[0][0])
    listed = Version.objects.filter(resource__dataset__name="thu-tuc-hanh-chinh").order_by("-number").first()
    procedure = Procedure.objects.get(code=listed.records[0][0])
    before = procedure.processing_time
    page = admin.page
    page.goto(f"{admin.url}/quan-tri/procedures/procedure/{procedure.pk}/change/")
    page.locator("input[name=processing_time]").fill(str(before + 2))
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("thành công")
    admin.goto("/du-lieu-mo/thu-tuc-hanh-chinh/", "Danh mục thủ tục hành chính đang thực hiện")
    page.get_by_role("button", name="Làm mới dữ liệu ngay").click()
    expect(page.get_by_text("Đã lưu một phiên bản dữ liệu mới.")).to_be_visible()
    page.get_by_role("link", name="thay đổi gì").first.click()
    admin.check("Phiên bản 2 thay đổi gì")
    expect(page.locator("main")).to_contain_text(
        f"{procedure.code}: Thời hạn giải quyết {before} → {before + 2}"
    )
