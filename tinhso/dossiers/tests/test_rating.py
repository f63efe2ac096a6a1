"""Satisfaction ratings: only the applicant, only once, only after the result; page and API."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.audit.models import AuditEntry
from tinhso.dossiers import actions
from tinhso.dossiers.models import DossierRating, PersonalDocument
from tinhso.dossiers.status import Status
from tinhso.dossiers.tests.test_api import token_for

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert('xss')</script> Cán bộ phường Mỹ Tho hướng dẫn tận tình."


def move(dossier, *statuses):
    """Walk a submitted dossier through ``statuses`` as the back office would."""
    with transaction.atomic():
        locked = actions.lock_dossier(dossier)
        for status in statuses:
            actions.apply_status_change(locked, status)
    return locked


@pytest.fixture
def returned(submitted):
    """A dossier whose result was handed over (status 10)."""
    return move(submitted, Status.ACCEPTED, Status.PROCESSING, Status.FINISHED, Status.RETURNED)


def test_the_applicant_rates_once_on_the_detail_page(client, citizen, returned):
    client.force_login(citizen)
    url = reverse("dossiers:detail", args=[returned.display_code])
    page = client.get(url).content.decode()
    assert "Đánh giá mức độ hài lòng" in page and "5 sao — rất hài lòng" in page
    response = client.post(
        reverse("dossiers:rate", args=[returned.display_code]), {"stars": "5", "comment": SCRIPT}
    )
    assert response.status_code == 302 and response.url == url
    rating = DossierRating.objects.get(dossier=returned)
    assert (rating.stars, rating.comment) == (5, SCRIPT)
    entry = AuditEntry.objects.get(action="dossiers.rate", object_id=str(returned.pk))
    assert entry.data == {"stars": 5, "comment": SCRIPT}
    page = client.get(url).content.decode()
    assert "Cảm ơn bạn đã đánh giá" in page and "5/5 sao" in page
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "Gửi đánh giá" not in page

    again = client.post(reverse("dossiers:rate", args=[returned.display_code]), {"stars": "1"}, follow=True)
    assert "Bạn đã đánh giá hồ sơ này rồi." in again.content.decode()
    assert DossierRating.objects.get(dossier=returned).stars == 5
    with pytest.raises(ValidationError, match="đã đánh giá"):
        actions.rate_dossier(citizen, returned, 4)


@pytest.mark.parametrize("stars", ["0", "6", "", "năm"])
def test_stars_outside_one_to_five_are_refused_in_vietnamese(client, citizen, returned, stars):
    client.force_login(citizen)
    response = client.post(reverse("dossiers:rate", args=[returned.display_code]), {"stars": stars})
    assert response.status_code == 400
    assert "Hãy chọn từ 1 đến 5 sao." in response.content.decode()
    assert not DossierRating.objects.exists()


@pytest.mark.parametrize("stars", [0, 6, -1, True, "5", None])
def test_the_action_checks_the_stars(citizen, returned, stars):
    with pytest.raises(ValidationError) as error:
        actions.rate_dossier(citizen, returned, stars)
    assert error.value.message_dict == {"stars": ["Hãy chọn từ 1 đến 5 sao."]}
    assert not DossierRating.objects.exists()


def test_a_comment_over_1000_characters_is_refused(client, citizen, returned):
    with pytest.raises(ValidationError) as error:
        actions.rate_dossier(citizen, returned, 4, "ý" * 1001)
    assert error.value.message_dict == {"comment": ["Viết tối đa 1000 ký tự."]}
    client.force_login(citizen)
    response = client.post(
        reverse("dossiers:rate", args=[returned.display_code]), {"stars": "4", "comment": "a" * 1001}
    )
    assert response.status_code == 400 and "tối đa 1000 ký tự" in response.content.decode()
    assert not DossierRating.objects.exists()
    assert actions.rate_dossier(citizen, returned, 4, "ý" * 1000).comment == "ý" * 1000


def test_someone_else_cannot_rate(client, other_citizen, returned):
    with pytest.raises(PermissionDenied):
        actions.rate_dossier(other_citizen, returned, 1)
    client.force_login(other_citizen)
    assert (
        client.post(reverse("dossiers:rate", args=[returned.display_code]), {"stars": "1"}).status_code == 404
    )
    assert not DossierRating.objects.exists()


def test_not_before_the_result(client, citizen, submitted):
    with pytest.raises(ValidationError, match="sau khi đã nhận kết quả"):
        actions.rate_dossier(citizen, submitted, 5)
    client.force_login(citizen)
    assert (
        "Gửi đánh giá"
        not in client.get(reverse("dossiers:detail", args=[submitted.display_code])).content.decode()
    )
    response = client.post(
        reverse("dossiers:rate", args=[submitted.display_code]), {"stars": "5"}, follow=True
    )
    assert "Bạn chỉ có thể đánh giá hồ sơ sau khi đã nhận kết quả." in response.content.decode()
    assert not DossierRating.objects.exists()


def test_status_9_only_once_the_electronic_result_is_in_the_store(citizen, submitted):
    finished = move(submitted, Status.ACCEPTED, Status.PROCESSING, Status.FINISHED)
    with pytest.raises(ValidationError):
        actions.rate_dossier(citizen, finished, 4)
    PersonalDocument.objects.create(
        owner=citizen,
        title="Giấy khai sinh bản điện tử",
        source=PersonalDocument.Source.RESULT,
        dossier=finished,
        file="ket-qua/giay-khai-sinh.pdf",
        content_type="application/pdf",
        size=1024,
        sha256="a" * 64,
    )
    assert actions.rate_dossier(citizen, finished, 4).stars == 4


def test_rating_through_the_api(client, citizen, other_citizen, desk, returned):
    url = f"/api/v1/dossiers/{returned.display_code}/rating"

    def post(data, headers):
        return client.post(url, json.dumps(data), content_type="application/json", **headers)

    stranger = post({"stars": 5}, token_for(other_citizen, "la-" + "y" * 30))
    assert stranger.status_code == 404
    officer = factories.make_officer(desk, "motcua.mytho", Role.ONE_STOP_OFFICER)
    forbidden = post({"stars": 5}, token_for(officer, "cb-" + "z" * 30))
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "forbidden"

    auth = token_for(citizen)
    bad = post({"stars": 6, "comment": "x" * 1001}, auth)
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"] == {
        "stars": ["Hãy chọn từ 1 đến 5 sao."],
        "comment": ["Viết tối đa 1000 ký tự."],
    }
    created = post({"stars": 4, "comment": SCRIPT}, auth)
    assert created.status_code == 201, created.content
    assert created.json()["stars"] == 4 and created.json()["comment"] == SCRIPT
    twice = post({"stars": 3}, auth)
    assert twice.status_code == 422
    assert twice.json()["error"]["fields"] == {"status": ["Bạn đã đánh giá hồ sơ này rồi."]}
    assert client.post(url, "{}", content_type="application/json").status_code == 401


def test_the_api_refuses_before_the_result(client, citizen, submitted):
    response = client.post(
        f"/api/v1/dossiers/{submitted.display_code}/rating",
        json.dumps({"stars": 5}),
        content_type="application/json",
        **token_for(citizen),
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "status": ["Bạn chỉ có thể đánh giá hồ sơ sau khi đã nhận kết quả."]
    }
