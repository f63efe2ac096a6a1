"""A citizen whose dossier waits for its fees (status 6) pays in the sandbox gateway on a phone
and sees the electronic receipt."""

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import serious_violations
from tinhso.dossiers.models import Status
from tinhso.payments.models import PaymentStatus
from tinhso.payments.tests.conftest import PASSWORD, make_agency, make_citizen, make_dossier, make_procedure

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dossier(settings):
    settings.VNPAY_SANDBOX_ENABLED = True
    return make_dossier(make_procedure(), make_agency(), make_citizen())


def test_citizen_pays_in_the_sandbox_and_sees_the_receipt(live_server, phone_page, dossier):
    page = phone_page
    page.goto(live_server.url + "/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("079203001234")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/thanh-toan/ho-so/{dossier.code}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Nộp phí, lệ phí"
    assert serious_violations(page) == []
    page.get_by_label("Phí cấp bản sao trích lục: số bản").fill("2")
    page.get_by_role("button", name="Thanh toán trực tuyến qua VNPAY").click()

    page.wait_for_url("**/thanh-toan/sandbox/paymentv2/vpcpay.html?**")
    assert "16.000 đ" in page.locator("main").inner_text()
    assert serious_violations(page) == []
    page.get_by_label("Ngân hàng").select_option("NCB")
    page.get_by_role("button", name="Thanh toán thành công").click()

    page.wait_for_url("**/thanh-toan/vnpay/ket-qua?**")
    expect(page.get_by_role("heading", name="Thanh toán thành công")).to_be_visible()
    page.get_by_role("link", name="Xem biên lai điện tử").click()
    page.wait_for_load_state()
    receipt = page.locator("main").inner_text()
    assert "Biên lai điện tử thu phí, lệ phí" in receipt
    assert dossier.code in receipt
    assert "16.000 đ" in receipt
    expect(page.get_by_role("img", name="Mã QR dẫn đến biên lai này")).to_be_visible()
    assert serious_violations(page) == []

    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert dossier.payments.get().status == PaymentStatus.PAID
