"""Issue 4's journey in a browser: an online dossier and a walk-in dossier received at the
counter go through reception (Form 01 read back), processing, a consultation of another
commune's People's Committee and back, the leader's signature on the result (verified from the
stored PDF and on the public page) and the return of the result (status 10).

Each officer works in a browser context of their own, signed in once with password and TOTP, so
no code is used twice within its 30 seconds."""

import io
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyotp
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from tests.browser.accessibility import serious_violations
from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.dossiers import actions
from tinhso.dossiers.models import Channel, Dossier
from tinhso.dossiers.status import Status
from tinhso.official_forms.rendering import clock
from tinhso.signing.actions import ensure_agency_certificate
from tinhso.signing.models import SignedDocument
from tinhso.signing.pdf import verify_pdf
from tinhso.workflows.demo import PROVINCIAL_LICENCE, load_flow
from tinhso.workflows.models import DossierFlow, StepRecord

pytestmark = pytest.mark.django_db(transaction=True)

WALK_IN = {
    "name": "Trần Thị Bích Ngọc",
    "cccd": "082190004567",
    "phone": "0387654321",
    "email": "ngoc.tran@example.vn",
    "address": "Ấp Mỹ Phú, phường Mỹ Tho, tỉnh Đồng Tháp",
}


def officer(agency, username, name, role):
    return factories.make_officer(agency, username, role, name, totp_secret=pyotp.random_base32())


def submit_online(procedure, desk):
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
    return actions.submit_dossier(citizen, draft)


@pytest.fixture
def province(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    made = factories.make_province()
    desk = made["agencies"]["my_tho"]
    consulted_pc = made["agencies"]["cao_lanh"].parent
    procedure = factories.make_procedure()
    load_flow(dict(PROVINCIAL_LICENCE, key="giay-phep-lien-thong-thu-nghiem"), procedure)
    ensure_agency_certificate(None, desk)
    return {
        "desk": desk,
        "consulted_pc": consulted_pc,
        "procedure": procedure,
        "online": submit_online(procedure, desk),
        "officer": officer(desk, "motcua.mytho", "Đỗ Thanh Tâm", Role.ONE_STOP_OFFICER),
        "specialist": officer(desk.parent, "chuyenvien.mytho", "Lê Minh Khoa", Role.SPECIALIST),
        "leader": officer(desk.parent, "lanhdao.mytho", "Phạm Thị Hồng", Role.LEADER),
        "consulted": officer(consulted_pc, "chuyenvien.caolanh", "Võ Hoàng Phúc", Role.SPECIALIST),
    }


@pytest.fixture
def signed_in(browser, live_server):
    """``signed_in(user)``: a page of a new browser context where ``user`` has signed in."""
    contexts = []

    def sign_in(user):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        contexts.append(context)
        page = context.new_page()
        page.goto(live_server.url + "/tai-khoan/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill(user.username)
        page.get_by_label("Mật khẩu").fill(factories.PASSWORD)
        page.get_by_role("button", name="Đăng nhập").last.click()
        page.wait_for_load_state()
        page.get_by_label("Mã xác thực").fill(pyotp.TOTP(user.totp_secret).now())
        page.get_by_role("button", name="Tiếp tục").click()
        page.wait_for_load_state()
        return page

    yield sign_in
    for context in contexts:
        context.close()


def open_dossier(page, base_url, dossier):
    page.goto(f"{base_url}/mot-cua/ho-so/{dossier.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == f"Hồ sơ {dossier.display_code}"


def take(page, base_url, dossier, action, check_page=False, **choices):
    """Take ``action`` from the dossier page; ``choices`` = {field label: option label}."""
    open_dossier(page, base_url, dossier)
    page.get_by_role("link", name=action, exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == action
    for label, option in choices.items():
        page.get_by_label(label).select_option(label=option)
    if check_page:
        assert serious_violations(page) == []
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_load_state()
    assert f"Đã thực hiện: {action}." in page.locator("main").inner_text()


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def download_form_01(page, base_url, dossier) -> str:
    open_dossier(page, base_url, dossier)
    with page.expect_download() as caught:
        page.get_by_role("link", name="Mẫu 1 (PDF)", exact=True).click()
    return pdf_text(Path(caught.value.path()).read_bytes())


def test_online_and_counter_dossiers_from_reception_to_return(live_server, signed_in, province, page):
    url, online = live_server.url, province["online"]
    specialist = province["specialist"]

    # Reception ------------------------------------------------------------------------------
    desk_page = signed_in(province["officer"])
    desk_page.goto(url + "/mot-cua/")
    desk_page.get_by_role("link", name=online.display_code).click()
    take(
        desk_page,
        url,
        online,
        "Tiếp nhận và chuyển phòng chuyên môn",
        check_page=True,
        **{"Cán bộ xử lý bước tiếp theo": str(specialist)},
    )
    online.refresh_from_db()
    assert online.status == Status.ACCEPTED and online.received_at is not None
    receipt = download_form_01(desk_page, url, online)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in receipt.upper()
    assert online.code in receipt and online.applicant_name in receipt
    assert clock(online.due_at) in receipt

    desk_page.goto(url + "/mot-cua/")
    desk_page.get_by_role("link", name="Tiếp nhận hồ sơ trực tiếp").click()
    assert desk_page.get_by_role("heading", level=1).inner_text() == "Tiếp nhận hồ sơ trực tiếp"
    assert serious_violations(desk_page) == []
    desk_page.get_by_label("Thủ tục").select_option(label=str(province["procedure"]))
    desk_page.get_by_label("Họ và tên người nộp").fill(WALK_IN["name"])
    desk_page.get_by_label("Số căn cước công dân (CCCD)").fill(WALK_IN["cccd"])
    desk_page.get_by_label("Số điện thoại").fill(WALK_IN["phone"])
    desk_page.get_by_label("Thư điện tử").fill(WALK_IN["email"])
    desk_page.get_by_label("Địa chỉ").fill(WALK_IN["address"])
    desk_page.get_by_label("Hồ sơ đã số hóa (PDF)").set_input_files(
        files=[
            {
                "name": "don-de-nghi-cap-phep.pdf",
                "mimeType": "application/pdf",
                "buffer": factories.minimal_pdf(),
            }
        ]
    )
    desk_page.get_by_label("Cơ quan tiếp nhận").select_option(label=province["desk"].name)
    desk_page.get_by_label("Cán bộ xử lý bước tiếp theo").select_option(label=str(specialist))
    desk_page.get_by_role("button", name="Tiếp nhận hồ sơ", exact=True).click()
    desk_page.wait_for_load_state()
    walk_in = Dossier.objects.get(channel=Channel.DIRECT)
    assert f"Đã tiếp nhận hồ sơ {walk_in.code}." in desk_page.locator("main").inner_text()
    assert walk_in.status == Status.ACCEPTED and walk_in.applicant_name == WALK_IN["name"]
    assert walk_in.attachments.get().original_name == "don-de-nghi-cap-phep.pdf"
    receipt = download_form_01(desk_page, url, walk_in)
    assert walk_in.code in receipt and WALK_IN["name"] in receipt
    assert clock(walk_in.due_at) in receipt

    # Processing, consultation of Ủy ban nhân dân phường Cao Lãnh and back -------------------
    specialist_page = signed_in(specialist)
    consulted_page = signed_in(province["consulted"])
    consulted_pc = province["consulted_pc"]
    # The specialist reads the citizen's answers, on a phone as well (issue 20 findings 2, 17).
    specialist_page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/mot-cua/", f"/mot-cua/ho-so/{online.pk}/"):
        specialist_page.goto(url + path)
        assert specialist_page.evaluate("document.documentElement.scrollWidth") <= 390, path
        assert serious_violations(specialist_page) == []
    main = specialist_page.locator("main").inner_text()
    for answer in ("Nguyễn Ngọc Hân", "05/01/2026", "Nữ", "Nguyễn Minh Khang", "giay-chung-sinh.pdf"):
        assert answer in main, answer
    specialist_page.set_viewport_size({"width": 1280, "height": 900})
    for dossier in (online, walk_in):
        take(specialist_page, url, dossier, "Bắt đầu thẩm định")
        take(
            specialist_page,
            url,
            dossier,
            "Gửi lấy ý kiến cơ quan khác (liên thông)",
            check_page=dossier is online,
            **{"Chuyển tới cơ quan": consulted_pc.name},
        )
        assert DossierFlow.objects.get(dossier=dossier).current_agency == consulted_pc
        consulted_page.goto(url + "/mot-cua/")
        consulted_page.get_by_role("link", name=dossier.code).click()
        take(consulted_page, url, dossier, "Gửi lại ý kiến cho cơ quan chủ trì")
        assert DossierFlow.objects.get(dossier=dossier).current_agency == province["desk"]
        take(specialist_page, url, dossier, "Trình lãnh đạo ký")

    # Signing ---------------------------------------------------------------------------------
    leader_page = signed_in(province["leader"])
    for dossier in (online, walk_in):
        open_dossier(leader_page, url, dossier)
        leader_page.get_by_role("link", name="Ký số kết quả điện tử").click()
        if dossier is online:
            assert serious_violations(leader_page) == []
        leader_page.get_by_label("Tên kết quả").fill(f"Giấy phép xây dựng — hồ sơ {dossier.code}")
        leader_page.get_by_label("Kết quả (PDF)").set_input_files(
            files=[
                {"name": "giay-phep.pdf", "mimeType": "application/pdf", "buffer": factories.minimal_pdf()}
            ]
        )
        leader_page.get_by_role("button", name="Xác nhận").click()
        leader_page.wait_for_load_state()
        assert "Đã thực hiện: Ký số kết quả điện tử." in leader_page.locator("main").inner_text()
        take(leader_page, url, dossier, "Ký giấy phép")
        dossier.refresh_from_db()
        assert dossier.status == Status.FINISHED
        # The page shows the signed result and no longer offers to sign (issue 20 finding 3).
        open_dossier(leader_page, url, dossier)
        assert leader_page.get_by_role("link", name="Ký số kết quả điện tử").count() == 0
        with leader_page.expect_download() as caught:
            leader_page.get_by_role(
                "link", name=f"Giấy phép xây dựng — hồ sơ {dossier.code}", exact=False
            ).click()
        assert caught.value.suggested_filename.endswith(".pdf")

        document = SignedDocument.objects.get(dossier=dossier)
        with document.file.open("rb") as handle:
            signed = handle.read()
        # pyHanko validates with asyncio.run(), which cannot run inside Playwright's event loop.
        with ThreadPoolExecutor(1) as worker:
            result = worker.submit(verify_pdf, signed).result()
        assert result.valid and result.intact and not result.modified_after_signing
        assert result.agency == province["desk"]
        # The public page the QR code leads to, opened by anyone (not signed in).
        page.goto(f"{url}/xac-thuc-ket-qua/{document.pk}/")
        assert page.get_by_role("heading", level=1).inner_text() == "Xác thực kết quả điện tử"
        assert "Văn bản thật và không bị thay đổi" in page.locator("main").inner_text()
        assert dossier.code in page.locator("main").inner_text()
        if dossier is online:
            assert serious_violations(page) == []

    # Return of the result ------------------------------------------------------------------------
    for dossier in (online, walk_in):
        take(desk_page, url, dossier, "Trả kết quả")
        dossier.refresh_from_db()
        assert dossier.status == Status.RETURNED and dossier.returned_at is not None
        agencies = list(StepRecord.objects.filter(dossier=dossier).values_list("to_agency__code", flat=True))
        assert agencies == [
            "H20.201.01",
            "H20.201.01",
            "H20.202",
            "H20.201.01",
            "H20.201.01",
            "H20.201.01",
            "H20.201.01",
        ]
