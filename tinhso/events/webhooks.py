"""Webhooks: the feed's events POSTed to subscribed systems, signed, retried, never lost.

Signing follows the Standard Webhooks specification (standard-webhooks/webhooks, spec/
standard-webhooks.md; checked against its published description, not against a test vector of
the project): headers ``webhook-id`` (the event's id, the same on every retry),
``webhook-timestamp`` (Unix seconds of this try) and ``webhook-signature``: space-separated
``v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``, one per active secret (two during a
rotation). The secret is "whsec_" + base64 of its 32 bytes. A subscriber verifies with
``verify`` below (shown in the README) and refuses a timestamp more than five minutes off, so a
captured request replayed later is refused, and drops an id it has already handled.

Delivery. ``dispatch`` follows the feed with its own cursor (``DispatchCursor``; it never touches
the outboxes' ``published_at``) and writes one ``Delivery`` per matching (subscription, event):
the pair is unique, so running it twice, or from two workers, adds nothing. ``deliver_one``
leases a due delivery (``FOR UPDATE SKIP LOCKED``, then ``lease_until``), POSTs outside any
transaction, and records the answer: 2xx delivers it for good; anything else retries after
``FIRST_DELAY`` × 2^(attempt−1), at most ``MAX_DELAY`` (no jitter: the schedule is
predictable), until ``MAX_ATTEMPTS`` (about a day and a half of an unreachable subscriber) make
it a dead letter that a province administrator can resend. A worker that dies between the POST
and the record sends it again once the lease ends: the subscriber drops it by its ``webhook-id``.

Outgoing requests are SSRF-safe: https only, no credentials in the URL, every address the host
resolves to must be a public one (``ipaddress.is_global``), unless it falls in a network the
installation lists in ``EVENTS_WEBHOOK_PRIVATE_NETWORKS`` (plain http allowed there too: the
demo's local receiver, a system inside the province's network). The host is resolved at each
try and the connection made to the checked address (no second lookup to rebind), redirects are
not followed, each socket operation times out after ``EVENTS_WEBHOOK_TIMEOUT`` seconds and at
most ``MAX_RESPONSE_BYTES`` of the answer are read.
"""

import base64
import datetime
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import os
import socket
import ssl
import time
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tinhso.events import feed
from tinhso.events.models import Attempt, Delivery, DispatchCursor, FeedEntry, SigningSecret, Subscription

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
TOLERANCE = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 15
FIRST_DELAY = datetime.timedelta(seconds=30)
MAX_DELAY = datetime.timedelta(hours=6)
LEASE = datetime.timedelta(minutes=2)
MAX_RESPONSE_BYTES = 64 * 1024
BATCH = 200
USER_AGENT = "tinhso-webhooks/1"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURL(ValueError):
    """The address may not receive webhooks; the message says why (for people)."""


class WebhookVerificationError(ValueError):
    """A received webhook is not authentic or not fresh."""


# -- signing -------------------------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(os.urandom(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One ``webhook-signature`` entry: "v1,<base64>"."""
    content = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), content, hashlib.sha256).digest()).decode()


def verify(secrets: Iterable[str], headers: Mapping[str, str], body: bytes, now: float | None = None) -> str:
    """The subscriber's check: the ``webhook-id`` of an authentic, fresh request (its timestamp
    within five minutes of ``now``), else ``WebhookVerificationError``. ``headers`` with
    lower-case names; ``body`` the raw bytes received. The caller then drops an id it has seen."""
    try:
        message_id = headers["webhook-id"]
        timestamp = int(headers["webhook-timestamp"])
        signatures = headers["webhook-signature"].split()
    except (KeyError, ValueError):
        raise WebhookVerificationError("missing or malformed webhook headers") from None
    now = time.time() if now is None else now
    if abs(now - timestamp) > TOLERANCE.total_seconds():
        raise WebhookVerificationError("timestamp too old or too new: a replay?")
    for secret in secrets:
        expected = sign(secret, message_id, timestamp, body)
        if any(hmac.compare_digest(expected, given) for given in signatures):
            return message_id
    raise WebhookVerificationError("no valid signature")


def active_secrets(subscription: Subscription, now: datetime.datetime) -> list[str]:
    """The secrets that sign now, newest first (two during a rotation)."""
    return list(
        SigningSecret.objects.filter(subscription=subscription)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .values_list("secret", flat=True)
    )


# -- where webhooks may go -----------------------------------------------------------------


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(network, strict=False)
        for network in getattr(settings, "EVENTS_WEBHOOK_PRIVATE_NETWORKS", [])
    ]


def _in(address: Address, networks: list) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def check_url(url: str) -> tuple[str, int, list[Address]]:
    """(host, port, the checked addresses) of a URL that may receive webhooks; ``UnsafeURL``
    otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeURL(_("Enter a valid web address.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL(_("Enter a web address starting with https://."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL(_("The address may not contain a user name or password."))
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeURL(_("The address's host name cannot be resolved.")) from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found))
    networks = _allowed_networks()
    for address in addresses:
        if not (address.is_global or _in(address, networks)):
            raise UnsafeURL(
                _("The address leads to a private or reserved network: webhooks go to public addresses.")
            )
    if parts.scheme == "http" and not all(_in(address, networks) for address in addresses):
        raise UnsafeURL(_("Enter a web address starting with https://."))
    return host, port, addresses


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address, with the host's name for SNI and certificate checks."""

    def __init__(self, host: str, address: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST ``body``; (status code, a note on the answer). Raises ``UnsafeURL`` or ``OSError``
    (``http.client.HTTPException`` included) when no answer came."""
    host, port, addresses = check_url(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout = float(getattr(settings, "EVENTS_WEBHOOK_TIMEOUT", 5))
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    conn = kind(host, str(addresses[0]), port, timeout)
    try:
        conn.request("POST", path, body=body, headers={**headers, "User-Agent": USER_AGENT})
        response = conn.getresponse()
        read = response.read(MAX_RESPONSE_BYTES + 1)
        note = (
            ""
            if len(read) <= MAX_RESPONSE_BYTES
            else f"answer over {MAX_RESPONSE_BYTES} bytes: not read further"
        )
        return response.status, note
    finally:
        conn.close()


# -- dispatch and delivery -----------------------------------------------------------------


def _matches(subscription: Subscription, event: feed.Event) -> bool:
    if subscription.event_types and event.type not in subscription.event_types:
        return False
    return subscription.agency is None or subscription.agency.code == event.agency


def dispatch(batch: int = BATCH, now: datetime.datetime | None = None) -> int:
    """Turn the feed's new events into deliveries for the subscriptions (a stopped one's wait
    until it is on again); returns how many were added. One dispatcher at a time (the cursor
    row is locked). ``now``: when they come due (the tests move time on)."""
    added = 0
    DispatchCursor.objects.get_or_create(pk=1)
    while True:
        with transaction.atomic():
            row = DispatchCursor.objects.select_for_update().get(pk=1)
            after = feed.Cursor(row.txid, row.entry_id)
            subscriptions = list(Subscription.objects.select_related("agency"))
            if subscriptions:
                events, next_cursor = feed.read(after, batch)
            else:  # nobody to send to: move past the entries without rendering them
                passed = feed.entries(after, batch)
                events, next_cursor = [], passed[-1][1] if passed else after
            if next_cursor == after:
                return added
            due = now or timezone.now()
            rows = [
                Delivery(
                    subscription=subscription,
                    entry_id=event.entry_id,
                    event_type=event.type,
                    next_attempt_at=due,
                    created_at=due,
                )
                for event in events
                for subscription in subscriptions
                if _matches(subscription, event)
            ]
            added += len(Delivery.objects.bulk_create(rows, ignore_conflicts=True))
            row.txid, row.entry_id = next_cursor.txid, next_cursor.entry_id
            row.save(update_fields=["txid", "entry_id"])


def delay(attempts: int) -> datetime.timedelta:
    """The wait after the ``attempts``-th failed try."""
    return min(FIRST_DELAY * 2 ** (attempts - 1), MAX_DELAY)


def _lease(now: datetime.datetime) -> Delivery | None:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=Delivery.State.PENDING, next_attempt_at__lte=now, subscription__is_active=True)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
            .select_related("subscription", "entry")
            .order_by("next_attempt_at", "pk")
            .first()
        )
        if delivery is not None:
            delivery.lease_until = now + LEASE
            delivery.save(update_fields=["lease_until"])
        return delivery


def body_of(entry: FeedEntry) -> tuple[str, bytes] | None:
    """(event id, JSON body) of the entry's CloudEvent; None if its source row is gone."""
    events = feed.render([(entry.pk, feed.Cursor(entry.txid, entry.pk), entry.source, entry.source_id)])
    if not events:
        return None
    cloudevent = events[0].cloudevent
    return str(cloudevent["id"]), json.dumps(cloudevent, ensure_ascii=False, separators=(",", ":")).encode()


def deliver_one(now: datetime.datetime | None = None) -> bool:
    """Try the next due delivery; False when none is due."""
    now = now or timezone.now()
    delivery = _lease(now)
    if delivery is None:
        return False
    status: int | None = None
    error = ""
    started = time.monotonic()
    rendered = body_of(delivery.entry)
    if rendered is None:
        error = "the event no longer exists"
    else:
        message_id, body = rendered
        timestamp = int(now.timestamp())
        secrets = active_secrets(delivery.subscription, now)
        headers = {
            "Content-Type": "application/cloudevents+json; charset=utf-8",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": " ".join(sign(secret, message_id, timestamp, body) for secret in secrets),
        }
        try:
            with translation.override(settings.LANGUAGE_CODE):  # the error is shown on the pages
                status, error = post(delivery.subscription.url, body, headers)
        except UnsafeURL as exc:
            error = str(exc)
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}".strip(": ")
        except Exception as exc:  # any failure is this delivery's: it must not block the others
            logger.exception("Webhook delivery %s failed", delivery.pk)
            error = type(exc).__name__
    _record(delivery.pk, now, status, error[:500], int((time.monotonic() - started) * 1000), rendered is None)
    return True


def _record(
    delivery_id: int, now: datetime.datetime, status: int | None, error: str, ms: int, gone: bool
) -> None:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        Attempt.objects.create(delivery=delivery, at=now, status_code=status, error=error, duration_ms=ms)
        delivery.attempts += 1
        delivery.lease_until = None
        delivery.last_status = status
        delivered = status is not None and 200 <= status < 300
        delivery.last_error = "" if delivered else (error or f"HTTP {status}")
        if delivered:
            delivery.state = Delivery.State.DELIVERED
            delivery.delivered_at = now
        elif gone or delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = Delivery.State.DEAD
        else:
            delivery.next_attempt_at = now + delay(delivery.attempts)
        delivery.save()


def deliver_due(limit: int = BATCH, now: datetime.datetime | None = None) -> int:
    """Dispatch the new events, then try up to ``limit`` due deliveries; returns how many were tried."""
    dispatch(now=now)
    done = 0
    while done < limit and deliver_one(now):
        done += 1
    return done
