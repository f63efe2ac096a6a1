"""Issue 17's "Done when" on the demo's own data (the Đồng Tháp loaded by ``load_demo``), every
page on a 390-pixel phone: phường Mỹ Tho's specialist drafts a letter from the template, sends it
for review to the văn thư (format, with her co-signature), who approves; the ward's leader signs,
the văn thư numbers, issues and sends it through the exchange to the Department of Justice; there
the văn thư registers it, the leader assigns a handler with a deadline, the handler marks it
handled; the statuses 01, 03, 04 and 06 come back and both sides' timelines show every step.
Then the ward revokes it with its leader's approval, and both sides show the revocation.

The demo is the one the demo journeys use, loaded once for both (``conftest.py``); each actor
signs in once."""

import time

import pytest

from tinhso.agencies.models import Agency
from tinhso.demo import data
from tinhso.documents.models import IncomingDocument, OutgoingDocument

pytestmark = pytest.mark.django_db

SUBJECT = "đề nghị hướng dẫn chứng thực bản sao điện tử từ bản chính năm 2027"
REASON = "Gửi nhầm nội dung, phường sẽ gửi văn bản khác"
JOURNEY: dict[str, int] = {}


def main_text(person) -> str:
    return person.page.locator("main").inner_text()


def person(actor, username: str):
    """``actor(username)``, the first of them once the next TOTP code is out: the demo loader
    enrolled the officers with the code of its last moment, and a code is used once."""
    if not JOURNEY.get("fresh_code"):
        time.sleep(30 - time.time() % 30 + 1)
        JOURNEY["fresh_code"] = 1
    return actor(username)


def click(person, selector: str) -> None:
    person.page.locator(selector).click()
    person.page.wait_for_load_state()


def test_a_letter_drafted_reviewed_signed_sent_registered_assigned_and_handled(actor, django_db_blocker):
    with django_db_blocker.unblock():
        ward = Agency.objects.get(parent__code=data.PROVINCE_AGENCY_CODE, unit__name=data.MY_THO)
        justice = Agency.objects.get(code=f"{data.PROVINCE_AGENCY_CODE}.04")

        # The specialist drafts from the letter's template and sends it for review.
        drafter = person(actor, "chuyenvien.mytho")
        # The types keep their Vietnamese legal names in English (Decree 30/2020 Art. 7).
        drafter.page.goto(drafter.url + "/van-ban/di/soan-theo-mau/")
        page = drafter.check("Soạn theo mẫu", english=False)
        page.get_by_role("link", name="Công văn", exact=True).click()
        page = drafter.check("Soạn Công văn", english=False)
        page.locator("[name=subject]").fill(SUBJECT)
        page.locator("[name=unit_symbol]").fill("VP")
        page.locator("[name=addressees]").fill(justice.name)
        page.locator("[name=body]").fill(
            "Ủy ban nhân dân phường Mỹ Tho đề nghị Sở Tư pháp hướng dẫn việc chứng thực bản sao "
            "điện tử từ bản chính theo quy định hiện hành.\n\nTrân trọng."
        )
        page.locator("[name=recipients]").fill("Như trên\nChủ tịch, các Phó Chủ tịch UBND phường")
        page.locator("[name=signer]").select_option(label="Trương Văn Lợi")
        page.locator("[name=signer_competence]").select_option("TM.")
        page.locator("[name=signer_position]").fill("Ủy ban nhân dân")
        page.locator("[name=signer_title]").fill("Chủ tịch")
        page.get_by_role("button", name="Lưu dự thảo").click()
        page.wait_for_load_state()
        assert "Đã lưu dự thảo, phiên bản 1." in main_text(drafter)
        document = OutgoingDocument.objects.get(agency=ward, subject=SUBJECT)
        JOURNEY["outgoing"] = document.pk
        page = drafter.check(None, english=False)
        page.locator("[name=reviewer_1]").select_option(label="Phan Thị Thu Hà")
        page.locator("[name=purpose_1]").fill("Kiểm tra thể thức")
        page.locator("[name=initials_1]").check()
        click(drafter, "form[action$='/trinh-duyet/'] button[type=submit]")
        assert "Đã trình dự thảo cho người duyệt." in main_text(drafter)

        # The văn thư reviews the format from her inbox and co-signs.
        clerk = person(actor, "vanthu.mytho")
        page = clerk.goto("/van-ban/di/cho-toi-duyet/", "Dự thảo chờ tôi duyệt")
        page.get_by_role("link", name=SUBJECT).click()
        page = clerk.check(None, english=False)
        page.locator("[name=opinion]").fill("Đúng thể thức theo Phụ lục I Nghị định 30/2020/NĐ-CP.")
        page.get_by_role("button", name="Đồng ý", exact=True).click()
        page.wait_for_load_state()
        assert "Mọi người duyệt đã đồng ý: lãnh đạo có thể ký." in main_text(clerk)

        # The leader signs; the văn thư numbers, issues and sends it to the Department of Justice.
        leader = actor("lanhdao.mytho")
        page = leader.goto(f"/van-ban/di/{document.pk}/", None)
        click(leader, "form[action$='/ky/'] button[type=submit]")
        document.refresh_from_db()
        assert document.signed_by.username == "lanhdao.mytho"
        page = clerk.goto(f"/van-ban/di/{document.pk}/", None)
        click(clerk, "form[action$='/cap-so/'] button[type=submit]")
        document.refresh_from_db()
        assert document.reference.endswith("/UBND-VP") and document.state == "issued"
        page.get_by_label(justice.name, exact=True).check()
        page.get_by_role("button", name="Gửi", exact=True).click()
        page.wait_for_load_state()
        assert "01 đã đến" in main_text(clerk)

        # At the Department of Justice: registered, assigned with a deadline, handled.
        incoming = IncomingDocument.objects.get(agency=justice, document_id=document.document_id)
        JOURNEY["incoming"] = incoming.pk
        justice_clerk = person(actor, "vanthu.stp")
        page = justice_clerk.goto(f"/van-ban/den/{incoming.pk}/", None)
        page.get_by_role("button", name="Vào sổ", exact=True).click()
        page.wait_for_load_state()
        incoming.refresh_from_db()
        assert incoming.state == "registered" and incoming.arrival_number
        director = actor("lanhdao.stp")
        page = director.goto(f"/van-ban/den/{incoming.pk}/", None)
        page.get_by_label("Người chủ trì xử lý").select_option(label="Trần Quốc Bảo")
        page.get_by_label("Hạn xử lý (ngày làm việc)").fill("5")
        page.get_by_role("button", name="Giao xử lý").click()
        page.wait_for_load_state()
        handler = actor("chuyenvien.stp")
        page = handler.goto(f"/van-ban/den/{incoming.pk}/", None)
        page.get_by_label("Kết quả xử lý").fill("Đã có văn bản hướng dẫn gửi phường")
        page.get_by_role("button", name="Hoàn thành xử lý").click()
        page.wait_for_load_state()
        incoming.refresh_from_db()
        assert incoming.state == "done" and incoming.handling_due_at

        # Both sides' timelines.
        page = drafter.goto(f"/van-ban/di/{document.pk}/", None)
        sender = main_text(drafter)
        for step in (
            "lưu phiên bản dự thảo: v1",
            "trình duyệt: 1. Phan Thị Thu Hà",
            "người duyệt đồng ý: đã ký nháy",
            "Đã ký nháy",
            "01 đã đến",
            "03 đã tiếp nhận, vào sổ",
            "04 đã phân công xử lý",
            "06 đã xử lý xong",
        ):
            assert step.casefold() in sender.casefold(), step
        for kind in ("signed", "issued", "queued", "drafted"):
            assert document.events.filter(kind=kind).exists(), kind
        justice_clerk.goto(f"/van-ban/den/{incoming.pk}/", None)
        receiver = main_text(justice_clerk)
        for event in incoming.events.all():
            assert event.get_kind_display().casefold() in receiver.casefold() or event.kind == "status"
        assert {event.status_code for event in incoming.events.filter(kind="status")} >= {"03", "04", "06"}


def test_b_the_letter_revoked_shows_on_both_sides(actor, django_db_blocker):
    with django_db_blocker.unblock():
        assert "incoming" in JOURNEY, "the first journey sent the letter"
        clerk, leader = actor("vanthu.mytho"), actor("lanhdao.mytho")
        page = clerk.goto(f"/van-ban/di/{JOURNEY['outgoing']}/", None)
        page.get_by_text("Thu hồi, cập nhật hoặc thay thế").click()
        page.get_by_label("Thao tác").select_option(label="Thu hồi")
        page.get_by_label("Lý do").fill(REASON)
        page.get_by_role("button", name="Trình lãnh đạo duyệt").click()
        page.wait_for_load_state()
        assert "Đề nghị đang chờ lãnh đạo duyệt." in main_text(clerk)

        page = leader.goto(f"/van-ban/di/{JOURNEY['outgoing']}/", None)
        page.get_by_role("button", name="Duyệt và gửi tới các nơi nhận").click()
        page.wait_for_load_state()
        sender = main_text(leader)
        assert "Đã thu hồi" in sender and REASON in sender
        for status in ("13 yêu cầu lấy lại", "15 đồng ý lấy lại"):
            assert status in sender

        justice_clerk = actor("vanthu.stp")
        justice_clerk.goto(f"/van-ban/den/{JOURNEY['incoming']}/", None)
        receiver = main_text(justice_clerk)
        assert "Nơi gửi đã thu hồi" in receiver and REASON in receiver
        incoming = IncomingDocument.objects.get(pk=JOURNEY["incoming"])
        assert incoming.state == "revoked" and incoming.withdrawal_reason == REASON
        assert OutgoingDocument.objects.get(pk=JOURNEY["outgoing"]).state == "revoked"
