"""Pages: public list and search, report page, photos, officer pages and their permissions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from tinhso.feedback import actions
from tinhso.feedback.forms import ReportForm
from tinhso.feedback.models import Report
from tinhso.feedback.tests.test_actions import jpeg_with_gps


def test_public_list_search_is_accent_insensitive_and_hides_contacts(client, place, answered, submit):
    submit(description="Chưa được kiểm duyệt, không hiện")
    page = client.get("/phan-anh/", {"q": "AP BAC o ga"}).content.decode()
    assert answered.code in page and "Chưa được kiểm duyệt" not in page
    assert client.get("/phan-anh/", {"q": "karaoke"}).content.decode().count(answered.code) == 0
    detail = client.get(f"/phan-anh/{answered.code}/").content.decode()
    assert "Đã vá ổ gà" in detail and "nguyenvanan@example.vn" not in detail and "Nguyễn Văn An" not in detail


def test_unpublished_report_and_its_photo_are_hidden(client, place, submit, login):
    upload = SimpleUploadedFile("o-ga.jpg", jpeg_with_gps(), content_type="image/jpeg")
    report = submit(photos=[upload])
    photo = report.photos.get()
    assert client.get(f"/phan-anh/{report.code}/").status_code == 404
    assert client.get(f"/phan-anh/anh/{photo.pk}/").status_code == 404
    login(client, place["citizen"])
    assert client.get(f"/phan-anh/anh/{photo.pk}/")["Content-Type"] == "image/jpeg"


def test_officer_of_another_agency_gets_404_by_changing_the_code(client, place, submit, login):
    report = submit()
    actions.assign_report(place["router"], report, place["pc_my_tho"])
    login(client, place["other_officer"])
    assert client.get(f"/phan-anh/can-bo/{report.code}/").status_code == 404
    assert client.post(f"/phan-anh/can-bo/{report.code}/answer/", {"text": "Của tôi"}).status_code == 404
    assert not report.answers.exists()


def test_officer_pages_route_answer_approve(client, place, submit, login):
    report = submit(description='<script>alert("x")</script> Ổ gà')
    login(client, place["router"])
    inbox = client.get("/phan-anh/can-bo/dieu-phoi/").content.decode()
    assert report.code in inbox
    page = client.get(f"/phan-anh/can-bo/{report.code}/").content.decode()
    assert "&lt;script&gt;" in page and '<script>alert("x")' not in page
    assert "Ủy ban nhân dân phường Mỹ Tho" in page  # the routing table's proposal
    client.post(f"/phan-anh/can-bo/{report.code}/assign/", {"agency": place["pc_my_tho"].pk})
    login(client, place["officer"])
    assert report.code in client.get("/phan-anh/can-bo/co-quan/").content.decode()
    client.post(f"/phan-anh/can-bo/{report.code}/answer/", {"text": "Đã vá <b>ổ gà</b>."})
    login(client, place["leader"])
    assert report.code in client.get("/phan-anh/can-bo/phe-duyet/").content.decode()
    client.post(f"/phan-anh/can-bo/{report.code}/approve/", {"public_description": "Ổ gà đường Ấp Bắc"})
    report.refresh_from_db()
    assert report.state == "answered" and report.published
    public = client.get(f"/phan-anh/{report.code}/").content.decode()
    assert "Đã vá &lt;b&gt;ổ gà&lt;/b&gt;." in public


def test_form_refuses_a_place_outside_the_province_and_stores_nothing(client, place):
    response = client.post(
        "/phan-anh/gui/",
        {
            "category": place["roads"].pk,
            "description": "Ổ gà",
            "latitude": "10.7769",
            "longitude": "106.7009",
            "commune": place["my_tho"].pk,
        },
    )
    assert response.status_code == 200 and not Report.objects.exists()
    assert "field-error" in response.content.decode()


def test_form_files_a_report_without_javascript(client, place):
    response = client.post(
        "/phan-anh/gui/",
        {
            "category": place["roads"].pk,
            "description": "Ổ gà trước nhà số 12",
            "address": "12 Ấp Bắc",
            "commune": place["my_tho"].pk,
        },
    )
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/phan-anh/da-gui/{report.code}/"
    assert report.code in client.get(response["Location"]).content.decode()


def test_the_confirmation_page_is_only_for_whoever_filed_the_report(client, place, submit, login):
    """Codes are sequential: the page answers the filing session or the reporter's account, else 404."""
    client.post(
        "/phan-anh/gui/",
        {
            "category": place["roads"].pk,
            "description": "Ổ gà trước nhà số 12",
            "address": "12 Ấp Bắc",
            "commune": place["my_tho"].pk,
        },
    )
    visitors = Report.objects.get()
    page = f"/phan-anh/da-gui/{visitors.code}/"
    assert client.get(page).status_code == 200
    assert Client().get(page).status_code == 404
    citizens = submit()
    assert client.get(f"/phan-anh/da-gui/{citizens.code}/").status_code == 404
    assert login(Client(), place["citizen"]).get(f"/phan-anh/da-gui/{citizens.code}/").status_code == 200
    officer = login(Client(), place["officer"])
    assert officer.get(f"/phan-anh/da-gui/{citizens.code}/").status_code == 404
    assert officer.get(page).status_code == 404


def test_duplicate_nearby_is_shown_before_filing(client, place, submit, login):
    existing = submit()
    login(client, place["citizen"])
    data = {
        "category": place["roads"].pk,
        "description": "Ổ gà nữa",
        "latitude": "10.3606",
        "longitude": "106.3570",
        "commune": place["my_tho"].pk,
    }
    page = client.post("/phan-anh/gui/", data).content.decode()
    assert existing.code in page and Report.objects.count() == 1
    client.post("/phan-anh/gui/", {**data, "confirm_new": "on"})
    assert Report.objects.count() == 2


@pytest.mark.parametrize("group_by", ["category", "agency", "commune"])
def test_stats_api(client, place, answered, group_by):
    data = client.get("/api/v1/feedback/stats", {"group_by": group_by, "from": "2020-01-01"}).json()
    assert data["group_by"] == group_by and data["rows"][0]["answered"] == 1
    assert data["rows"][0]["on_time_rate"] == 1.0
    assert client.get("/api/v1/feedback/stats", {"from": "2025-12-08", "to": "2025-12-01"}).status_code == 400


def test_routing_page_preselects_the_proposed_agency(client, place, submit, login):
    """Issue 20 finding 11: the routing table's proposal is the selected option."""
    import re

    report = submit()
    login(client, place["router"])
    page = client.get(f"/phan-anh/can-bo/{report.code}/").content.decode()
    selected = re.findall(r'<option value="(\d+)"[^>]*selected', page)
    assert selected == [str(place["pc_my_tho"].pk)]


def test_a_report_from_another_system_without_a_name_opens_for_the_router(client, place, submit, login):
    """An Open311 report has no account and may have no contact name: the page still opens."""
    report = submit(user=None, contact_name="")
    login(client, place["router"])
    response = client.get(f"/phan-anh/can-bo/{report.code}/")
    assert response.status_code == 200
    assert report.code in response.content.decode()


def test_an_officer_reading_a_report_is_logged_once_and_the_sender_sees_it(client, place, submit, login):
    from tinhso.audit.models import AuditEntry
    from tinhso.audit.services import PERSONAL_DATA_READ

    report = submit()
    actions.assign_report(place["router"], report, place["pc_my_tho"])
    reads = AuditEntry.objects.filter(action=PERSONAL_DATA_READ, object_id=str(place["citizen"].pk))
    login(client, place["citizen"])
    assert report.code in client.get("/phan-anh/cua-toi/").content.decode()
    assert not reads.exists()
    login(client, place["officer"])
    assert client.get(f"/phan-anh/can-bo/{report.code}/").status_code == 200
    entry = reads.get()
    assert (entry.actor, entry.data["purpose"], entry.data["reference"]) == (
        place["officer"],
        "feedback.handle",
        report.code,
    )
    login(client, place["citizen"])
    page = client.get("/tai-khoan/du-lieu-ca-nhan/ai-da-xem/").content.decode()
    assert report.code in page and "Ủy ban nhân dân phường Mỹ Tho" in page and "Xử lý phản ánh" in page
    assert place["officer"].full_name not in page


def test_the_officer_page_offers_each_step_only_in_the_states_its_action_takes(client, place, submit, login):
    """The page's steps follow the actions' own state lists (no state tested by substring)."""
    report = submit()

    def steps(user):
        login(client, user)
        page = client.get(f"/phan-anh/can-bo/{report.code}/").content.decode()
        return {step for step in ("assign", "start", "answer") if f"/{report.code}/{step}/" in page}

    assert steps(place["router"]) == {"assign"}
    actions.assign_report(place["router"], report, place["pc_my_tho"])
    assert steps(place["officer"]) == {"start", "answer"}
    actions.start_work(place["officer"], report)
    assert steps(place["officer"]) == {"answer"}
    assert "assign" in steps(place["router"])
    actions.answer_report(place["officer"], report, "Đã vá ổ gà.")
    actions.approve_answer(place["leader"], report)
    report.refresh_from_db()
    assert report.state == "answered"
    assert steps(place["officer"]) == set() and steps(place["router"]) == set()


@pytest.mark.parametrize("language, hint", [("en", "At most 4000 characters."), ("vi", "Tối đa 4000 ký tự.")])
def test_the_description_hint_speaks_the_language_of_the_request(language, hint):
    with translation.override(language):
        assert str(ReportForm()["description"].help_text) == hint


def test_form_asks_to_confirm_a_pin_in_another_commune(client, place):
    data = {
        "category": place["roads"].pk,
        "description": "Ổ gà",
        "latitude": "10.4399",
        "longitude": "105.624",
        "commune": place["my_tho"].pk,
    }
    page = client.post("/phan-anh/gui/", data)
    html = page.content.decode()
    assert page.status_code == 200 and not Report.objects.exists()
    assert "gần Phường Cao Lãnh" in html and 'name="confirm_commune"' in html
    assert 'name="confirm_commune"' not in client.get("/phan-anh/gui/").content.decode()
    response = client.post("/phan-anh/gui/", {**data, "confirm_commune": "on"})
    assert response.status_code == 302 and Report.objects.get().commune == place["my_tho"]
