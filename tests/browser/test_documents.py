"""An official document on a phone: the People's Committee's clerk numbers a draft and sends it to
a department; there the clerk registers it, the leader assigns it, the specialist handles it; the
sender's page shows each status that came back. A letter put in the department's charge as a unit."""

import datetime

import pyotp
import pytest

from tests.browser.accessibility import serious_violations
from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.documents import actions
from tinhso.documents.models import IncomingDocument, OutgoingDocument

pytestmark = pytest.mark.django_db(transaction=True)


def officer(agency, username, name, role):
    user = factories.make_officer(agency, username, role)
    user.full_name = name
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed_at = datetime.datetime(2025, 7, 1, tzinfo=datetime.UTC)
    user.save()
    return user


@pytest.fixture
def people(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    committee = factories.make_province()["agencies"]["province"]
    committee.symbol = "UBND"
    committee.save()
    department = Agency.objects.create(
        code="H20.10",
        name="Sở Nội vụ tỉnh Đồng Tháp",
        symbol="SNV",
        kind=AgencyKind.DEPARTMENT,
        parent=committee,
        unit=committee.unit,
        valid_from=factories.START,
    )
    clerk = officer(committee, "vanthu.tinh", "Ngô Thị Bích Liên", Role.DOCUMENT_CLERK)
    draft = actions.create_draft(
        clerk, committee, type_code="cong_van", unit_symbol="VP", subject="V/v rà soát biên chế năm 2027"
    )
    return {
        "draft": draft,
        "clerk": clerk,
        "pc_leader": officer(committee, "lanhdao.tinh", "Phạm Thị Hồng Hạnh", Role.LEADER),
        "dept_clerk": officer(department, "vanthu.snv", "Đặng Ngọc Mai", Role.DOCUMENT_CLERK),
        "leader": officer(department, "lanhdao.snv", "Huỳnh Văn Sáu", Role.LEADER),
        "specialist": officer(department, "chuyenvien.snv", "Trần Quốc Bảo", Role.SPECIALIST),
    }


def sign_in(page, base_url, user):
    page.context.clear_cookies()
    page.goto(base_url + "/tai-khoan/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(factories.PASSWORD)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_load_state()
    page.get_by_label("Mã xác thực").fill(pyotp.TOTP(user.totp_secret).now())
    page.get_by_role("button", name="Tiếp tục").click()
    page.wait_for_load_state()


def open_incoming(page, base_url, subject):
    page.goto(base_url + "/van-ban/")
    page.get_by_role("link", name=subject).click()
    page.wait_for_load_state()


def test_a_letter_numbered_sent_registered_assigned_and_handled(live_server, phone_page, people):
    page, url = phone_page, live_server.url
    subject = "V/v rà soát biên chế năm 2027"

    sign_in(page, url, people["clerk"])
    page.get_by_role("link", name="Văn bản điều hành").click()
    page.get_by_role("link", name="Văn bản đi", exact=True).click()
    page.get_by_role("link", name=subject).click()
    page.get_by_role("button", name="Cấp số và ban hành").click()
    page.wait_for_load_state()
    assert "Đã cấp số và ban hành: 01/UBND-VP." in page.locator("main").inner_text()
    page.get_by_label("Sở Nội vụ tỉnh Đồng Tháp").check()
    page.get_by_role("button", name="Gửi", exact=True).click()
    page.wait_for_load_state()
    assert "trạng thái 01 đã đến" in page.locator("main").inner_text()
    assert serious_violations(page) == []

    sign_in(page, url, people["dept_clerk"])
    open_incoming(page, url, subject)
    assert serious_violations(page) == []
    page.get_by_role("button", name="Vào sổ", exact=True).click()
    page.wait_for_load_state()
    assert IncomingDocument.objects.get().arrival_number == 1

    sign_in(page, url, people["leader"])
    open_incoming(page, url, subject)
    page.get_by_label("Người chủ trì xử lý").select_option(label="Trần Quốc Bảo")
    page.get_by_label("Hạn xử lý (ngày làm việc)").fill("5")
    page.get_by_role("button", name="Giao xử lý").click()
    page.wait_for_load_state()

    sign_in(page, url, people["specialist"])
    open_incoming(page, url, subject)
    page.get_by_label("Kết quả xử lý").fill("Đã rà soát, gửi báo cáo")
    page.get_by_role("button", name="Hoàn thành xử lý").click()
    page.wait_for_load_state()
    assert IncomingDocument.objects.get().state == "done"

    sign_in(page, url, people["pc_leader"])  # the clerk's code of this half-minute is spent
    page.goto(url + f"/van-ban/di/{OutgoingDocument.objects.get().pk}/")
    text = page.locator("main").inner_text()
    for status in ("01 đã đến", "03 đã tiếp nhận, vào sổ", "04 đã phân công xử lý", "06 đã xử lý xong"):
        assert status in text


def test_a_letter_put_in_a_units_charge_whose_leader_names_the_person_who_handles_it(
    live_server, phone_page, people
):
    """Art. 24: the People's Committee's leader puts the department (a unit under it) in charge;
    the department's leader names the specialist, who handles it."""
    page, url = phone_page, live_server.url
    subject = "V/v báo cáo công tác cải cách hành chính"
    actions.register_paper(
        people["clerk"], people["clerk"].memberships.get().agency, sender_name="Bộ Nội vụ", subject=subject
    )

    sign_in(page, url, people["pc_leader"])
    open_incoming(page, url, subject)
    page.get_by_label("hoặc đơn vị chủ trì xử lý").select_option(label="Sở Nội vụ tỉnh Đồng Tháp")
    page.get_by_label("Hạn xử lý (ngày làm việc)").fill("5")
    page.get_by_role("button", name="Giao xử lý").click()
    page.wait_for_load_state()
    assert "Đơn vị chủ trì xử lý" in page.locator("main").inner_text()
    assert serious_violations(page) == []

    sign_in(page, url, people["leader"])
    open_incoming(page, url, subject)
    assert serious_violations(page) == []
    page.get_by_label("Người chủ trì xử lý").select_option(label="Trần Quốc Bảo")
    page.get_by_role("button", name="Giao", exact=True).click()
    page.wait_for_load_state()

    sign_in(page, url, people["specialist"])
    open_incoming(page, url, subject)
    page.get_by_label("Kết quả xử lý").fill("Đã báo cáo")
    page.get_by_role("button", name="Hoàn thành xử lý").click()
    page.wait_for_load_state()
    document = IncomingDocument.objects.get(subject=subject)
    assert (document.state, document.handler, document.handling_unit.code) == (
        "done",
        people["specialist"],
        "H20.10",
    )


def test_a_sent_letter_revoked_with_the_leaders_approval_is_tombstoned_at_the_recipient(
    live_server, phone_page, people
):
    """The clerk asks to revoke a letter the department registered and assigned, the leader
    approves, the department's copy shows the revocation and its reason, the sender sees 13 then
    15 (Decree 30/2020/NĐ-CP Art. 18(4)(b))."""
    page, url = phone_page, live_server.url
    reason = "Ban hành nhầm đối tượng, sẽ có văn bản khác"
    document = actions.issue_document(people["clerk"], people["draft"])
    department = Agency.objects.get(code="H20.10")
    actions.send_document(people["clerk"], document, [department])  # delivered on commit
    incoming = actions.register_incoming(people["dept_clerk"], IncomingDocument.objects.get())
    actions.assign_incoming(people["leader"], incoming, people["specialist"], 5)

    sign_in(page, url, people["clerk"])
    page.goto(url + f"/van-ban/di/{document.pk}/")
    page.get_by_text("Thu hồi, cập nhật hoặc thay thế").click()
    page.get_by_label("Thao tác").select_option(label="Thu hồi")
    page.get_by_label("Lý do").fill(reason)
    page.get_by_role("button", name="Trình lãnh đạo duyệt").click()
    page.wait_for_load_state()
    assert "Đề nghị đang chờ lãnh đạo duyệt." in page.locator("main").inner_text()
    assert serious_violations(page) == []

    sign_in(page, url, people["pc_leader"])
    page.goto(url + f"/van-ban/di/{document.pk}/")
    page.get_by_role("button", name="Duyệt và gửi tới các nơi nhận").click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "Đã thu hồi" in text
    for status in ("13 yêu cầu lấy lại", "15 đồng ý lấy lại"):
        assert status in text
    assert serious_violations(page) == []

    sign_in(page, url, people["dept_clerk"])
    page.goto(url + "/van-ban/?state=revoked")
    page.get_by_role("link", name="V/v rà soát biên chế năm 2027").click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "Nơi gửi đã thu hồi" in text and reason in text
    assert "Giao xử lý" not in [button.inner_text() for button in page.get_by_role("button").all()]
    assert serious_violations(page) == []
    incoming.refresh_from_db()
    assert (incoming.state, incoming.handler) == ("revoked", None)


def test_the_leader_signs_a_batch_on_a_phone_and_the_clerk_issues_it(live_server, phone_page, people):
    from django.core.files.base import ContentFile
    from weasyprint import HTML

    from tinhso.signing import actions as signing_actions
    from tinhso.signing.pdf import verify_pdf

    page, url = phone_page, live_server.url
    committee = people["draft"].agency
    signing_actions.issue_agency_certificate(None, committee)
    plan = actions.create_draft(
        people["clerk"],
        committee,
        type_code="ke_hoach",
        subject="Kế hoạch tiếp công dân năm 2027",
        signer_position="Chủ tịch",
    )
    broken = actions.create_draft(
        people["clerk"], committee, type_code="thong_bao", subject="Thông báo thiếu số"
    )
    broken.file.save("thieu-so.pdf", ContentFile(HTML(string="<p>Phạm Thị Hồng Hạnh</p>").write_pdf()))

    sign_in(page, url, people["pc_leader"])
    page.goto(url + "/van-ban/di/ky/")
    assert serious_violations(page) == []
    page.get_by_label("Ký Kế hoạch tiếp công dân năm 2027").check()
    page.get_by_label("Ký Thông báo thiếu số").check()
    page.get_by_role("button", name="Ký các bản thảo đã chọn").click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    assert "Đã ký 1 bản thảo." in text
    assert "Chưa ký: Thông báo thiếu số — Trang đầu của bản thảo không có dòng “Số:”." in text
    assert "Kế hoạch tiếp công dân năm 2027" not in page.locator("table").inner_text()

    sign_in(page, url, people["clerk"])
    page.goto(url + f"/van-ban/di/{plan.pk}/")
    assert "Phạm Thị Hồng Hạnh đã ký lúc" in page.locator("main").inner_text()
    page.get_by_role("button", name="Cấp số và ban hành").click()
    page.wait_for_load_state()
    assert "Đã cấp số và ban hành: 01/KH-UBND." in page.locator("main").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name=OutgoingDocument.objects.get(pk=plan.pk).file_name).click()
    with open(download.value.path(), "rb") as handle:
        check = verify_pdf(handle.read())
    assert check.valid and check.signature_count == 2
