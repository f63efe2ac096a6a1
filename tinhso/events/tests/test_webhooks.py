"""Webhooks against a real HTTP subscriber: exactly once despite an outage, replays detectable,
dead letters and resend, secret rotation, the refusals (permissions, unsafe addresses, a huge or
hanging answer). Time is moved on by passing ``now``: the back-off is deterministic."""

import datetime
import ipaddress
import itertools
import json
import ssl

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tinhso.audit.models import AuditEntry
from tinhso.dossiers import actions as dossier_actions
from tinhso.dossiers.status import Status
from tinhso.events import actions, webhooks
from tinhso.events.models import Attempt, Delivery, SigningSecret, Subscription, SubscriptionEvent
from tinhso.events.tests.subscriber import Subscriber

pytestmark = pytest.mark.django_db(transaction=True)
STATUS_CHANGED = "vn.gov.tinhso.dossier.status_changed"


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.EVENTS_WEBHOOK_PRIVATE_NETWORKS = ["127.0.0.1/32"]
    settings.EVENTS_WEBHOOK_TIMEOUT = 2


@pytest.fixture
def subscriber():
    with Subscriber() as running:
        yield running


@pytest.fixture
def subscription(people, desk, subscriber):
    created, secret = actions.create_subscription(
        people["admin"],
        name="Hệ thống một cửa quốc gia",
        url=subscriber.url,
        event_types=[STATUS_CHANGED],
        agency=desk,
    )
    created.plain_secret = secret
    return created


def run(until: datetime.datetime, start: datetime.datetime, step=datetime.timedelta(minutes=1)) -> None:
    """The worker's runs from ``start`` to ``until``, one every ``step``."""
    now = start
    while now <= until:
        webhooks.deliver_due(now=now)
        now += step


def test_a_status_change_reaches_the_subscriber_exactly_once_despite_an_outage(
    people, subscription, subscriber, submitted
):
    dossier_actions.change_status(None, submitted, Status.ACCEPTED)
    subscriber.statuses = [500] * 6  # three failed tries for each of the two events
    start = timezone.now()
    webhooks.deliver_due(now=start)
    first = Delivery.objects.order_by("pk").first()
    assert (first.attempts, first.next_attempt_at) == (1, start + datetime.timedelta(seconds=30))
    assert first.last_error == "HTTP 500"
    run(start + datetime.timedelta(hours=1), start, step=datetime.timedelta(seconds=15))
    assert webhooks.dispatch() == 0  # a second dispatch adds nothing
    run(start + datetime.timedelta(hours=3), start + datetime.timedelta(hours=1))

    answered = [
        webhooks.verify([subscription.plain_secret], h, b, now=int(h["webhook-timestamp"]))
        for h, b in subscriber.requests
    ]
    assert len(subscriber.requests) == 8
    acknowledged = answered[6:]
    events = [json.loads(body) for _, body in subscriber.requests[6:]]
    assert sorted(acknowledged) == sorted(e["id"] for e in events)
    assert sorted(e["data"]["status"] for e in events) == [Status.NEW, Status.ACCEPTED]
    assert {e["type"] for e in events} == {STATUS_CHANGED}
    assert subscriber.requests[0][0]["content-type"].startswith("application/cloudevents+json")
    assert [d.state for d in Delivery.objects.all()] == [Delivery.State.DELIVERED] * 2
    assert sorted(Delivery.objects.values_list("attempts", flat=True)) == [4, 4]
    # retries waited 30 s then 60 s then 120 s
    tries = list(Attempt.objects.filter(delivery=first).order_by("at").values_list("at", flat=True))
    assert [b - a for a, b in itertools.pairwise(tries)][:2] == [
        datetime.timedelta(seconds=30),
        datetime.timedelta(seconds=60),
    ]


def test_events_outside_the_subscriptions_types_or_agency_are_not_sent(
    people, province, subscriber, submitted
):
    actions.create_subscription(
        people["admin"], name="Cao Lãnh", url=subscriber.url, agency=province["agencies"]["cao_lanh"]
    )
    actions.create_subscription(
        people["admin"], name="Phản ánh", url=subscriber.url, event_types=["vn.gov.tinhso.feedback.received"]
    )
    webhooks.deliver_due()
    assert Delivery.objects.count() == 0
    assert subscriber.requests == []


def test_a_replayed_or_tampered_webhook_is_detected(subscription, subscriber, submitted):
    webhooks.deliver_due()
    ((headers, body),) = subscriber.requests
    sent_at = int(headers["webhook-timestamp"])
    secret = subscription.plain_secret
    assert webhooks.verify([secret], headers, body, now=sent_at + 60) == headers["webhook-id"]
    with pytest.raises(webhooks.WebhookVerificationError, match="replay"):
        webhooks.verify([secret], headers, body, now=sent_at + 301)
    with pytest.raises(webhooks.WebhookVerificationError, match="signature"):
        webhooks.verify([secret], headers, body.replace(b'"status":1', b'"status":9'), now=sent_at)
    with pytest.raises(webhooks.WebhookVerificationError, match="signature"):
        webhooks.verify([webhooks.new_secret()], headers, body, now=sent_at)
    forged = dict(headers, **{"webhook-timestamp": str(sent_at + 600)})
    with pytest.raises(webhooks.WebhookVerificationError, match="signature"):
        webhooks.verify([secret], forged, body, now=sent_at + 600)
    with pytest.raises(webhooks.WebhookVerificationError, match="missing"):
        webhooks.verify([secret], {"webhook-id": headers["webhook-id"]}, body)


def test_a_dead_letter_is_kept_and_resent_by_the_province_administrator(
    people, subscription, subscriber, submitted
):
    subscriber.default = 500
    start = timezone.now()
    run(start + datetime.timedelta(days=3), start, step=datetime.timedelta(hours=1))
    (delivery,) = Delivery.objects.all()
    assert delivery.state == Delivery.State.DEAD
    assert delivery.attempts == webhooks.MAX_ATTEMPTS == len(subscriber.requests)
    assert delivery.tries.count() == webhooks.MAX_ATTEMPTS
    run(
        start + datetime.timedelta(days=4),
        start + datetime.timedelta(days=3),
        step=datetime.timedelta(hours=6),
    )
    assert len(subscriber.requests) == webhooks.MAX_ATTEMPTS  # nothing more is tried

    for name in ("officer", "agency_admin", "citizen", "system"):
        with pytest.raises(PermissionDenied):
            actions.resend(people[name], delivery)
    subscriber.default = 200
    actions.resend(people["admin"], delivery)  # the immediate task backend delivers at commit
    delivery.refresh_from_db()
    assert (delivery.state, delivery.resent) == (Delivery.State.DELIVERED, 1)
    assert len(subscriber.requests) == webhooks.MAX_ATTEMPTS + 1
    assert AuditEntry.objects.filter(action="events.delivery_resend").count() == 1
    assert SubscriptionEvent.objects.filter(kind="resent").count() == 1
    with pytest.raises(ValidationError):
        actions.resend(people["admin"], delivery)  # only a dead letter is resent


def test_a_subscriber_answering_500_for_a_day_gets_the_event_once_after_it_recovers(
    people, subscription, subscriber, submitted
):
    """Issue 21's bad input: a subscriber that answers 500 for a day loses nothing; the delivery
    is retried with back-off and arrives once when it answers again, without a resend."""
    subscriber.default = 500
    start = timezone.now()
    run(start + datetime.timedelta(days=1), start, step=datetime.timedelta(minutes=10))
    (delivery,) = Delivery.objects.all()
    assert delivery.state == Delivery.State.PENDING and 1 < delivery.attempts < webhooks.MAX_ATTEMPTS
    failed = len(subscriber.requests)
    assert delivery.tries.count() == failed  # every failed try is in the delivery's history
    subscriber.default = 200
    run(
        start + datetime.timedelta(days=2),
        start + datetime.timedelta(days=1),
        step=datetime.timedelta(minutes=10),
    )
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.DELIVERED and delivery.resent == 0
    assert len(subscriber.requests) == failed + 1  # received once
    headers, body = subscriber.requests[-1]
    assert webhooks.verify([subscription.plain_secret], headers, body, now=int(headers["webhook-timestamp"]))


def test_during_a_rotation_both_secrets_sign_then_only_the_new_one(
    people, subscription, subscriber, submitted
):
    old = subscription.plain_secret
    new = actions.rotate_secret(people["admin"], subscription)
    assert new != old and new.startswith("whsec_")
    webhooks.deliver_due()
    headers, body = subscriber.requests[-1]
    assert len(headers["webhook-signature"].split()) == 2
    for secret in (old, new):
        webhooks.verify([secret], headers, body)
    dossier_actions.change_status(None, submitted, Status.ACCEPTED)
    later = timezone.now() + actions.ROTATION_OVERLAP + datetime.timedelta(minutes=1)
    webhooks.deliver_due(now=later)
    headers, body = subscriber.requests[-1]
    assert len(headers["webhook-signature"].split()) == 1
    webhooks.verify([new], headers, body, now=later.timestamp())
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify([old], headers, body, now=later.timestamp())
    assert AuditEntry.objects.filter(action="events.secret_rotate").count() == 1
    assert not AuditEntry.objects.filter(data__icontains="whsec_").exists()
    for name in ("officer", "agency_admin", "system"):
        with pytest.raises(PermissionDenied):
            actions.rotate_secret(people[name], subscription)
    assert SigningSecret.objects.count() == 2


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "ftp://93.184.216.34/hook",
        "https://10.1.2.3/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://localhost:8443/hook",
        "http://93.184.216.34/hook",
        "https://user:secret@93.184.216.34/hook",
        "https://no-such-host.invalid/hook",
        "https://" + "a" * 500 + ".vn/",
    ],
)
def test_an_unsafe_or_invalid_address_is_refused_and_nothing_is_saved(people, settings, url):
    settings.EVENTS_WEBHOOK_PRIVATE_NETWORKS = []
    with pytest.raises(ValidationError) as refused:
        actions.create_subscription(people["admin"], name="Hệ thống", url=url)
    assert "url" in refused.value.message_dict
    assert Subscription.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_a_public_https_address_is_accepted(people):
    subscription, secret = actions.create_subscription(
        people["admin"], name="Cổng", url="https://93.184.216.34/hook"
    )
    assert subscription.pk and secret.startswith("whsec_")


def test_unknown_event_types_and_empty_names_are_refused(people, subscriber):
    with pytest.raises(ValidationError) as refused:
        actions.create_subscription(
            people["admin"], name=" ", url=subscriber.url, event_types=["vn.gov.tinhso.x"]
        )
    assert set(refused.value.message_dict) == {"name", "event_types"}


def test_only_the_province_administrator_manages_subscriptions(people, subscriber, subscription):
    for name in ("officer", "agency_admin", "citizen", "system"):
        with pytest.raises(PermissionDenied):
            actions.create_subscription(people[name], name="X", url=subscriber.url)
        with pytest.raises(PermissionDenied):
            actions.update_subscription(people[name], subscription, name="X", url=subscriber.url)
    assert Subscription.objects.count() == 1


def test_an_address_that_turns_private_is_not_called(settings, subscription, subscriber, submitted):
    settings.EVENTS_WEBHOOK_PRIVATE_NETWORKS = []
    webhooks.deliver_due()
    (delivery,) = Delivery.objects.all()
    assert subscriber.requests == []
    assert "mạng riêng" in delivery.last_error and delivery.state == Delivery.State.PENDING


def test_a_huge_answer_is_not_read_and_a_hanging_one_times_out(settings, subscription, subscriber, submitted):
    subscriber.huge = True
    started = timezone.now()
    webhooks.deliver_due()
    (delivery,) = Delivery.objects.all()
    assert delivery.state == Delivery.State.DELIVERED
    assert "not read further" in delivery.tries.get().error
    assert timezone.now() - started < datetime.timedelta(seconds=10)

    subscriber.huge = False
    subscriber.hang = 2
    settings.EVENTS_WEBHOOK_TIMEOUT = 0.3
    dossier_actions.change_status(None, submitted, Status.ACCEPTED)
    webhooks.deliver_due()
    second = Delivery.objects.exclude(pk=delivery.pk).get()
    assert second.state == Delivery.State.PENDING and "timed out" in second.last_error


def test_a_stopped_subscription_receives_nothing_until_it_is_on_again(
    people, subscription, subscriber, submitted
):
    actions.update_subscription(
        people["admin"],
        subscription,
        name=subscription.name,
        url=subscription.url,
        event_types=[STATUS_CHANGED],
        is_active=False,
    )
    webhooks.deliver_due()
    assert subscriber.requests == []
    actions.update_subscription(
        people["admin"],
        subscription,
        name=subscription.name,
        url=subscription.url,
        event_types=[STATUS_CHANGED],
    )
    webhooks.deliver_due()
    assert len(subscriber.requests) == 1
    assert AuditEntry.objects.filter(action="events.subscription_update").count() == 2


def _certificate(directory):
    """A self-signed certificate for 127.0.0.1: (certificate file, key file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def test_over_https_the_certificate_is_checked(people, desk, tmp_path, monkeypatch, submitted):
    cert_file, key_file = _certificate(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    with Subscriber(tls) as secure:
        assert secure.url.startswith("https://")
        actions.create_subscription(people["admin"], name="Hệ thống có TLS", url=secure.url)
        webhooks.deliver_due()
        (delivery,) = Delivery.objects.all()
        assert delivery.state == Delivery.State.PENDING and "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
        assert secure.requests == []
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # the subscriber's certificate is trusted
        webhooks.deliver_due(now=timezone.now() + datetime.timedelta(minutes=1))
        delivery.refresh_from_db()
        assert delivery.state == Delivery.State.DELIVERED
        assert len(secure.requests) == 1


def test_workers_running_at_once_send_each_event_once(people, desk, subscriber):
    import threading

    from django.db import connection

    from tinhso.documents.models import DocumentEvent

    actions.create_subscription(people["admin"], name="Mọi sự kiện", url=subscriber.url)
    for _ in range(12):
        DocumentEvent.objects.create(kind=DocumentEvent.Kind.DRAFTED, agency=desk, occurred_at=timezone.now())
    errors = []

    def worker():
        try:
            for _ in range(3):
                webhooks.deliver_due()
        except Exception as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    ids = [headers["webhook-id"] for headers, _ in subscriber.requests]
    assert len(ids) == len(set(ids)) == 12
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.DELIVERED}
