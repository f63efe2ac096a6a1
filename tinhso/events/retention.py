"""The events' part of the retention schedule (``tinhso.core.retention``): webhook deliveries
once finished (delivered or dead), with their attempts, and the feed's entries are deleted after
their period. A delivery still pending is never deleted, nor a feed entry a kept delivery refers
to. The feed's entries point at the outboxes' events, which stay; a reader resuming from a cursor
older than the period gets the entries still kept. Periods are the platform's choices
(``RETENTION_DAYS``): the deliveries hold no personal data, the subscribers' answers only."""

from tinhso.core import retention
from tinhso.events.actions import forget_deliveries, forget_feed_entries
from tinhso.events.models import Delivery, FeedEntry

retention.register(
    retention.Kind(
        "webhook_deliveries",
        "webhook deliveries finished, with their attempts",
        "delete",
        due=lambda before, now: Delivery.objects.exclude(state=Delivery.State.PENDING).filter(
            created_at__lt=before
        ),
        apply=lambda records, before: forget_deliveries(before),
        position=10,
    )
)
retention.register(
    retention.Kind(
        "feed_entries",
        "event feed entries",
        "delete",
        due=lambda before, now: FeedEntry.objects.filter(created_at__lt=before).exclude(
            pk__in=Delivery.objects.values("entry_id")
        ),
        apply=lambda records, before: forget_feed_entries(before),
        position=11,
    )
)
