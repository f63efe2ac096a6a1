"""The citizen journey of issue 3 through ``/api/v1/`` alone: token, accent-free search of the
demo catalogue, document upload, submission with an Idempotency-Key, the fee paid through the
sandbox gateway (its IPN delivered to the platform), then public tracking."""

import json
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso import testing as factories
from tinhso.dossiers.models import Dossier, Status
from tinhso.payments import sandbox
from tinhso.payments.models import PaymentStatus, SandboxTransaction
from tinhso.procedures.models import FeeKind

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def citizen(settings, demo_catalogue):
    settings.VNPAY_SANDBOX_ENABLED = True
    cache.clear()
    return factories.make_citizen()


def post_json(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def test_the_journey_through_the_api(client, citizen):
    token = post_json(
        client,
        f"{API}/auth/token",
        {"username": citizen.cccd, "password": factories.PASSWORD, "name": "Ứng dụng"},
    )
    assert token.status_code == 200, token.content
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.json()['access_token']}"}

    found = client.get(f"{API}/procedures/", {"q": "cap ban sao trich luc ho tich"}).json()
    assert found["items"][0]["code"] == "2.000635"
    assert found["items"][0]["name"] == "Cấp bản sao Trích lục hộ tịch"
    procedure = client.get(f"{API}/procedures/2.000635").json()
    assert [doc["name"] for doc in procedure["documents"] if doc["required"]] == [
        "Tờ khai cấp bản sao Trích lục hộ tịch theo mẫu"
    ]
    form_component = next(doc["id"] for doc in procedure["documents"] if doc["required"])
    per_copy = next(fee["id"] for fee in procedure["fees"] if fee["kind"] == FeeKind.PER_UNIT)

    uploaded = client.post(
        f"{API}/dossiers/documents",
        {"file": SimpleUploadedFile("to-khai-trich-luc.pdf", factories.minimal_pdf())},
        **auth,
    )
    assert uploaded.status_code == 201 and uploaded.json()["content_type"] == "application/pdf"
    body = {
        "procedure": "2.000635",
        "receiving_agency": "H20.201.01",
        "applicant": {"phone": "0912345678", "address": {"commune": "28261", "detail": "12 Ấp Bắc"}},
        "form_data": {
            "loai_viec": "khai_sinh",
            "ho_ten_nguoi_duoc_cap": "Nguyễn Văn An",
            "ngay_sinh": "1995-03-14",
            "noi_dang_ky": "Ủy ban nhân dân phường Mỹ Tho",
            "nguoi_yeu_cau": {
                "ho_ten": "Nguyễn Văn An",
                "so_dinh_danh": citizen.cccd,
                "ngay_sinh": "1995-03-14",
                "noi_cu_tru": {"commune": "28261", "detail": "12 Ấp Bắc"},
                "dien_thoai": "0912345678",
            },
            "so_ban_sao": 2,
            "hinh_thuc_nhan": "dien_tu",
        },
        "attachments": [{"personal_document": uploaded.json()["id"], "required_document": form_component}],
    }
    created = post_json(client, f"{API}/dossiers/", body, **auth, HTTP_IDEMPOTENCY_KEY="trich-luc-2026-1")
    assert created.status_code == 201, created.content
    # Submitted, not received yet: quoted by its submission reference (no dossier code before
    # reception, Decree 118/2025 Art. 17(3) as amended by Decree 309/2026 Art. 8(3)).
    code = created.json()["submission_reference"]
    retried = post_json(client, f"{API}/dossiers/", body, **auth, HTTP_IDEMPOTENCY_KEY="trich-luc-2026-1")
    assert retried.status_code == 200 and retried.json()["submission_reference"] == code
    assert Dossier.objects.filter(procedure__code="2.000635").count() == 1

    started = post_json(
        client, f"{API}/payments/", {"dossier_code": code, "quantities": {str(per_copy): 2}}, **auth
    )
    assert started.status_code == 201, started.content
    payment = started.json()
    assert payment["amount"] == 16000 and payment["status"] == PaymentStatus.PENDING

    # The payer's browser opens the gateway, approves; the gateway's IPN reaches the platform.
    redirect = urlsplit(payment["redirect_url"])
    assert client.get(f"{redirect.path}?{redirect.query}").status_code == 200
    transaction = sandbox.complete(SandboxTransaction.objects.get(txn_ref=payment["txn_ref"]), approve=True)
    ipn = client.get(f"/thanh-toan/vnpay/ipn?{sandbox.signed_result_query(transaction)}")
    assert ipn.json()["RspCode"] == "00"
    replay = client.get(f"/thanh-toan/vnpay/ipn?{sandbox.signed_result_query(transaction)}")
    assert replay.json()["RspCode"] == "02"
    paid = client.get(f"{API}/payments/{payment['txn_ref']}", **auth).json()
    assert paid["status"] == PaymentStatus.PAID and paid["receipt_number"]

    tracked = client.get(f"{API}/dossiers/track", {"code": code, "factor": "0912345678"})
    assert tracked.status_code == 200
    data = tracked.json()
    assert data["status"] == Status.NEW and data["procedure_name"] == "Cấp bản sao Trích lục hộ tịch"
    assert [step["label"] for step in data["history"]] == ["Mới đăng ký"]
    wrong = client.get(f"{API}/dossiers/track", {"code": code, "factor": "0987654321"})
    assert wrong.status_code == 404 and "Cấp bản sao" not in wrong.content.decode()
    assert Dossier.objects.get(submission_reference=code).paid_at is not None
