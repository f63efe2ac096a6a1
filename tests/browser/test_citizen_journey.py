"""The whole citizen journey of issue 3 on a phone: an accent-free search of the demo catalogue,
the e-form, an upload, check your answers, submission with its submission reference, the fee paid in the
sandbox gateway (which sends its IPN to the live server), the receipt, then anonymous tracking."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import serious_violations
from tinhso import testing as factories
from tinhso.dossiers.models import Dossier, Status
from tinhso.payments.models import PaymentStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def citizen(settings, tmp_path):
    """A demo-like Đồng Tháp (wards, one-stop desks, departments), the real demo catalogue, and
    a citizen born 14/03/1995 with CCCD 087095001234."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VNPAY_SANDBOX_ENABLED = True
    factories.make_demo_catalogue()
    return factories.make_citizen()


def continue_(page):
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_load_state()


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def test_search_submit_pay_and_track_on_a_phone(live_server, phone_page, browser, citizen):
    page = phone_page
    page.goto(live_server.url + "/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(citizen.cccd)
    page.get_by_label("Mật khẩu").fill(factories.PASSWORD)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_load_state()

    # Typed without accents, the search still finds the procedure.
    page.goto(live_server.url + "/thu-tuc/")
    assert serious_violations(page) == []
    page.locator("input[name=q]").fill("cap ban sao trich luc ho tich")
    page.get_by_role("button", name="Tìm kiếm").click()
    page.wait_for_load_state()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Cấp bản sao Trích lục hộ tịch").first.click()
    page.wait_for_load_state()
    assert heading(page) == "Cấp bản sao Trích lục hộ tịch"
    assert "8.000" in page.locator("main").inner_text()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.wait_for_load_state()

    assert heading(page) == "Nộp hồ sơ trực tuyến"
    assert serious_violations(page) == []
    page.get_by_label("Trung tâm Phục vụ hành chính công phường Mỹ Tho").check()
    page.get_by_role("button", name="Bắt đầu").click()
    page.wait_for_load_state()

    assert heading(page) == "Thông tin liên hệ của bạn"
    assert serious_violations(page) == []
    page.get_by_label("Xã, phường").select_option(label="Phường Mỹ Tho")
    page.get_by_label("Số nhà, đường phố, ấp, khu phố").fill("12 Ấp Bắc")
    continue_(page)

    assert heading(page) == "Việc hộ tịch cần trích lục"
    assert serious_violations(page) == []
    page.get_by_label("Khai sinh").check()
    page.get_by_label("Họ, chữ đệm và tên người được cấp trích lục").fill("Nguyễn Văn An")
    page.get_by_label("Ngày, tháng, năm sinh").fill("14/03/1995")
    page.get_by_label("Nơi đã đăng ký").fill("Ủy ban nhân dân phường Mỹ Tho")
    continue_(page)

    assert heading(page) == "Người yêu cầu"
    page.get_by_label("Họ, chữ đệm và tên").fill("Nguyễn Văn An")
    page.get_by_label("Số định danh cá nhân (CCCD)").fill(citizen.cccd)
    page.get_by_label("Ngày, tháng, năm sinh").fill("14/03/1995")
    page.get_by_label("Xã, phường").select_option(label="Phường Mỹ Tho")
    page.get_by_label("Số nhà, đường phố, ấp, khu phố").fill("12 Ấp Bắc")
    page.get_by_label("Số điện thoại").fill("0912345678")
    continue_(page)

    assert heading(page) == "Nhận kết quả"
    page.get_by_label("Số bản sao đề nghị cấp").fill("2")
    page.get_by_label("Bản điện tử").check()
    continue_(page)

    assert heading(page) == "Đính kèm giấy tờ"
    assert serious_violations(page) == []
    page.get_by_role("link", name=re.compile("Đính kèm: Tờ khai cấp bản sao Trích lục hộ tịch")).click()
    page.wait_for_load_state()
    page.get_by_label("Tải tệp lên").set_input_files(
        {"name": "to-khai-trich-luc.pdf", "mimeType": "application/pdf", "buffer": factories.minimal_pdf()}
    )
    assert serious_violations(page) == []
    page.get_by_role("button", name="Đính kèm").click()
    page.wait_for_load_state()
    expect(page.get_by_text("to-khai-trich-luc.pdf")).to_be_visible()
    continue_(page)

    assert heading(page) == "Kiểm tra lại thông tin trước khi nộp"
    main = page.locator("main").inner_text()
    assert "Nguyễn Văn An" in main and "14/03/1995" in main and "Bản điện tử" in main
    assert "Tổng cộng\n16.000 đ" in main or "Tổng cộng\t16.000 đ" in main
    assert serious_violations(page) == []
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_load_state()

    assert heading(page) == "Đã nộp hồ sơ"
    # A submission reference; the dossier code comes with reception (Decree 118/2025 Art. 17(3)
    # as amended by Decree 309/2026 Art. 8(3)).
    code = page.locator(".dossier-code").inner_text()
    assert re.fullmatch(r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}", code)
    assert serious_violations(page) == []

    # The fee: 2 copies × 8.000 đ, paid in the sandbox gateway.
    page.get_by_role("link", name="Thanh toán phí, lệ phí trực tuyến").click()
    page.wait_for_load_state()
    assert heading(page) == "Nộp phí, lệ phí"
    assert serious_violations(page) == []
    # The number of copies comes from the e-form: it is not asked again.
    assert page.get_by_label("Phí cấp bản sao Trích lục hộ tịch: số bản").count() == 0
    assert page.locator(".money", has_text="16.000 đ").first.bounding_box()["height"] < 40
    page.get_by_role("button", name="Thanh toán trực tuyến qua VNPAY").click()
    page.wait_for_url("**/thanh-toan/sandbox/paymentv2/vpcpay.html?**")
    assert "16.000 đ" in page.locator("main").inner_text()
    assert serious_violations(page) == []
    page.get_by_label("Ngân hàng").select_option("NCB")
    page.get_by_role("button", name="Thanh toán thành công").click()

    page.wait_for_url("**/thanh-toan/vnpay/ket-qua?**")
    expect(page.get_by_role("heading", name="Thanh toán thành công")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Xem biên lai điện tử").click()
    page.wait_for_load_state()
    receipt = page.locator("main").inner_text()
    assert "Biên lai điện tử thu phí, lệ phí" in receipt and code in receipt and "16.000 đ" in receipt
    assert serious_violations(page) == []

    dossier = Dossier.objects.get(submission_reference=code)
    assert dossier.status == Status.NEW and dossier.paid_at is not None
    assert dossier.payments.get().status == PaymentStatus.PAID
    assert dossier.attachments.get().content_type == "application/pdf"

    # Anyone with the code and the phone number tracks it, in a fresh browser, without signing in.
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    anonymous = context.new_page()
    anonymous.goto(f"{live_server.url}/ho-so/tra-cuu/")
    assert serious_violations(anonymous) == []
    anonymous.get_by_label("Mã hồ sơ").fill(code)
    anonymous.get_by_label("Số điện thoại hoặc các số cuối của CCCD").fill("0912 345 678")
    anonymous.get_by_role("button", name="Tra cứu").click()
    anonymous.wait_for_load_state()
    result = anonymous.locator("main").inner_text()
    assert "Cấp bản sao Trích lục hộ tịch" in result
    expect(anonymous.get_by_role("table").get_by_text("Mới đăng ký")).to_be_visible()
    assert serious_violations(anonymous) == []
    context.close()
