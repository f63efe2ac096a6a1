"""``/api/v1/events/``: the event feed (CloudEvents 1.0, cursor paging) and the webhook
subscriptions (``tinhso.events.actions``)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field as SchemaField

from tinhso.accounts.permissions import require
from tinhso.agencies.models import Agency
from tinhso.core.api import ApiError, ApiRequest
from tinhso.events import actions, feed
from tinhso.events.models import Delivery, Subscription

router = Router(tags=["events"])


class FeedQuery(Schema):
    after: str = SchemaField("", description="The `next` cursor of the previous page; empty: from the start.")
    limit: int = SchemaField(100, ge=1, le=feed.MAX_LIMIT)


@router.get(
    "/",
    response={200: dict, 403: ApiError, 410: ApiError, 422: ApiError},
    summary="The event feed: the events after a cursor, in one order, as CloudEvents 1.0",
)
def events(request: ApiRequest, query: Query[FeedQuery]) -> dict[str, Any] | Status[dict[str, Any]]:
    """Resume with `after` = the `next` of the previous page: no event is skipped nor repeated,
    even when transactions commit out of order. A page may hold fewer than `limit` events (or
    none) while `next` still moves on. 410 `cursor_expired`: events after the cursor were
    deleted under the retention period (`RETENTION_DAYS` of `feed_entries`); read again from
    the start and compare with what you hold."""
    require(request.auth, "events.read")
    try:
        after = feed.Cursor.parse(query.after)
    except feed.BadCursor:
        raise ValidationError({"after": [_("This is not a cursor given by the event feed.")]}) from None
    try:
        found, next_cursor = feed.read(after, query.limit)
    except feed.CursorExpired as expired:
        message = _(
            "Events after this cursor were deleted under the retention period (up to %(horizon)s): "
            "read the feed again from the start (an empty cursor) and compare with what you hold."
        ) % {"horizon": expired}
        return Status(410, {"error": {"code": "cursor_expired", "message": message}})
    return {
        "events": [dict(event.cloudevent, cursor=str(event.cursor)) for event in found],
        "next": str(next_cursor),
    }


class SubscriptionIn(Schema):
    name: str = SchemaField(max_length=120)
    url: str = SchemaField(max_length=500, description="A public https address.")
    event_types: list[str] = SchemaField([], description="Empty: every type.")
    agency: str | None = SchemaField(None, description="Agency code; empty: every agency.")
    is_active: bool = True


def _subscription_out(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.pk,
        "name": subscription.name,
        "url": subscription.url,
        "event_types": subscription.event_types,
        "agency": subscription.agency.code if subscription.agency else None,
        "is_active": subscription.is_active,
        "created_at": subscription.created_at,
    }


def _agency(code: str | None) -> Agency | None:
    if not code:
        return None
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise ValidationError({"agency": [_("No agency has this code.")]})
    return agency


def _managed(request: ApiRequest, pk: int) -> Subscription:
    require(request.auth, "events.manage")
    return get_object_or_404(Subscription.objects.select_related("agency"), pk=pk)


MANAGE = {200: dict, 403: ApiError, 404: ApiError, 422: ApiError}


@router.get("/subscriptions", response={200: list[dict], 403: ApiError}, summary="The webhook subscriptions")
def subscriptions(request: ApiRequest) -> list[dict[str, Any]]:
    require(request.auth, "events.manage")
    return [_subscription_out(s) for s in Subscription.objects.select_related("agency")]


@router.post(
    "/subscriptions",
    response={201: dict, 403: ApiError, 422: ApiError},
    summary="Subscribe a system; the answer carries its signing secret, shown this once",
)
def subscribe(request: ApiRequest, body: SubscriptionIn) -> Status:
    require(request.auth, "events.manage")
    subscription, secret = actions.create_subscription(
        request.auth,
        name=body.name,
        url=body.url,
        event_types=body.event_types,
        agency=_agency(body.agency),
        request=request,
    )
    return Status(201, dict(_subscription_out(subscription), secret=secret))


@router.get("/subscriptions/{pk}", response=MANAGE, summary="One subscription")
def subscription(request: ApiRequest, pk: int) -> dict[str, Any]:
    return _subscription_out(_managed(request, pk))


@router.put("/subscriptions/{pk}", response=MANAGE, summary="Change or stop a subscription")
def change(request: ApiRequest, pk: int, body: SubscriptionIn) -> dict[str, Any]:
    subscription = actions.update_subscription(
        request.auth,
        _managed(request, pk),
        name=body.name,
        url=body.url,
        event_types=body.event_types,
        agency=_agency(body.agency),
        is_active=body.is_active,
        request=request,
    )
    return _subscription_out(subscription)


@router.post(
    "/subscriptions/{pk}/rotate-secret",
    response=MANAGE,
    summary="A new signing secret; the old one signs too for 24 hours",
)
def rotate(request: ApiRequest, pk: int) -> dict[str, Any]:
    secret = actions.rotate_secret(request.auth, _managed(request, pk), request=request)
    return {"secret": secret}


class DeliveryQuery(Schema):
    state: Delivery.State | None = None
    limit: int = SchemaField(100, ge=1, le=500)
    offset: int = SchemaField(0, ge=0, le=2**31 - 1)


def _delivery_out(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "event_id": str(delivery.entry),
        "event_type": delivery.event_type,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "delivered_at": delivery.delivered_at,
        "last_status": delivery.last_status,
        "last_error": delivery.last_error,
        "resent": delivery.resent,
    }


@router.get(
    "/subscriptions/{pk}/deliveries",
    response=MANAGE,
    summary="The subscription's delivery history, newest first (state=dead: its dead letters)",
)
def deliveries(request: ApiRequest, pk: int, query: Query[DeliveryQuery]) -> dict[str, Any]:
    rows = _managed(request, pk).deliveries.select_related("entry").order_by("-pk")
    if query.state:
        rows = rows.filter(state=query.state)
    return {
        "count": rows.count(),
        "items": [_delivery_out(d) for d in rows[query.offset : query.offset + query.limit]],
    }


@router.post("/deliveries/{pk}/resend", response=MANAGE, summary="Send a dead letter again")
def resend(request: ApiRequest, pk: int) -> dict[str, Any]:
    require(request.auth, "events.manage")
    delivery = get_object_or_404(Delivery.objects.select_related("subscription"), pk=pk)
    return _delivery_out(actions.resend(request.auth, delivery, request=request))
