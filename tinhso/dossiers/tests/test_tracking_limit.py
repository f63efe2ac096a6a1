"""The tracking rate limit counts failures only: a citizen who knows the factor is never locked out."""

import pytest
from django.urls import reverse

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
