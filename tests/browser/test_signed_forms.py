"""The receipt (Form 01) of an online dossier is signed by the desk when its officer accepts the
dossier on a phone; the applicant finds it on their dossier page and downloads the signed bytes."""

import pathlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import serious_violations
from tests.browser.test_back_office import people, sign_in  # noqa: F401 (fixture)
from tinhso import testing as factories
from tinhso.official_forms.models import IssuedForm
from tinhso.signing import actions as signing_actions
from tinhso.signing.pdf import verify_pdf

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_applicant_downloads_the_signed_receipt(live_server, phone_page, people):  # noqa: F811
    page, url = phone_page, live_server.url
    dossier = people["dossier"]
    signing_actions.issue_agency_certificate(None, dossier.receiving_agency)

    sign_in(page, url, people["officer"])
    page.goto(url + f"/mot-cua/ho-so/{dossier.pk}/")
    page.get_by_role("link", name="Tiếp nhận và chuyển xử lý").click()
    page.get_by_label("Cán bộ xử lý bước tiếp theo").select_option(label=str(people["specialist"]))
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Đã ký số và gửi người nộp")).to_be_visible()
    issued = IssuedForm.objects.get(dossier=dossier, form_number=1)

    page.context.clear_cookies()
    page.goto(url + "/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(dossier.applicant.cccd)
    page.get_by_label("Mật khẩu").fill(factories.PASSWORD)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_load_state()
    page.goto(url + f"/ho-so/{dossier.display_code}/")
    expect(page.get_by_role("heading", name="Giấy tờ cơ quan gửi bạn")).to_be_visible()
    assert serious_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01)").click()
    content = pathlib.Path(download.value.path()).read_bytes()
    issued.refresh_from_db()  # signed by the worker or, as here, by the first download
    assert issued.content is not None and content == bytes(issued.content)
    # pyHanko's validator runs its own event loop: outside Playwright's.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(verify_pdf, content).result().valid
