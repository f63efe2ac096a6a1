"""``/api/v1/events/``: the event feed (CloudEvents 1.0, cursor paging) and the webhook
subscriptions (``tinhso.events.actions``)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field as SchemaField

from tinhso.accounts.permissions import require
from tinhso.core.api import ApiError, ApiRequest
from tinhso.events import feed

router = Router(tags=["events"])


class FeedQuery(Schema):
    after: str = SchemaField("", description="The `next` cursor of the previous page; empty: from the start.")
    limit: int = SchemaField(100, ge=1, le=feed.MAX_LIMIT)


@router.get(
    "/",
    response={200: dict, 403: ApiError, 422: ApiError},
    summary="The event feed: the events after a cursor, in one order, as CloudEvents 1.0",
)
def events(request: ApiRequest, query: Query[FeedQuery]) -> dict[str, Any]:
    """Resume with `after` = the `next` of the previous page: no event is skipped nor repeated,
    even when transactions commit out of order. A page may hold fewer than `limit` events (or
    none) while `next` still moves on."""
    require(request.auth, "events.read")
    try:
        after = feed.Cursor.parse(query.after)
    except feed.BadCursor:
        raise ValidationError({"after": [_("This is not a cursor given by the event feed.")]}) from None
    found, next_cursor = feed.read(after, query.limit)
    return {
        "events": [dict(event.cloudevent, cursor=str(event.cursor)) for event in found],
        "next": str(next_cursor),
    }
