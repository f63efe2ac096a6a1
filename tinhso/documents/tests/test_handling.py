"""Handling incoming documents (Decree 30/2020/NĐ-CP Art. 24): the leader names the person in
charge, the co-ordinators and the deadline; each co-ordinator reads the document (pages, lists,
search, API) and gives an opinion that joins the timeline; the person in charge is reminded once
when the deadline is near and once when it has passed, in the app and by e-mail, never twice;
and the refusals, which change nothing."""

import datetime
import threading
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from tinhso import testing as factories
from tinhso.accounts.actions import issue_api_token
from tinhso.accounts.models import Role
from tinhso.audit.models import AuditEntry
from tinhso.documents import actions, search
from tinhso.documents.models import Coordinator, DocumentEvent, HandlingReminder, IncomingDocument
from tinhso.documents.tests.conftest import make_agencies, make_staff

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
# A Monday of an ordinary working week, mid-morning.
ASSIGNED_AT = datetime.datetime(2026, 3, 9, 10, 0, tzinfo=VN)
OPINION = "Phòng Tổ chức cán bộ đề nghị bổ sung số liệu biên chế năm 2025"


def registered(agencies, staff, subject="Về việc rà soát biên chế năm 2026"):
    return actions.register_paper(staff["clerk"], agencies["dept"], sender_name="Bộ Nội vụ", subject=subject)


@pytest.fixture
def second_specialist(agencies):
    user = factories.make_officer(agencies["dept"], "snv.specialist2", Role.SPECIALIST)
    user.full_name = "Võ Thị Phối"
    user.save(update_fields=["full_name"])
    return user


@pytest.fixture
def with_emails(dept_staff, second_specialist):
    for user in [*dept_staff.values(), second_specialist]:
        user.email = f"{user.username}@dongthap.gov.vn"
        user.save(update_fields=["email"])


def test_the_leader_names_co_ordinators_who_read_and_give_their_opinion(
    agencies, dept_staff, second_specialist, signed_in, client
):
    document = registered(agencies, dept_staff)
    signed_in(dept_staff["leader"])
    page = client.get(reverse("documents:incoming", args=[document.pk])).content.decode()
    assert "Người phối hợp" in page
    client.post(
        reverse("documents:assign", args=[document.pk]),
        {
            "handler": dept_staff["specialist"].pk,
            "coordinators": [second_specialist.pk],
            "working_days": "5",
        },
    )
    document.refresh_from_db()
    assert document.state == "assigned" and document.handler == dept_staff["specialist"]
    assert list(document.coordinators.values_list("user", flat=True)) == [second_specialist.pk]
    entry = AuditEntry.objects.filter(action="documents.assign").latest("pk")
    assert "Võ Thị Phối" in str(entry.data)

    signed_in(second_specialist)
    listing = client.get(reverse("documents:incoming_list")).content.decode()
    assert document.subject in listing
    page = client.get(reverse("documents:incoming", args=[document.pk])).content.decode()
    assert "Ý kiến của bạn với vai trò phối hợp" in page and "Hoàn thành xử lý" not in page
    client.post(reverse("documents:opinion", args=[document.pk]), {"opinion": OPINION})
    coordinator = Coordinator.objects.get()
    assert coordinator.opinion == OPINION and coordinator.opinion_at is not None
    event = DocumentEvent.objects.get(incoming=document, kind="opinion")
    assert event.note == OPINION and event.actor_name.startswith("Võ Thị Phối")
    page = client.get(reverse("documents:incoming", args=[document.pk])).content.decode()
    assert OPINION in page and "ý kiến của người phối hợp" in page
    assert AuditEntry.objects.filter(action="documents.give_opinion").count() == 1

    signed_in(dept_staff["specialist"])
    page = client.get(reverse("documents:incoming", args=[document.pk])).content.decode()
    assert OPINION in page and "Ý kiến của bạn với vai trò phối hợp" not in page


def test_co_ordinators_see_the_document_in_search_and_the_api_and_lose_it_when_removed(
    agencies, dept_staff, second_specialist, client
):
    document = registered(agencies, dept_staff)
    other = registered(agencies, dept_staff, subject="Về việc rà soát trụ sở làm việc")
    actions.assign_incoming(
        dept_staff["leader"], document, dept_staff["specialist"], 5, coordinators=[second_specialist]
    )
    actions.assign_incoming(dept_staff["leader"], other, dept_staff["specialist"], 5)
    token, _ = issue_api_token(second_specialist, "kiểm thử")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    _outgoing, found = search.search(second_specialist, "ra soat")
    assert found == [document]
    listed = client.get("/api/v1/documents/incoming", {"agency": "H20.10"}, **auth).json()
    assert [item["id"] for item in listed["items"]] == [document.pk]
    assert client.get(f"/api/v1/documents/incoming/{document.pk}", **auth).status_code == 200
    assert client.get(f"/api/v1/documents/incoming/{other.pk}", **auth).status_code == 404

    # Assigned again without them: they no longer read it.
    actions.assign_incoming(dept_staff["leader"], document, dept_staff["specialist"], 5)
    assert not Coordinator.objects.exists()
    assert search.search(second_specialist, "ra soat")[1] == []
    assert client.get(f"/api/v1/documents/incoming/{document.pk}", **auth).status_code == 404


def test_refused_co_ordinators_and_opinions_change_nothing(
    agencies, dept_staff, ward_staff, second_specialist
):
    document = registered(agencies, dept_staff)
    leader, handler = dept_staff["leader"], dept_staff["specialist"]
    entries = AuditEntry.objects.count()
    for coordinators, reason in (
        ([handler], "in charge"),
        ([second_specialist, second_specialist], "twice"),
        ([ward_staff["specialist"]], "another agency"),
        ([dept_staff["clerk"]], "a clerk"),
    ):
        with pytest.raises(ValidationError) as refusal:
            actions.assign_incoming(leader, document, handler, 5, coordinators=coordinators)
        assert refusal.value.code == "coordinators", reason
    document.refresh_from_db()
    assert (document.state, document.handler) == ("registered", None)
    assert not Coordinator.objects.exists() and AuditEntry.objects.count() == entries

    document = actions.assign_incoming(leader, document, handler, 5, coordinators=[second_specialist])
    events = DocumentEvent.objects.count()
    for outsider in (handler, ward_staff["specialist"], dept_staff["clerk"]):
        with pytest.raises(PermissionDenied):
            actions.give_opinion(outsider, document, OPINION)
    with pytest.raises(ValidationError) as refusal:
        actions.give_opinion(second_specialist, document, "   ")
    assert refusal.value.code == "required"
    with pytest.raises(ValidationError) as refusal:
        actions.give_opinion(second_specialist, document, "x" * 501)
    assert refusal.value.code == "max_length"
    actions.complete_incoming(handler, document, "Đã báo cáo")
    with pytest.raises(ValidationError) as refusal:
        actions.give_opinion(second_specialist, document, OPINION)
    assert refusal.value.code == "state"
    assert DocumentEvent.objects.filter(kind="opinion").count() == 0
    assert DocumentEvent.objects.count() == events + 1, "only the completion's status"
    assert Coordinator.objects.get().opinion == ""


def test_the_person_in_charge_is_reminded_once_when_due_soon_and_once_when_overdue(
    agencies, dept_staff, with_emails, signed_in, client
):
    document = registered(agencies, dept_staff)
    handler = dept_staff["specialist"]
    actions.assign_incoming(dept_staff["leader"], document, handler, 2, at=ASSIGNED_AT)
    document.refresh_from_db()
    due = document.handling_due_at
    assert due.astimezone(VN) == datetime.datetime(2026, 3, 11, 10, 0, tzinfo=VN)
    done_elsewhere = registered(agencies, dept_staff, subject="Đã xong")
    done_elsewhere = actions.assign_incoming(dept_staff["leader"], done_elsewhere, handler, 1, at=ASSIGNED_AT)
    actions.complete_incoming(handler, done_elsewhere)

    # More than a working day before the deadline: nothing yet.
    assert actions.remind_handlers(now=ASSIGNED_AT + datetime.timedelta(days=1, hours=-1)) == 0
    assert actions.remind_handlers(now=due - datetime.timedelta(hours=1)) == 1
    assert actions.remind_handlers(now=due - datetime.timedelta(minutes=30)) == 0
    (message,) = mail.outbox
    assert message.to == ["snv.specialist@dongthap.gov.vn"]
    assert message.subject == "Sắp đến hạn: Về việc rà soát biên chế năm 2026"
    assert "10:00, 11/03/2026" in message.body and f"/van-ban/den/{document.pk}/" in message.body

    signed_in(handler)
    page = client.get(reverse("documents:incoming_list")).content.decode()
    assert "Nhắc việc" in page and "hạn 10:00, 11/03/2026" in page

    assert actions.remind_handlers(now=due + datetime.timedelta(hours=1)) == 1
    assert actions.remind_handlers(now=due + datetime.timedelta(days=3)) == 0
    assert [message.subject for message in mail.outbox][1] == "Quá hạn: Về việc rà soát biên chế năm 2026"
    assert "đã hết hạn xử lý lúc 10:00, 11/03/2026" in mail.outbox[1].body
    assert set(HandlingReminder.objects.values_list("threshold", flat=True)) == {"due_soon", "overdue"}
    assert AuditEntry.objects.filter(action="documents.remind").count() == 2
    assert "quá hạn từ 10:00, 11/03/2026" in client.get(reverse("documents:incoming_list")).content.decode()

    # A new deadline is reminded afresh; a handled document is not, and leaves the list.
    document = actions.assign_incoming(
        dept_staff["leader"], document, handler, 3, at=due + datetime.timedelta(days=3)
    )
    assert actions.remind_handlers(now=document.handling_due_at - datetime.timedelta(hours=1)) == 1
    actions.complete_incoming(handler, document)
    assert actions.remind_handlers(now=document.handling_due_at + datetime.timedelta(hours=1)) == 0
    assert len(mail.outbox) == 3
    assert "Nhắc việc" not in client.get(reverse("documents:incoming_list")).content.decode()


def test_the_worker_command_reminds_and_the_leader_sees_overdue_handling_across_the_agency(
    agencies, dept_staff, second_specialist, with_emails, signed_in, client
):
    long_ago = datetime.datetime.now(VN) - datetime.timedelta(days=30)
    first = registered(agencies, dept_staff, subject="Quá hạn một")
    second = registered(agencies, dept_staff, subject="Quá hạn hai")
    actions.assign_incoming(dept_staff["leader"], first, dept_staff["specialist"], 2, at=long_ago)
    actions.assign_incoming(dept_staff["leader"], second, second_specialist, 2, at=long_ago)
    call_command("deliver_documents", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert sorted(message.to[0] for message in mail.outbox) == [
        "snv.specialist2@dongthap.gov.vn",
        "snv.specialist@dongthap.gov.vn",
    ]
    signed_in(dept_staff["leader"])
    overdue = client.get(reverse("documents:incoming_list"), {"state": "overdue"})
    assert sorted(document.subject for document in overdue.context["page"]) == ["Quá hạn hai", "Quá hạn một"]
    signed_in(second_specialist)
    mine = client.get(reverse("documents:incoming_list"), {"state": "overdue"})
    assert [document.subject for document in mine.context["page"]] == ["Quá hạn hai"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_reminding_at_once_send_each_reminder_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    agencies = make_agencies()
    staff = make_staff(agencies["dept"], "snv")
    staff["specialist"].email = "snv.specialist@dongthap.gov.vn"
    staff["specialist"].save(update_fields=["email"])
    for number in range(5):
        document = registered(agencies, staff, subject=f"Văn bản {number}")
        actions.assign_incoming(staff["leader"], document, staff["specialist"], 1, at=ASSIGNED_AT)
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(actions.remind_handlers(now=ASSIGNED_AT + datetime.timedelta(days=10)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 5
    assert len(mail.outbox) == 5 and HandlingReminder.objects.count() == 5
    assert IncomingDocument.objects.filter(state="assigned").count() == 5


def test_a_registered_document_is_for_the_leader_by_the_next_working_day_and_urgent_ones_at_once(
    agencies, dept_staff, signed_in, client
):
    """Art. 24: presented the same day, at the latest the next working day; urgent ones at once."""
    from tinhso.documents.handling import presentation_due

    friday = datetime.datetime(2026, 3, 13, 16, 0, tzinfo=VN)
    normal = actions.register_paper(
        dept_staff["clerk"], agencies["dept"], sender_name="Bộ Nội vụ", subject="Thường", at=friday
    )
    urgent = actions.register_paper(
        dept_staff["clerk"], agencies["dept"], sender_name="Bộ Nội vụ", subject="Khẩn", urgency=1, at=friday
    )
    due = presentation_due(normal)
    assert due is not None and due.astimezone(VN).date() == datetime.date(2026, 3, 16), "the next working day"
    assert due.astimezone(VN).hour >= 16
    assert presentation_due(urgent) == friday
    signed_in(dept_staff["leader"])
    page = client.get(reverse("documents:incoming_list"), {"state": "registered"}).content.decode()
    assert page.count("trình muộn") == 2 and "trình lãnh đạo trước" in page
    assigned = actions.assign_incoming(dept_staff["leader"], urgent, dept_staff["specialist"], 1)
    assert assigned.state == "assigned"
    page = client.get(reverse("documents:incoming_list"), {"state": "registered"}).content.decode()
    assert page.count("trình muộn") == 1
