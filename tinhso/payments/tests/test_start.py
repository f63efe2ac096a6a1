"""Starting a payment: who may, when, how much; the pay page; the API; fee computation."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, RequestFactory

from tinhso.accounts.actions import issue_api_token
from tinhso.audit.models import AuditEntry
from tinhso.dossiers.models import Status
from tinhso.payments import vnpay
from tinhso.payments.actions import start_payment
from tinhso.payments.models import Payment, PaymentStatus
from tinhso.payments.tests.conftest import make_dossier, query_params
from tinhso.procedures.fees import compute_fees

pytestmark = pytest.mark.django_db


def request():
    return RequestFactory().get("/", REMOTE_ADDR="113.161.7.25")


def fee_ids(procedure):
    fees = {fee.kind: fee.pk for fee in procedure.fees.all()}
    return fees["per_unit"], fees["by_option"]


def test_compute_fees_by_quantity_and_option(procedure):
    per_copy, postal = fee_ids(procedure)
    assert compute_fees(procedure).total == 8000
    breakdown = compute_fees(procedure, {per_copy: 3}, {postal})
    assert [(line.name, line.quantity, line.amount) for line in breakdown.lines] == [
        ("Phí cấp bản sao trích lục", 3, 24000),
        ("Phí gửi kết quả qua bưu chính", 1, 25000),
    ]
    assert breakdown.total == 49000
    for bad in (0, -2, 1001, "2"):
        with pytest.raises(ValidationError, match="phải là số nguyên từ 1 đến 1000"):
            compute_fees(procedure, {per_copy: bad})


def test_applicant_starts_a_signed_payment(dossier, citizen):
    per_copy, postal = fee_ids(dossier.procedure)
    payment, url = start_payment(citizen, dossier, request(), quantities={per_copy: 2}, options={postal})

    assert payment.amount == 41000
    assert payment.status == PaymentStatus.PENDING
    params = query_params(url)
    assert params["vnp_Amount"] == "4100000"
    assert params["vnp_TxnRef"] == payment.txn_ref
    assert params["vnp_IpAddr"] == "113.161.7.25"
    assert params["vnp_ExpireDate"] > params["vnp_CreateDate"]
    assert vnpay.verify(params, vnpay.config().hash_secret)
    assert AuditEntry.objects.filter(action="payments.start", object_id=str(payment.pk)).exists()


def test_a_new_attempt_cancels_the_unfinished_one(dossier, citizen):
    first, _ = start_payment(citizen, dossier, request())
    second, _ = start_payment(citizen, dossier, request())
    first.refresh_from_db()
    assert first.status == PaymentStatus.CANCELLED
    assert second.status == PaymentStatus.PENDING
    assert first.txn_ref != second.txn_ref


def test_only_the_applicant_may_pay(dossier, other_citizen, leader):
    for user in (other_citizen, leader):
        with pytest.raises(PermissionDenied):
            start_payment(user, dossier, request())
    assert not Payment.objects.exists()


def test_nothing_to_pay_is_refused(procedure, agency, citizen):
    processing = make_dossier(procedure, agency, citizen, status=Status.PROCESSING)
    with pytest.raises(ValidationError, match="không có khoản phí, lệ phí nào phải nộp"):
        start_payment(citizen, processing, request())
    # At submission (status 1), a procedure with fees may be paid before reception.
    new = make_dossier(procedure, agency, citizen, code="H22.50-260305-0002", status=Status.NEW)
    payment, _url = start_payment(citizen, new, request())
    assert payment.amount == 8000
    # A free procedure owes nothing at submission.
    procedure.fees.all().delete()
    free = make_dossier(procedure, agency, citizen, code="H22.50-260305-0003", status=Status.NEW)
    with pytest.raises(ValidationError):
        start_payment(citizen, free, request())


def test_pay_page(dossier, citizen_client, other_citizen):
    url = "/thanh-toan/ho-so/H22.50-260305-0001/"
    page = citizen_client.get(url).content.decode()
    assert "Nộp phí, lệ phí" in page
    assert "Phí cấp bản sao trích lục: số bản" in page
    assert "8.000 đ" in page

    per_copy, _postal = fee_ids(dossier.procedure)
    refused = citizen_client.post(url, {f"quantity_{per_copy}": "0"})
    assert refused.status_code == 200
    assert "Có lỗi cần sửa" in refused.content.decode()
    assert not Payment.objects.exists()

    stranger = Client()
    stranger.force_login(other_citizen)
    assert stranger.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # sign in first


def test_return_page_with_a_forged_signature(dossier, citizen):
    payment, url = start_payment(citizen, dossier, request())
    params = {**query_params(url), "vnp_ResponseCode": "00", "vnp_SecureHash": "0" * 128}
    response = Client().get("/thanh-toan/vnpay/ket-qua", params)
    assert response.status_code == 400
    assert "Không xác thực được phản hồi của cổng thanh toán" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING


def test_receipt_page_is_private(dossier, citizen, other_citizen):
    from tinhso.payments.actions import handle_ipn
    from tinhso.payments.tests.conftest import gateway_result

    payment, _url = start_payment(citizen, dossier, request())
    handle_ipn(gateway_result(payment))
    payment.refresh_from_db()
    url = f"/thanh-toan/bien-lai/{payment.receipt.number}/"
    stranger = Client()
    stranger.force_login(other_citizen)
    assert stranger.get(url).status_code == 404
    owner = Client()
    owner.force_login(citizen)
    assert "Biên lai điện tử thu phí, lệ phí" in owner.get(url).content.decode()
    reads = AuditEntry.objects.filter(action="personal_data.read", object_id=str(citizen.pk))
    assert not reads.exists()  # the payer reading their own receipt

    from tinhso import testing as factories

    officer = factories.make_officer(dossier.receiving_agency, "ketoan.mytho")
    from tinhso.accounts.middleware import SECOND_FACTOR_SESSION_KEY

    clerk = Client()
    clerk.force_login(officer)
    session = clerk.session
    session[SECOND_FACTOR_SESSION_KEY] = officer.pk
    session.save()
    assert clerk.get(url).status_code == 200
    entry = reads.get()
    assert (entry.actor, entry.data["purpose"], entry.data["reference"]) == (
        officer,
        "payments.receipt",
        dossier.code,
    )


def test_api_start_and_read(dossier, citizen, other_citizen):
    token, _ = issue_api_token(citizen)
    auth = {"Authorization": f"Bearer {token}"}
    client = Client()
    per_copy, _postal = fee_ids(dossier.procedure)

    response = client.post(
        "/api/v1/payments/",
        {"dossier_code": dossier.code, "quantities": {str(per_copy): 2}},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == 16000
    assert body["status"] == "pending"
    assert query_params(body["redirect_url"])["vnp_Amount"] == "1600000"

    read = client.get(f"/api/v1/payments/{body['txn_ref']}", headers=auth).json()
    assert read["dossier_code"] == "H22.50-260305-0001"
    assert read["receipt_number"] is None

    other_token, _ = issue_api_token(other_citizen)
    other = {"Authorization": f"Bearer {other_token}"}
    assert client.get(f"/api/v1/payments/{body['txn_ref']}", headers=other).status_code == 404
    refused = client.post(
        "/api/v1/payments/", {"dossier_code": dossier.code}, content_type="application/json", headers=other
    )
    assert refused.status_code == 404
    assert client.get(f"/api/v1/payments/{body['txn_ref']}").status_code == 401

    bad = client.post(
        "/api/v1/payments/",
        {"dossier_code": dossier.code, "quantities": {str(per_copy): 0}},
        content_type="application/json",
        headers=auth,
    )
    assert bad.status_code == 422
    assert "1 đến 1000" in str(bad.json()["error"]["fields"])


def test_the_admin_pages_of_a_payment_and_its_receipt_log_a_read_of_the_payer(dossier, citizen, admin_user):
    from django.urls import reverse

    from tinhso.accounts.middleware import SECOND_FACTOR_SESSION_KEY
    from tinhso.payments.actions import handle_ipn
    from tinhso.payments.tests.conftest import gateway_result

    payment, _url = start_payment(citizen, dossier, request())
    handle_ipn(gateway_result(payment))
    payment.refresh_from_db()
    client = Client()
    client.force_login(admin_user)
    session = client.session
    session[SECOND_FACTOR_SESSION_KEY] = admin_user.pk
    session.save()
    reads = AuditEntry.objects.filter(action="personal_data.read", object_id=str(citizen.pk))
    assert client.get(reverse("admin:payments_payment_change", args=[payment.pk])).status_code == 200
    assert client.get(reverse("admin:payments_receipt_change", args=[payment.receipt.pk])).status_code == 200
    assert [(e.actor, e.data["purpose"], e.data["reference"]) for e in reads.order_by("sequence")] == [
        (admin_user, "payments.admin_view", dossier.code),
        (admin_user, "payments.admin_view", dossier.code),
    ]
    assert client.get(reverse("admin:payments_payment_change", args=[0])).status_code == 302
    assert reads.count() == 2
