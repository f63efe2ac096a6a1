"""The events' retention (``tinhso.events.retention``, run by ``apply_retention``): finished
webhook deliveries and their attempts, and old feed entries, are deleted after their period; a
pending delivery, and the entry it refers to, are kept; the outbox's events stay."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from tinhso.dossiers.models import DossierEvent
from tinhso.events import actions
from tinhso.events.feed import Cursor
from tinhso.events.models import Attempt, Delivery, FeedEntry, PrunedHorizon

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def test_finished_deliveries_and_old_feed_entries_go_pending_ones_stay(settings, people, desk, submitted):
    settings.EVENTS_WEBHOOK_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "webhook_deliveries": 90, "feed_entries": 365}
    subscription, _secret = actions.create_subscription(
        people["admin"], name="Hệ thống nhận", url="http://127.0.0.1:9/su-kien", event_types=[], agency=desk
    )
    now = timezone.now()
    entries = [FeedEntry.objects.create(source="dossier", source_id=9000 + n) for n in range(4)]
    entries.append(FeedEntry.objects.get(source="dossier", source_id=DossierEvent.objects.first().pk))
    FeedEntry.objects.filter(pk__in=[e.pk for e in entries[:4]]).update(created_at=now - 400 * DAY)

    def delivery(entry, state, days):
        made = Delivery.objects.create(
            subscription=subscription,
            entry=entry,
            event_type="vn.gov.tinhso.dossier.status_changed",
            state=state,
            next_attempt_at=now,
            created_at=now - days * DAY,
        )
        Attempt.objects.create(delivery=made, at=made.created_at, status_code=500)
        return made

    old_delivered = delivery(entries[0], Delivery.State.DELIVERED, 91)
    old_dead = delivery(entries[1], Delivery.State.DEAD, 91)
    old_pending = delivery(entries[2], Delivery.State.PENDING, 200)  # still being retried: kept
    young_delivered = delivery(entries[4], Delivery.State.DELIVERED, 89)

    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "webhook deliveries finished, with their attempts (older than 90 days): 2 would be deleted." in (
        out.getvalue()
    )
    assert Delivery.objects.count() == 4

    call_command("apply_retention", stdout=io.StringIO())
    kept = set(Delivery.objects.values_list("pk", flat=True))
    assert kept == {old_pending.pk, young_delivered.pk}
    assert not Attempt.objects.filter(delivery_id__in=[old_delivered.pk, old_dead.pk]).exists()
    # old entries without a delivery left go; the pending delivery's entry and young ones stay
    left = set(FeedEntry.objects.filter(pk__in=[e.pk for e in entries]).values_list("pk", flat=True))
    assert left == {entries[2].pk, entries[4].pk}
    assert DossierEvent.objects.filter(dossier=submitted).exists()  # the outbox keeps the events


@pytest.mark.django_db(transaction=True)  # the feed shows only committed transactions
def test_a_reader_whose_cursor_is_older_than_the_deleted_entries_is_told_it_missed_events(
    settings, client, people, bearer, submitted
):
    """410 ``cursor_expired`` for a cursor before the last deleted entry; a cursor after it and
    the start of the feed still read; a dry run deletes nothing and moves no horizon."""
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "feed_entries": 365}
    reader = bearer(people["system"])
    everything = client.get("/api/v1/events/", {"limit": 500}, **reader).json()["events"]
    assert everything  # the submitted dossier's events
    old = [FeedEntry.objects.create(source="dossier", source_id=9100 + n) for n in range(3)]
    FeedEntry.objects.filter(pk__in=[entry.pk for entry in old]).update(created_at=timezone.now() - 400 * DAY)
    first_old = min((entry.txid, entry.id) for entry in old)
    last_old = max((entry.txid, entry.id) for entry in old)
    call_command("apply_retention", "--dry-run", stdout=io.StringIO())
    assert not PrunedHorizon.objects.exists()

    call_command("apply_retention", stdout=io.StringIO())
    horizon = PrunedHorizon.objects.get(pk=1)
    assert (horizon.txid, horizon.entry_id) == last_old and horizon.pruned_at is not None
    stale = str(Cursor(first_old[0], first_old[1] - 1))  # read up to just before the old entries
    expired = client.get("/api/v1/events/", {"after": stale}, **reader)
    assert expired.status_code == 410, expired.content
    assert expired.json()["error"]["code"] == "cursor_expired"
    assert "đọc lại" in expired.json()["error"]["message"]
    resumed = client.get("/api/v1/events/", {"after": str(Cursor(*last_old))}, **reader)
    assert resumed.status_code == 200
    from_start = client.get("/api/v1/events/", {"limit": 500}, **reader)
    assert from_start.status_code == 200
    assert [event["id"] for event in from_start.json()["events"]] == [event["id"] for event in everything]
