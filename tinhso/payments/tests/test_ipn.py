"""The IPN: every answer code, replays, wrong amounts, and two IPNs at once on PostgreSQL."""

import threading

import pytest
from django.db import connection
from django.test import Client, RequestFactory

from tinhso.audit.models import AuditEntry
from tinhso.dossiers.models import Status
from tinhso.payments import vnpay
from tinhso.payments.actions import handle_ipn, start_payment
from tinhso.payments.models import Payment, PaymentStatus, Receipt
from tinhso.payments.tests.conftest import gateway_result

IPN_URL = "/thanh-toan/vnpay/ipn"


def started(dossier, citizen, copies=2) -> Payment:
    request = RequestFactory().get("/", REMOTE_ADDR="113.161.7.25")
    fee = dossier.procedure.fees.get(kind="per_unit")
    payment, _url = start_payment(citizen, dossier, request, quantities={fee.pk: copies})
    return payment


def snapshot(payment):
    payment.refresh_from_db()
    return (payment.status, payment.paid_at, payment.ipn_received_at, Receipt.objects.count())


@pytest.mark.django_db
def test_success_marks_paid_issues_a_receipt_and_resumes_the_dossier(dossier, citizen):
    payment = started(dossier, citizen)
    assert payment.amount == 16000

    answer = Client().get(IPN_URL, gateway_result(payment)).json()

    assert answer == {"RspCode": "00", "Message": "Confirm Success"}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert payment.gateway_transaction_no == "14226112"
    assert payment.bank_code == "NCB"
    assert payment.ipn_params["vnp_ResponseCode"] == "00"
    receipt = payment.receipt
    assert receipt.total == 16000
    assert receipt.dossier_code == "H22.50-260305-0001"
    assert receipt.payer_name == "Nguyễn Thị Thu Hà"
    assert receipt.items[0]["quantity"] == 2
    assert receipt.number.endswith("-000001")
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert dossier.paid_at is not None
    assert AuditEntry.objects.filter(action="payments.ipn", object_id=str(payment.pk)).count() == 1


@pytest.mark.django_db
def test_a_replayed_ipn_answers_02_and_changes_nothing(dossier, citizen):
    payment = started(dossier, citizen)
    params = gateway_result(payment)
    assert handle_ipn(params)["RspCode"] == "00"
    before = snapshot(payment)
    audit_before = AuditEntry.objects.count()

    assert handle_ipn(params) == {"RspCode": "02", "Message": "Order already confirmed"}
    # A later "failed" IPN for the same transaction cannot undo the payment either.
    assert handle_ipn(gateway_result(payment, response_code="24"))["RspCode"] == "02"

    assert snapshot(payment) == before
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.django_db
def test_a_forged_signature_answers_97(dossier, citizen):
    payment = started(dossier, citizen)
    forged = gateway_result(payment, secret="khoa-bi-mat-gia-mao")
    tampered = {**gateway_result(payment), "vnp_Amount": "100"}
    unsigned = {key: value for key, value in gateway_result(payment).items() if key != "vnp_SecureHash"}

    for params in (forged, tampered, unsigned):
        assert Client().get(IPN_URL, params).json() == {"RspCode": "97", "Message": "Invalid signature"}
    assert snapshot(payment)[0] == PaymentStatus.PENDING
    assert not Receipt.objects.exists()


@pytest.mark.django_db
def test_an_unknown_transaction_answers_01(dossier, citizen):
    payment = started(dossier, citizen)
    payment.txn_ref = "26030599999999999999"
    assert handle_ipn(gateway_result(payment)) == {"RspCode": "01", "Message": "Order not found"}


@pytest.mark.django_db
def test_another_merchant_code_answers_01(dossier, citizen):
    payment = started(dossier, citizen)
    params = gateway_result(payment)
    params["vnp_TmnCode"] = "KHAC0001"
    params["vnp_SecureHash"] = vnpay.sign(params, "TINHSOSANDBOXSECRETKEYDEMO2025")
    assert handle_ipn(params)["RspCode"] == "01"


@pytest.mark.django_db
def test_a_wrong_amount_answers_04_and_changes_nothing(dossier, citizen):
    payment = started(dossier, citizen)
    assert handle_ipn(gateway_result(payment, amount=8000)) == {"RspCode": "04", "Message": "Invalid amount"}
    assert snapshot(payment) == (PaymentStatus.PENDING, None, None, 0)
    dossier.refresh_from_db()
    assert dossier.status == Status.PAYMENT


@pytest.mark.django_db
def test_a_cancelled_payment_is_recorded_without_receipt(dossier, citizen):
    payment = started(dossier, citizen)
    assert handle_ipn(gateway_result(payment, response_code="24"))["RspCode"] == "00"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert payment.response_code == "24"
    assert not Receipt.objects.exists()
    dossier.refresh_from_db()
    assert dossier.status == Status.PAYMENT
    assert dossier.paid_at is None


@pytest.mark.django_db
def test_an_error_while_recording_rolls_everything_back_and_answers_99(dossier, citizen):
    payment = started(dossier, citizen)
    # The dossier cannot legally go back to "result returned": the dossier app refuses.
    type(dossier).objects.filter(pk=dossier.pk).update(resume_status=Status.RETURNED)

    assert handle_ipn(gateway_result(payment)) == {"RspCode": "99", "Message": "Unknown error"}

    assert snapshot(payment) == (PaymentStatus.PENDING, None, None, 0)
    assert not AuditEntry.objects.filter(action="payments.ipn").exists()


@pytest.mark.django_db
def test_the_ipn_endpoint_needs_no_session_or_csrf_and_only_answers_get(dossier, citizen):
    payment = started(dossier, citizen)
    client = Client(enforce_csrf_checks=True)
    assert client.post(IPN_URL, gateway_result(payment)).status_code == 405
    response = client.get(IPN_URL, gateway_result(payment))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["RspCode"] == "00"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_ipns_give_exactly_one_receipt(dossier, citizen):
    assert connection.vendor == "postgresql"
    payment = started(dossier, citizen)
    params = gateway_result(payment)
    barrier = threading.Barrier(4)
    answers = []

    def deliver():
        try:
            barrier.wait()
            answers.append(handle_ipn(params)["RspCode"])
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == ["00", "02", "02", "02"]
    assert Receipt.objects.count() == 1
    assert AuditEntry.objects.filter(action="payments.ipn").count() == 1
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
