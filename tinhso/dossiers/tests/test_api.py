"""The dossier API: bearer token, one-call submission, idempotency, tracking, structured errors."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tinhso import testing as factories
from tinhso.accounts.models import ApiToken, hash_token
from tinhso.audit.models import AuditEntry
from tinhso.dossiers import actions
from tinhso.dossiers.models import Dossier, DossierCodeCounter, DossierStatusChange, IdempotencyKey

pytestmark = pytest.mark.django_db
BASE = "/api/v1/dossiers/"


def token_for(user, token="t0k3n-" + "x" * 30):
    token = f"{token}-{user.pk}"
    ApiToken.objects.create(
        user=user, token_hash=hash_token(token), expires_at=timezone.now() + datetime.timedelta(hours=1)
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def auth(citizen):
    return token_for(citizen)


def upload(client, auth):
    response = client.post(
        BASE + "documents",
        {"file": SimpleUploadedFile("giay-chung-sinh.pdf", factories.minimal_pdf())},
        **auth,
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def body(procedure, document_id, **changes):
    data = {
        "procedure": procedure.code,
        "receiving_agency": "H20.201.01",
        "applicant": {"phone": "0912345678", "address": {"commune": "28261", "detail": "12 Ấp Bắc"}},
        "form_data": factories.ANSWERS,
        "attachments": [
            {"personal_document": document_id, "required_document": procedure.documents.get(position=1).pk}
        ],
    }
    data.update(changes)
    return data


def post(client, data, auth, **headers):
    return client.post(BASE, json.dumps(data), content_type="application/json", **auth, **headers)


def test_submit_then_read_and_list(client, auth, procedure, citizen):
    document_id = upload(client, auth)
    response = post(client, body(procedure, document_id), auth)
    assert response.status_code == 201, response.content
    data = response.json()
    # Submitted, not received: a submission reference, no dossier code yet (Decree 118/2025
    # Art. 17(3) as amended by Decree 309/2026 Art. 8(3)).
    assert (
        data["code"] is None
        and len(data["submission_reference"]) == 14
        and data["status"] == 1
        and data["status_label"] == "Mới đăng ký"
    )
    assert data["attachments"][0]["content_type"] == "application/pdf"
    assert data["history"][0]["label"] == "Mới đăng ký"
    reference = data["submission_reference"]
    assert client.get(BASE + reference, **auth).json()["form_data"]["ho_ten"] == "Nguyễn Ngọc Hân"
    listed = client.get(BASE, **auth).json()
    assert [(item["code"], item["submission_reference"]) for item in listed] == [(None, reference)]


def test_the_same_idempotency_key_never_creates_a_second_dossier(client, auth, procedure):
    document_id = upload(client, auth)
    first = post(client, body(procedure, document_id), auth, HTTP_IDEMPOTENCY_KEY="don-khai-sinh-1")
    again = post(client, body(procedure, document_id), auth, HTTP_IDEMPOTENCY_KEY="don-khai-sinh-1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["submission_reference"] == again.json()["submission_reference"]
    assert Dossier.objects.count() == 1 and IdempotencyKey.objects.count() == 1
    other = post(
        client, body(procedure, document_id, submit=False), auth, HTTP_IDEMPOTENCY_KEY="don-khai-sinh-1"
    )
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    assert Dossier.objects.count() == 1


def test_a_key_stored_meanwhile_by_a_concurrent_request_rolls_this_one_back(
    client, auth, procedure, monkeypatch
):
    """The key is stored last: a request that did not see it at the start (another one with the
    same key was still running) fails on its unique constraint, keeps nothing and replays."""
    document_id = upload(client, auth)
    first = post(client, body(procedure, document_id), auth, HTTP_IDEMPOTENCY_KEY="k-race")
    draft = post(client, body(procedure, document_id, submit=False), auth, HTTP_IDEMPOTENCY_KEY="k-draft")
    stored = actions._idempotency_key
    missed = []

    def not_yet_committed(actor, key):
        """The first look-up of each request misses the key; the one after the conflict sees it."""
        missed.append(key)
        return None if len(missed) % 2 else stored(actor, key)

    monkeypatch.setattr(actions, "_idempotency_key", not_yet_committed)
    again = post(client, body(procedure, document_id), auth, HTTP_IDEMPOTENCY_KEY="k-race")
    assert again.status_code == 200
    assert again.json()["submission_reference"] == first.json()["submission_reference"]
    conflict = post(client, body(procedure, document_id), auth, HTTP_IDEMPOTENCY_KEY="k-draft")
    assert conflict.status_code == 409
    assert missed == ["k-race", "k-race", "k-draft", "k-draft"]
    assert Dossier.objects.count() == 2 and IdempotencyKey.objects.count() == 2
    assert AuditEntry.objects.filter(action="dossiers.submit").count() == 1
    monkeypatch.undo()
    # Submissions take no dossier code: it is issued on reception.
    following = post(client, body(procedure, document_id), auth, HTTP_IDEMPOTENCY_KEY="k-next")
    assert following.json()["code"] is None and following.json()["submission_reference"]
    assert draft.json()["code"] is None and draft.json()["submission_reference"] is None
    assert not DossierCodeCounter.objects.exists()


def test_validation_errors_are_structured_and_create_nothing(client, auth, procedure):
    data = body(procedure, 999999)
    data["form_data"] = {**factories.ANSWERS, "ngay_sinh": "2026-02-30", "ho_ten": ""}
    data["applicant"] = {"phone": "12345", "address": None}
    response = post(client, data, auth, HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]["form_data.ho_ten"] == ["Hãy nhập “Họ, chữ đệm, tên”."]
    assert "form_data.ngay_sinh" in error["fields"]
    assert "applicant.phone" in error["fields"] and "applicant.address.commune" in error["fields"]
    assert error["fields"]["attachments.0"] == ["Giấy tờ này không có trong kho giấy tờ của bạn."]
    assert error["fields"]["attachments"] == ["Hãy đính kèm “Giấy chứng sinh”."]
    assert not Dossier.objects.exists() and not IdempotencyKey.objects.exists()
    unknown = post(client, {**body(procedure, 1), "procedure": "9.999999"}, auth)
    assert unknown.json()["error"]["fields"] == {
        "procedure": ["Không có thủ tục đang áp dụng nào có mã này."]
    }
    malformed = client.post(BASE, "{", content_type="application/json", **auth)
    assert malformed.status_code == 400


def test_someone_elses_document_cannot_be_attached(client, auth, procedure, other_citizen):
    theirs = upload(client, token_for(other_citizen, "other"))
    response = post(client, body(procedure, theirs), auth)
    assert response.status_code == 422
    assert not Dossier.objects.exists()


def test_an_exe_is_refused_by_the_upload(client, auth):
    response = client.post(BASE + "documents", {"file": SimpleUploadedFile("don.pdf", b"MZ\x90\x00")}, **auth)
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["__all__"] == ["Tệp phải là tài liệu PDF, JPEG hoặc PNG."]


def test_a_draft_then_permissions(client, auth, procedure, other_citizen, desk):
    response = post(client, body(procedure, upload(client, auth), form_data={}, submit=False), auth)
    assert response.status_code == 201 and response.json()["is_draft"] and response.json()["code"] is None
    submitted = post(client, body(procedure, upload(client, auth)), auth).json()
    other = token_for(other_citizen, "other")
    assert client.get(BASE + submitted["submission_reference"], **other).status_code == 404
    assert (
        client.post(
            BASE + submitted["submission_reference"] + "/withdraw",
            {"reason": "x"},
            "application/json",
            **other,
        ).status_code
        == 404
    )
    assert client.get(BASE + submitted["submission_reference"]).status_code == 401
    officer = token_for(factories.make_officer(desk), "officer")
    assert client.get(BASE + submitted["submission_reference"], **officer).status_code == 200


def test_a_draft_keeps_no_phone_number_that_is_not_valid(client, auth, procedure):
    applicant = {"phone": "0912 345 678 901 234 567", "address": {"commune": "28261", "detail": "12 Ấp Bắc"}}
    data = body(procedure, upload(client, auth), applicant=applicant, submit=False)
    response = post(client, data, auth)
    assert response.status_code == 201, response.content
    assert Dossier.objects.get(pk=response.json()["id"]).applicant_phone == ""


def test_withdraw_and_track(client, auth, procedure):
    code = post(client, body(procedure, upload(client, auth)), auth).json()["submission_reference"]
    missing_reason = client.post(BASE + code + "/withdraw", {"reason": " "}, "application/json", **auth)
    assert missing_reason.status_code == 422
    response = client.post(BASE + code + "/withdraw", {"reason": "Nộp nhầm"}, "application/json", **auth)
    assert response.status_code == 200 and response.json()["status"] == 7
    again = client.post(BASE + code + "/withdraw", {"reason": "Nộp nhầm"}, "application/json", **auth)
    assert again.status_code == 422 and "không thể rút" in again.json()["error"]["fields"]["status"][0]
    tracked = client.get(BASE + "track", {"code": code, "factor": "0912345678"})
    assert tracked.status_code == 200
    assert [item["label"] for item in tracked.json()["history"]] == [
        "Mới đăng ký",
        "Công dân yêu cầu rút hồ sơ",
    ]
    assert "applicant" not in tracked.json() and "form_data" not in tracked.json()
    wrong = client.get(BASE + "track", {"code": code, "factor": "0999999999"})
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "not_found"


def test_tracking_answer_is_what_the_documented_schema_describes(client, auth, procedure):
    """The lookup renders its answer without ninja's response validation: it must still be
    exactly ``TrackOut`` (the same keys, the same values once validated and dumped)."""
    from ninja.responses import NinjaJSONEncoder

    from tinhso.dossiers.api import HistoryOut, TrackOut

    code = post(client, body(procedure, upload(client, auth)), auth).json()["submission_reference"]
    client.post(BASE + code + "/withdraw", {"reason": "Nộp nhầm"}, "application/json", **auth)
    # Instants in whole milliseconds, as the JSON carries them: one between 1 and 999 µs past a
    # second is written "…:18.000Z" and reads back as "…:18Z" (both ninja's rendering).
    at = datetime.datetime(2026, 12, 4, 2, 56, 18, 125000, tzinfo=datetime.UTC)
    Dossier.objects.filter(submission_reference=code).update(submitted_at=at)
    for step, change in enumerate(
        DossierStatusChange.objects.filter(dossier__submission_reference=code).order_by("pk")
    ):
        DossierStatusChange.objects.filter(pk=change.pk).update(at=at + datetime.timedelta(seconds=step))
    tracked = client.get(BASE + "track", {"code": code, "factor": "0912345678"})
    assert tracked.status_code == 200 and tracked["Content-Type"] == "application/json; charset=utf-8"
    answer = tracked.json()
    assert set(answer) == set(TrackOut.model_fields)
    assert answer["submitted_at"] == "2026-12-04T02:56:18.125Z"
    assert [step["at"] for step in answer["history"]] == [
        "2026-12-04T02:56:18.125Z",
        "2026-12-04T02:56:19.125Z",
    ]
    validated = TrackOut.model_validate(answer).model_dump()
    assert tracked.content.decode() == json.dumps(validated, cls=NinjaJSONEncoder)
    dossier = Dossier.objects.get(submission_reference=code)
    assert answer["status"] == dossier.status == 7 and answer["status_label"] == "Công dân yêu cầu rút hồ sơ"
    assert answer["procedure_name"] == dossier.procedure.name
    assert [step["status"] for step in answer["history"]] == [1, 7]
    assert set(answer["history"][0]) == set(HistoryOut.model_fields)
