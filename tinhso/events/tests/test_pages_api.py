"""The webhook pages and API: the province administrator manages subscriptions, everyone else is
refused, bad input changes nothing."""

import pytest
from django.utils import timezone

from tinhso.audit.models import AuditEntry
from tinhso.events import actions
from tinhso.events.models import Delivery, FeedEntry, SigningSecret, Subscription
from tinhso.testing import signed_in

PUBLIC_URL = "https://93.184.216.34/hooks/tinhso"


@pytest.fixture
def subscription(people):
    created, _secret = actions.create_subscription(people["admin"], name="Cổng dịch vụ công", url=PUBLIC_URL)
    return created


def test_the_administrator_subscribes_a_system_and_sees_its_secret_once(client, people, desk):
    signed_in(client, people["admin"])
    assert client.get("/su-kien/webhook/").status_code == 200
    response = client.post(
        "/su-kien/webhook/moi/",
        {
            "name": "Hệ thống quản lý văn bản",
            "url": PUBLIC_URL,
            "event_types": ["vn.gov.tinhso.dossier.status_changed"],
            "agency": desk.pk,
        },
    )
    subscription = Subscription.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/su-kien/webhook/{subscription.pk}/"
    secret = SigningSecret.objects.get().secret
    page = client.get(response["Location"]).content.decode()
    assert secret in page and "Hệ thống quản lý văn bản" in page
    assert secret not in client.get(response["Location"]).content.decode()
    assert (subscription.agency, subscription.event_types) == (desk, ["vn.gov.tinhso.dossier.status_changed"])
    client.post(f"/su-kien/webhook/{subscription.pk}/doi-khoa/")
    assert SigningSecret.objects.count() == 2
    page = client.get(response["Location"]).content.decode()
    assert SigningSecret.objects.order_by("-pk").first().secret in page


def test_a_private_address_on_the_form_is_refused_and_nothing_saved(client, people):
    signed_in(client, people["admin"])
    response = client.post("/su-kien/webhook/moi/", {"name": "Nội bộ", "url": "https://10.0.0.5/hook"})
    assert response.status_code == 200
    assert "mạng riêng" in response.content.decode()
    assert Subscription.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_the_pages_are_not_found_by_other_roles(client, people, subscription):
    for name in ("officer", "agency_admin", "citizen", "system"):
        signed_in(client, people[name])
        for url in ("/su-kien/webhook/", "/su-kien/webhook/moi/", f"/su-kien/webhook/{subscription.pk}/"):
            assert client.get(url).status_code == 404, (name, url)
        assert client.post(f"/su-kien/webhook/{subscription.pk}/doi-khoa/").status_code == 404
        client.logout()
    assert client.get("/su-kien/webhook/").status_code == 302  # to the sign-in page
    assert SigningSecret.objects.count() == 1


def test_the_api_manages_subscriptions_for_the_administrator_only(client, bearer, people, desk):
    admin = bearer(people["admin"])
    body = {"name": "Hệ thống LGSP", "url": PUBLIC_URL, "agency": desk.code}
    created = client.post("/api/v1/events/subscriptions", body, content_type="application/json", **admin)
    assert created.status_code == 201
    data = created.json()
    assert data["secret"].startswith("whsec_") and data["agency"] == desk.code
    pk = data["id"]
    for name in ("officer", "agency_admin", "citizen", "system"):
        headers = bearer(people[name])
        assert client.get("/api/v1/events/subscriptions", **headers).status_code == 403
        assert (
            client.post(
                "/api/v1/events/subscriptions", body, content_type="application/json", **headers
            ).status_code
            == 403
        )
        assert client.post(f"/api/v1/events/subscriptions/{pk}/rotate-secret", **headers).status_code == 403
    changed = client.put(
        f"/api/v1/events/subscriptions/{pk}",
        dict(body, is_active=False),
        content_type="application/json",
        **admin,
    )
    assert changed.json()["is_active"] is False
    rotated = client.post(f"/api/v1/events/subscriptions/{pk}/rotate-secret", **admin).json()
    assert rotated["secret"] != data["secret"]
    assert client.get(f"/api/v1/events/subscriptions/{pk}/deliveries", **admin).json() == {
        "count": 0,
        "items": [],
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "url": "http://169.254.169.254/"}, "url"),
        ({"name": "X", "url": "javascript:alert(1)"}, "url"),
        ({"name": "X", "url": PUBLIC_URL, "agency": "KHONG-CO"}, "agency"),
        ({"name": "X", "url": PUBLIC_URL, "event_types": ["vn.gov.tinhso.dossier.deleted"]}, "event_types"),
    ],
)
def test_the_api_refuses_bad_input_and_saves_nothing(client, bearer, people, body, field):
    response = client.post(
        "/api/v1/events/subscriptions", body, content_type="application/json", **bearer(people["admin"])
    )
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert Subscription.objects.count() == 0


def test_only_a_dead_letter_is_resent_through_the_api(client, bearer, people, subscription, desk):
    entry = FeedEntry.objects.create(source="document", source_id=1)
    delivery = Delivery.objects.create(
        subscription=subscription,
        entry=entry,
        event_type="vn.gov.tinhso.document.drafted",
        next_attempt_at=timezone.now(),
        created_at=timezone.now(),
    )
    admin = bearer(people["admin"])
    assert client.post(f"/api/v1/events/deliveries/{delivery.pk}/resend", **admin).status_code == 422
    Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.DEAD, attempts=15)
    assert (
        client.post(
            f"/api/v1/events/deliveries/{delivery.pk}/resend", **bearer(people["officer"])
        ).status_code
        == 403
    )
    resent = client.post(f"/api/v1/events/deliveries/{delivery.pk}/resend", **admin).json()
    assert (resent["state"], resent["attempts"], resent["resent"]) == ("pending", 0, 1)
    listed = client.get(
        f"/api/v1/events/subscriptions/{subscription.pk}/deliveries", {"state": "pending"}, **admin
    ).json()
    assert listed["count"] == 1 and listed["items"][0]["event_id"] == "document-1"


def test_the_admin_shows_deliveries_and_resends_dead_letters_for_the_administrator_only(
    client, people, subscription
):
    entry = FeedEntry.objects.create(source="document", source_id=1)
    delivery = Delivery.objects.create(
        subscription=subscription,
        entry=entry,
        event_type="vn.gov.tinhso.document.drafted",
        state=Delivery.State.DEAD,
        attempts=15,
        next_attempt_at=timezone.now(),
        created_at=timezone.now(),
    )
    signed_in(client, people["officer"])
    assert client.get("/quan-tri/events/delivery/").status_code in (302, 403)
    people["admin"].is_staff = True  # the administration is for staff accounts
    people["admin"].save()
    signed_in(client, people["admin"])
    assert client.get("/quan-tri/events/subscription/").status_code == 200
    assert client.get("/quan-tri/events/delivery/").status_code == 200
    response = client.post(
        "/quan-tri/events/delivery/", {"action": "resend", "_selected_action": [delivery.pk]}, follow=True
    )
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert (delivery.state, delivery.resent) == (Delivery.State.PENDING, 1)
    assert AuditEntry.objects.filter(action="events.delivery_resend").count() == 1


def test_the_administrator_lets_a_system_read_the_feed_and_takes_it_back(client, bearer, people):
    officer = people["officer"]
    token = bearer(officer)
    assert client.get("/api/v1/events/", **token).status_code == 403
    signed_in(client, people["admin"])
    client.post("/su-kien/doc-luong/", {"username": officer.username})
    assert officer.username in client.get("/su-kien/doc-luong/").content.decode()
    assert client.get("/api/v1/events/", **token).status_code == 200
    client.post("/su-kien/doc-luong/", {"revoke": officer.pk})
    assert client.get("/api/v1/events/", **token).status_code == 403
    response = client.post("/su-kien/doc-luong/", {"username": "khong-co-ai"}, follow=True)
    assert "Không có tài khoản" in response.content.decode()
    feed_entries = AuditEntry.objects.filter(action__startswith="events.feed_").order_by("pk")
    assert [e.action for e in feed_entries] == [
        "events.feed_grant",
        "events.feed_revoke",
    ]
    for name in ("officer", "agency_admin", "system"):
        signed_in(client, people[name])
        assert client.post("/su-kien/doc-luong/", {"username": people[name].username}).status_code == 404
    assert not people["agency_admin"].user_permissions.exists()
