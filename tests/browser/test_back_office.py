"""An online dossier through the back office on a phone: the one-stop officer accepts it, the
specialist processes it, the leader approves it."""

import pyotp
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from tests.browser.accessibility import serious_violations
from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.dossiers import actions
from tinhso.dossiers.models import Dossier
from tinhso.dossiers.status import Status

pytestmark = pytest.mark.django_db(transaction=True)


def officer(agency, username, name, role):
    return factories.make_officer(agency, username, role, name, totp_secret=pyotp.random_base32())


@pytest.fixture
def people(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    province = factories.make_province()
    desk = province["agencies"]["my_tho"]
    procedure = factories.make_procedure()
    citizen = factories.make_citizen()
    draft = actions.start_draft(citizen, procedure, desk)
    actions.save_applicant(
        citizen,
        draft,
        {"phone": "+84912345678", "email": "an@example.vn", "address": factories.ANSWERS["noi_sinh"]},
    )
    fields = [field for page in procedure.eform["pages"] for field in page["fields"]]
    actions.save_answers(citizen, draft, factories.ANSWERS, fields)
    upload = SimpleUploadedFile(
        "giay-chung-sinh.pdf", factories.minimal_pdf(), content_type="application/pdf"
    )
    actions.add_attachment(citizen, draft, upload, procedure.documents.get(position=1))
    draft.refresh_from_db()
    dossier = actions.submit_dossier(citizen, draft)
    return {
        "dossier": dossier,
        "officer": officer(desk, "motcua.mytho", "Đỗ Thanh Tâm", Role.ONE_STOP_OFFICER),
        "specialist": officer(desk.parent, "chuyenvien.mytho", "Lê Minh Khoa", Role.SPECIALIST),
        "leader": officer(desk.parent, "lanhdao.mytho", "Phạm Thị Hồng", Role.LEADER),
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


def take(page, base_url, code, action):
    page.goto(base_url + "/mot-cua/")
    page.get_by_role("link", name=code).click()
    page.get_by_role("link", name=action).click()
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_load_state()


def test_online_dossier_accepted_processed_approved(live_server, phone_page, people):
    page, url = phone_page, live_server.url
    code = people["dossier"].display_code  # its submission reference until it is received

    sign_in(page, url, people["officer"])
    page.goto(url + "/mot-cua/")
    assert page.get_by_role("heading", level=1).inner_text() == "Hồ sơ cần xử lý"
    expect(page.get_by_role("link", name=code)).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_role("link", name=code).click()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Tiếp nhận và chuyển xử lý").click()
    page.get_by_label("Cán bộ xử lý bước tiếp theo").select_option(label=str(people["specialist"]))
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_load_state()
    assert "Đã thực hiện: Tiếp nhận và chuyển xử lý." in page.locator("main").inner_text()
    dossier = Dossier.objects.get(pk=people["dossier"].pk)
    assert dossier.status == Status.ACCEPTED
    code = dossier.code
    assert page.locator(".due-at").inner_text() != "—"

    sign_in(page, url, people["specialist"])
    take(page, url, code, "Bắt đầu xử lý")
    take(page, url, code, "Trình lãnh đạo phê duyệt")

    sign_in(page, url, people["leader"])
    take(page, url, code, "Phê duyệt kết quả")
    assert "Đã xử lý xong" in page.locator("main").inner_text()
    dossier.refresh_from_db()
    assert dossier.status == Status.FINISHED
