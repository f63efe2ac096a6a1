"""The webhooks' writes: subscriptions, their secrets, the resending of dead letters, and who
reads the event feed. Each checks permission ("events.manage": province administrators),
validates, and saves in one transaction with the audit entry and, for a subscription, the
``SubscriptionEvent``; the pages, the API, the admin and the demo loader call these. No secret is
ever written to the audit trail or an event."""

import datetime
from typing import Any

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.accounts.permissions import Actor, require
from tinhso.agencies.models import Agency
from tinhso.audit.services import record
from tinhso.core.text import nfc
from tinhso.events import webhooks
from tinhso.events.feed import EVENT_TYPES
from tinhso.events.models import (
    Delivery,
    FeedEntry,
    PrunedHorizon,
    SigningSecret,
    Subscription,
    SubscriptionEvent,
)
from tinhso.events.tasks import deliver_webhooks

# After a rotation the old secret keeps signing this long, beside the new one.
ROTATION_OVERLAP = datetime.timedelta(hours=24)
NAME_MAX_LENGTH = 120


def _event(kind: str, subscription: Subscription, data: dict[str, Any]) -> None:
    SubscriptionEvent.objects.create(
        kind=kind, subscription=subscription, data=data, occurred_at=timezone.now()
    )


def _snapshot(subscription: Subscription) -> dict[str, Any]:
    return {
        "name": subscription.name,
        "url": subscription.url,
        "event_types": list(subscription.event_types),
        "agency": subscription.agency.code if subscription.agency else None,
        "is_active": subscription.is_active,
    }


def _clean(name: str, url: str, event_types: list[str] | None) -> tuple[str, str, list[str]]:
    errors: dict[str, list[str]] = {}
    name = nfc(name or "").strip()
    if not name or len(name) > NAME_MAX_LENGTH:
        errors["name"] = [_("Enter a name of at most %(count)d characters.") % {"count": NAME_MAX_LENGTH}]
    url = (url or "").strip()
    if len(url) > 500:
        errors["url"] = [_("Enter a web address of at most 500 characters.")]
    else:
        try:
            webhooks.check_url(url)
        except webhooks.UnsafeURL as exc:
            errors["url"] = [str(exc)]
    types = sorted(set(event_types or []))
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        errors["event_types"] = [_("Unknown event type: %(types)s.") % {"types": ", ".join(unknown)}]
    if errors:
        raise ValidationError(errors)
    return name, url, types


def create_subscription(
    actor: Actor,
    *,
    name: str,
    url: str,
    event_types: list[str] | None = None,
    agency: Agency | None = None,
    request: HttpRequest | None = None,
) -> tuple[Subscription, str]:
    """A new subscription and its first secret (returned once, to show to the administrator).
    No ``event_types``: every type; no ``agency``: every agency. It receives the events that
    come after it."""
    require(actor, "events.manage")
    name, url, types = _clean(name, url, event_types)
    now = timezone.now()
    with transaction.atomic():
        subscription = Subscription.objects.create(
            name=name,
            url=url,
            event_types=types,
            agency=agency,
            created_at=now,
            created_by=actor if isinstance(actor, User) else None,
        )
        secret = SigningSecret.objects.create(
            subscription=subscription, secret=webhooks.new_secret(), created_at=now
        )
        after = _snapshot(subscription)
        record(actor, "events.subscription_create", subscription, after, request, new=True)
        _event("created", subscription, after)
    return subscription, secret.secret


def update_subscription(
    actor: Actor,
    subscription: Subscription,
    *,
    name: str,
    url: str,
    event_types: list[str] | None = None,
    agency: Agency | None = None,
    is_active: bool = True,
    request: HttpRequest | None = None,
) -> Subscription:
    """Change what a subscription receives, where, or stop it (``is_active`` False: nothing is
    sent, its deliveries wait; on again, they go)."""
    require(actor, "events.manage", subscription)
    name, url, types = _clean(name, url, event_types)
    with transaction.atomic():
        locked = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("agency")
            .get(pk=subscription.pk)
        )
        before = _snapshot(locked)
        locked.name, locked.url, locked.event_types = name, url, types
        locked.agency, locked.is_active = agency, is_active
        locked.save()
        after = _snapshot(locked)
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if changes:
            record(actor, "events.subscription_update", locked, changes, request)
            _event("updated", locked, changes)
    return locked


def rotate_secret(actor: Actor, subscription: Subscription, request: HttpRequest | None = None) -> str:
    """A new secret, returned once; the ones signing until now keep signing for
    ``ROTATION_OVERLAP`` so that the subscriber can switch without a refused delivery."""
    require(actor, "events.manage", subscription)
    now = timezone.now()
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
        SigningSecret.objects.filter(subscription=locked, expires_at__lte=now).delete()
        old = SigningSecret.objects.filter(subscription=locked, expires_at__isnull=True)
        until = now + ROTATION_OVERLAP
        retired = old.update(expires_at=until)
        secret = SigningSecret.objects.create(
            subscription=locked, secret=webhooks.new_secret(), created_at=now
        )
        data = {"old_secrets_until": until.isoformat(), "old_secrets": retired}
        record(actor, "events.secret_rotate", locked, data, request)
        _event("secret_rotated", locked, data)
    return secret.secret


def resend(actor: Actor, delivery: Delivery, request: HttpRequest | None = None) -> Delivery:
    """Put a dead letter back in the queue, its attempts counted afresh (the id stays the
    event's: a subscriber that had it drops it)."""
    require(actor, "events.manage", delivery.subscription)
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().select_related("subscription").get(pk=delivery.pk)
        if locked.state != Delivery.State.DEAD:
            raise ValidationError(_("Only a delivery that was given up can be sent again."), code="state")
        locked.state = Delivery.State.PENDING
        locked.attempts = 0
        locked.next_attempt_at = timezone.now()
        locked.resent += 1
        locked.save(update_fields=["state", "attempts", "next_attempt_at", "resent"])
        data = {"delivery": locked.pk, "event": locked.entry_id, "resent": locked.resent}
        record(actor, "events.delivery_resend", locked.subscription, data, request)
        _event("resent", locked.subscription, data)
        wake_on_commit()
    return locked


def wake_on_commit() -> None:
    """Ask the task worker to deliver once the caller's transaction commits (``manage.py
    deliver_webhooks`` every minute picks up the retries and any lost wake-up)."""
    transaction.on_commit(deliver_webhooks.enqueue, robust=True)


def _feed_permission() -> Permission:
    return Permission.objects.get(codename="read_feed", content_type__app_label="events")


def feed_readers() -> QuerySet[User]:
    """The accounts given the feed permission (province administrators read it anyway)."""
    return User.objects.filter(user_permissions=_feed_permission()).order_by("username")


def grant_feed(actor: Actor, username: str, request: HttpRequest | None = None) -> User:
    """Let an account (an integration system's) read the event feed with its API token."""
    require(actor, "events.manage")
    user = User.objects.filter(username=(username or "").strip(), is_active=True).first()
    if user is None:
        raise ValidationError({"username": [_("No active account has this user name.")]})
    with transaction.atomic():
        user.user_permissions.add(_feed_permission())
        record(actor, "events.feed_grant", user, {"permission": "events.read_feed"}, request)
    return user


def revoke_feed(actor: Actor, user: User, request: HttpRequest | None = None) -> None:
    """Take the feed permission back: the account's next request is refused."""
    require(actor, "events.manage")
    with transaction.atomic():
        user.user_permissions.remove(_feed_permission())
        record(actor, "events.feed_revoke", user, {"permission": "events.read_feed"}, request)


def forget_deliveries(before: datetime.datetime) -> int:
    """Delete the deliveries finished (delivered, or dead letters nobody resent) before
    ``before``, with their attempts: the retention schedule's (``tinhso.events.retention``). A
    pending delivery is never deleted. Records of the platform's own sending, not business
    records: no audit entry (like the tracking counters)."""
    finished = Delivery.objects.exclude(state=Delivery.State.PENDING).filter(created_at__lt=before)
    deleted, _per_model = finished.delete()
    return deleted


def forget_feed_entries(before: datetime.datetime) -> int:
    """Delete the feed entries written before ``before`` that no delivery still refers to; the
    events themselves stay in their outboxes (dossiers, documents, feedback)."""
    # NOT EXISTS, not NOT IN: with more deliveries than fit in ``work_mem`` PostgreSQL would
    # compare every entry with every delivery.
    old = FeedEntry.objects.filter(created_at__lt=before).filter(
        ~Exists(Delivery.objects.filter(entry_id=OuterRef("pk")))
    )
    with transaction.atomic():
        last = old.order_by("-txid", "-id").values_list("txid", "id").first()
        deleted, _per_model = old.delete()
        if last is not None:
            horizon, _created = PrunedHorizon.objects.select_for_update().get_or_create(pk=1)
            if last > (horizon.txid, horizon.entry_id):
                horizon.txid, horizon.entry_id = last
            horizon.pruned_at = timezone.now()
            horizon.save()
    return deleted
