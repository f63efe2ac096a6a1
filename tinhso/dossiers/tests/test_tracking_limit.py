"""The tracking rate limit counts failures only, per (address, code) and per address: a citizen
who knows the factor is never locked out by someone guessing from another address."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tinhso.dossiers.models import TrackingFailure

pytestmark = pytest.mark.django_db


def test_right_answers_are_not_counted(client, submitted, settings):
    settings.TRACKING_MAX_ATTEMPTS = 3
    for _ in range(6):
        response = client.post(
            reverse("dossiers:track"), {"code": submitted.display_code, "factor": "0912 345 678"}
        )
        assert response.status_code == 200
        assert submitted.display_code in response.content.decode()


def test_failures_lock_out_even_the_right_answer(client, submitted, settings):
    settings.TRACKING_MAX_ATTEMPTS = 3
    for _ in range(3):
        assert (
            client.post(
                reverse("dossiers:track"), {"code": submitted.display_code, "factor": "0000"}
            ).status_code
            == 404
        )
    response = client.post(
        reverse("dossiers:track"), {"code": submitted.display_code, "factor": "0912 345 678"}
    )
    assert response.status_code == 429


def test_a_window_that_ended_is_forgotten(client, submitted, settings):
    settings.TRACKING_MAX_ATTEMPTS = 3
    for _ in range(3):
        client.post(reverse("dossiers:track"), {"code": submitted.display_code, "factor": "0000"})
    TrackingFailure.objects.update(window_ends=timezone.now() - datetime.timedelta(seconds=1))
    response = client.post(
        reverse("dossiers:track"), {"code": submitted.display_code, "factor": "0912 345 678"}
    )
    assert response.status_code == 200
    client.post(reverse("dossiers:track"), {"code": submitted.display_code, "factor": "0000"})
    assert sorted(TrackingFailure.objects.values_list("key", "failures")) == [
        ("ip:127.0.0.1", 1),
        (f"ipcode:127.0.0.1|{submitted.display_code}", 1),
    ]


def test_guesses_from_one_address_never_lock_out_the_owner_elsewhere(client, submitted, settings):
    settings.TRACKING_MAX_ATTEMPTS = 3
    for _ in range(10):
        client.post(
            reverse("dossiers:track"),
            {"code": submitted.display_code.lower(), "factor": "0000"},
            REMOTE_ADDR="203.0.113.9",
        )
    guesser = client.post(
        reverse("dossiers:track"),
        {"code": submitted.display_code, "factor": "0912345678"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert guesser.status_code == 429
    owner = client.post(
        reverse("dossiers:track"),
        {"code": submitted.display_code, "factor": "0912345678"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert owner.status_code == 200
    assert submitted.display_code in owner.content.decode()


def test_failures_count_per_address_over_all_codes(client, submitted, settings):
    settings.TRACKING_MAX_ATTEMPTS = 3
    settings.TRACKING_MAX_ATTEMPTS_PER_ADDRESS = 5
    for number in range(5):
        response = client.post(
            reverse("dossiers:track"), {"code": f"H22.99-250701-{number:04d}", "factor": "0000"}
        )
        assert response.status_code == 404
    right = client.post(reverse("dossiers:track"), {"code": submitted.display_code, "factor": "0912345678"})
    assert right.status_code == 429
    elsewhere = client.post(
        reverse("dossiers:track"),
        {"code": submitted.display_code, "factor": "0912345678"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert elsewhere.status_code == 200


def test_behind_a_trusted_proxy_each_citizen_has_their_own_bucket(client, submitted, settings):
    """Behind nginx every request comes from 127.0.0.1: the client is read from X-Forwarded-For,
    right to left, skipping the trusted hops; what the client itself wrote is not believed."""
    settings.TRACKING_MAX_ATTEMPTS = 3
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/24"]
    for _ in range(3):
        client.post(
            reverse("dossiers:track"),
            {"code": submitted.display_code, "factor": "0000"},
            HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9, 10.0.0.5",
        )
    assert sorted(TrackingFailure.objects.values_list("key", flat=True)) == [
        "ip:203.0.113.9",
        f"ipcode:203.0.113.9|{submitted.display_code}",
    ]
    guesser = client.post(
        reverse("dossiers:track"),
        {"code": submitted.display_code, "factor": "0912345678"},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert guesser.status_code == 429
    # A guesser cannot escape by writing another address to the left of their own.
    spoofed = client.post(
        reverse("dossiers:track"),
        {"code": submitted.display_code, "factor": "0912345678"},
        HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.9",
    )
    assert spoofed.status_code == 429
    owner = client.post(
        reverse("dossiers:track"),
        {"code": submitted.display_code, "factor": "0912345678"},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert owner.status_code == 200


def test_the_forwarded_header_of_an_untrusted_peer_is_ignored(client, submitted, settings):
    settings.TRACKING_MAX_ATTEMPTS = 3
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    client.post(
        reverse("dossiers:track"),
        {"code": submitted.display_code, "factor": "0000"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert "ip:203.0.113.9" in TrackingFailure.objects.values_list("key", flat=True)
