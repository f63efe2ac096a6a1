"""The event feed: CloudEvents over the outboxes, one order that a resuming reader follows without
a gap or a duplicate even when writers commit out of order (PostgreSQL), and its permission."""

import datetime
import json
import random
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tinhso.documents.models import DocumentEvent
from tinhso.dossiers import actions as dossier_actions
from tinhso.dossiers.status import Status
from tinhso.events import feed
from tinhso.events.models import FeedEntry

# The feed shows only committed transactions older than every running one: the tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


def read_all(after=None, limit=100):
    events, cursor = [], after or feed.Cursor()
    while True:
        page, next_cursor = feed.read(cursor, limit)
        if next_cursor == cursor:
            return events, cursor
        events += page
        cursor = next_cursor


def test_a_dossier_status_change_is_a_cloudevent_without_personal_data(client, bearer, people, submitted):
    dossier_actions.change_status(None, submitted, Status.ACCEPTED)
    body = client.get("/api/v1/events/", **bearer(people["system"])).json()
    dossier_events = [e for e in body["events"] if e["type"].startswith("vn.gov.tinhso.dossier.")]
    assert [(e["type"], e["data"]["status"]) for e in dossier_events] == [
        ("vn.gov.tinhso.dossier.status_changed", Status.NEW),
        ("vn.gov.tinhso.dossier.status_changed", Status.ACCEPTED),
    ]
    first = dossier_events[0]
    assert first["specversion"] == "1.0"
    assert first["source"] == "urn:tinhso:82:dossier"
    assert first["datacontenttype"] == "application/json"
    assert first["id"].startswith("dossier-")
    assert first["data"]["agency"] == "H20.201.01"
    assert first["subject"] == first["data"]["code"]
    text = json.dumps(body, ensure_ascii=False)
    for personal in ("Nguyễn Văn An", "087095001234", "0912345678", "an@example.vn"):
        assert personal not in text
    assert body["next"] == dossier_events[-1]["cursor"]
    again = client.get("/api/v1/events/", {"after": body["next"]}, **bearer(people["system"])).json()
    assert again == {"events": [], "next": body["next"]}


def test_the_ids_are_stable_and_the_pages_follow_each_other(people, submitted):
    for status in (Status.ACCEPTED, Status.PROCESSING, Status.FINISHED):
        dossier_actions.change_status(None, submitted, status)
    whole, _ = read_all()
    paged, _ = read_all(limit=1)
    assert [e.cloudevent for e in paged] == [e.cloudevent for e in whole]
    assert len({e.cloudevent["id"] for e in whole}) == len(whole) == FeedEntry.objects.count()


def test_feedback_state_changes_and_documents_are_in_the_feed(people, desk):
    DocumentEvent.objects.create(kind=DocumentEvent.Kind.DRAFTED, agency=desk, occurred_at=timezone.now())
    (event,) = read_all()[0]
    assert event.type == "vn.gov.tinhso.document.drafted"
    assert event.agency == "H20.201.01"
    assert "actor_name" not in event.cloudevent["data"]


def test_the_feed_is_refused_to_whoever_lacks_the_permission(client, bearer, people):
    assert client.get("/api/v1/events/").status_code == 401
    for name in ("citizen", "officer", "agency_admin"):
        assert client.get("/api/v1/events/", **bearer(people[name])).status_code == 403, name
    for name in ("system", "admin"):
        assert client.get("/api/v1/events/", **bearer(people[name])).status_code == 200, name


@pytest.mark.parametrize(
    "query", [{"after": "abc"}, {"after": "1.2.3"}, {"after": "-1.5"}, {"limit": 0}, {"limit": 501}]
)
def test_a_bad_cursor_or_limit_is_refused(client, bearer, people, query):
    response = client.get("/api/v1/events/", query, **bearer(people["system"]))
    assert response.status_code == 422
    assert response.json()["error"]["code"]


def _document_event(agency):
    return DocumentEvent.objects.create(
        kind=DocumentEvent.Kind.DRAFTED, agency=agency, occurred_at=timezone.now()
    )


def test_an_entry_committed_after_a_higher_one_is_not_skipped(province):
    """A transaction takes the lower entry id and commits last: the reader must not pass it."""
    agency = province["agencies"]["my_tho"]
    inserted, release, done = threading.Event(), threading.Event(), []

    def slow_writer():
        try:
            with transaction.atomic():
                done.append(_document_event(agency).pk)
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inserted.wait(10)
    fast = _document_event(agency)  # committed at once, after the slow one took its entry
    events, cursor = read_all()
    assert events == []  # the slow transaction holds the feed back; nothing is passed
    release.set()
    thread.join()
    events, cursor = read_all(cursor)
    ids = [e.cloudevent["id"] for e in events]
    assert ids == [f"document-{done[0]}", f"document-{fast.pk}"]
    assert (
        FeedEntry.objects.get(source="document", source_id=done[0]).pk
        < FeedEntry.objects.get(source="document", source_id=fast.pk).pk
    )


def test_a_resuming_reader_sees_every_event_once_under_concurrent_writers(province):
    agency = province["agencies"]["my_tho"]
    written: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(seed):
        chance = random.Random(seed)
        try:
            for _ in range(15):
                with transaction.atomic():
                    pk = _document_event(agency).pk
                    time.sleep(chance.random() * 0.02)
                    if chance.random() < 0.2:
                        transaction.set_rollback(True)
                        continue
                with lock:
                    written.append(pk)
        finally:
            connection.close()

    seen: list[str] = []

    def reader():
        cursor = feed.Cursor()
        try:
            while True:
                finished = stop.is_set()
                page, cursor = feed.read(cursor, 7)
                seen.extend(e.cloudevent["id"] for e in page)
                if finished and not page:
                    return
                time.sleep(0.005)
        finally:
            connection.close()

    writers = [threading.Thread(target=writer, args=(seed,)) for seed in range(4)]
    follower = threading.Thread(target=reader)
    follower.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    follower.join()
    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(f"document-{pk}" for pk in written)
    assert len(written) > 30


def test_a_feedback_report_is_followed_from_received_to_closed_without_the_reporters_data(
    people, province, desk
):
    from tinhso.feedback import actions as feedback_actions
    from tinhso.feedback.models import Category, TimeUnit

    roads = Category.objects.create(
        name="Hư hỏng đường giao thông", service_code="hu-hong-duong", time_limit=8, time_unit=TimeUnit.HOURS
    )
    admin = people["admin"]
    report = feedback_actions.submit_report(
        people["citizen"],
        category=roads,
        description="Đường Ấp Bắc có ổ gà lớn gần chợ.",
        commune=province["my_tho"],
        latitude="10.360500",
        longitude="106.356900",
        address="Đường Ấp Bắc",
        contact_email="nguyenvanan@example.vn",
    )
    feedback_actions.assign_report(admin, report, desk)
    feedback_actions.answer_report(admin, report, "Đã vá ổ gà trên đường Ấp Bắc.")
    feedback_actions.approve_answer(admin, report)
    feedback_actions.close_answered(timezone.now() + datetime.timedelta(days=365))
    events = [e for e in read_all()[0] if e.type.startswith("vn.gov.tinhso.feedback.")]
    assert [e.type.rsplit(".", 1)[1] for e in events] == [
        "received",
        "assigned",
        "in_progress",
        "answered",
        "closed",
    ]
    report.refresh_from_db()
    assert {e.cloudevent["subject"] for e in events} == {report.code}
    assert events[-1].cloudevent["data"]["agency"] == desk.code == events[-1].agency
    assert events[-1].cloudevent["data"]["category"] == "hu-hong-duong"
    text = json.dumps([e.cloudevent for e in events], ensure_ascii=False)
    for personal in ("Nguyễn Văn An", "nguyenvanan@example.vn", "ổ gà", "Đường Ấp Bắc"):
        assert personal not in text


def test_a_transaction_running_in_another_database_does_not_hold_the_feed_back(people, submitted):
    """Another database of the same PostgreSQL cluster (another application, or the test database
    of another test worker) never writes this feed: its long transactions must not delay it."""
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params["dbname"] = "postgres"
    with psycopg.connect(**params) as elsewhere:
        elsewhere.execute("SELECT pg_current_xact_id()")  # a transaction with an id, left open
        dossier_actions.change_status(None, submitted, Status.ACCEPTED)
        events, _cursor = read_all()
    assert [e.cloudevent["data"]["status"] for e in events] == [Status.NEW, Status.ACCEPTED]
