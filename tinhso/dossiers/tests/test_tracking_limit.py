"""The tracking rate limit counts failures only: a citizen who knows the factor is never locked out."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tinhso.dossiers.models import TrackingFailure

pytestmark = pytest.mark.django_db


def test_right_answers_are_not_counted(client, submitted, settings):
    settings.TRACKING_MAX_ATTEMPTS = 3
    for _ in range(6):
        response = client.post(reverse("dossiers:track"), {"code": submitted.code, "factor": "0912 345 678"})
        assert response.status_code == 200
        assert submitted.code in response.content.decode()


def test_failures_lock_out_even_the_right_answer(client, submitted, settings):
    settings.TRACKING_MAX_ATTEMPTS = 3
    for _ in range(3):
        assert (
            client.post(reverse("dossiers:track"), {"code": submitted.code, "factor": "0000"}).status_code
            == 404
        )
    response = client.post(reverse("dossiers:track"), {"code": submitted.code, "factor": "0912 345 678"})
    assert response.status_code == 429


def test_a_window_that_ended_is_forgotten(client, submitted, settings):
    settings.TRACKING_MAX_ATTEMPTS = 3
    for _ in range(3):
        client.post(reverse("dossiers:track"), {"code": submitted.code, "factor": "0000"})
    TrackingFailure.objects.update(window_ends=timezone.now() - datetime.timedelta(seconds=1))
    response = client.post(reverse("dossiers:track"), {"code": submitted.code, "factor": "0912 345 678"})
    assert response.status_code == 200
    client.post(reverse("dossiers:track"), {"code": submitted.code, "factor": "0000"})
    assert sorted(TrackingFailure.objects.values_list("key", "failures")) == [
        (f"code:{submitted.code}", 1),
        ("ip:127.0.0.1", 1),
    ]


def test_failures_count_per_code_from_any_address(client, submitted, settings):
    settings.TRACKING_MAX_ATTEMPTS = 3
    for number in range(3):
        response = client.post(
            reverse("dossiers:track"),
            {"code": submitted.code.lower(), "factor": "0000"},
            REMOTE_ADDR=f"203.0.113.{number}",
        )
        assert response.status_code == 404
    right = client.post(
        reverse("dossiers:track"),
        {"code": submitted.code, "factor": "0912345678"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert right.status_code == 429
