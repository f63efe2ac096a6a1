"""The sandbox gateway end to end: in the test client, and with its real HTTP IPN to a live server."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from tinhso.dossiers.models import Status
from tinhso.payments import vnpay
from tinhso.payments.actions import handle_ipn
from tinhso.payments.models import Payment, PaymentStatus, SandboxTransaction
from tinhso.payments.tests.conftest import query_params

PAY_URL = "/thanh-toan/ho-so/H22.50-260305-0001/"


def go_to_gateway(client, dossier, copies=2):
    fee = dossier.procedure.fees.get(kind="per_unit")
    response = client.post(PAY_URL, {f"quantity_{fee.pk}": copies})
    assert response.status_code == 302
    return response["Location"]


def bank_page(client, gateway_url):
    response = client.get(gateway_url)
    assert response.status_code == 200
    return response, SandboxTransaction.objects.get(txn_ref=query_params(gateway_url)["vnp_TxnRef"])


@pytest.mark.django_db
def test_sandbox_is_404_unless_enabled(settings, dossier, citizen_client):
    gateway_url = go_to_gateway(citizen_client, dossier)
    settings.VNPAY_SANDBOX_ENABLED = False
    assert citizen_client.get(gateway_url).status_code == 404
    assert Client().post("/thanh-toan/sandbox/merchant_webapi/api/transaction", {}).status_code == 404


@pytest.mark.django_db
def test_bank_page_shows_amount_and_order(dossier, citizen_client):
    gateway_url = go_to_gateway(citizen_client, dossier)
    assert gateway_url.startswith("http://testserver/thanh-toan/sandbox/paymentv2/vpcpay.html?")
    params = query_params(gateway_url)
    assert params["vnp_Amount"] == "1600000"
    assert params["vnp_ReturnUrl"] == "http://testserver/thanh-toan/vnpay/ket-qua"

    response, txn = bank_page(citizen_client, gateway_url)
    page = response.content.decode()
    assert "16.000 đ" in page
    assert "Thanh toan phi le phi ho so H22.50-260305-0001" in page
    assert "Thanh toán thành công" in page and "Hủy giao dịch" in page
    assert "NCB" in page
    assert txn.amount == 1600000
    # Reloading the bank page is the same transaction, not a second one.
    bank_page(citizen_client, gateway_url)
    assert SandboxTransaction.objects.count() == 1


@pytest.mark.django_db
def test_sandbox_refuses_a_bad_signature_with_97(dossier, citizen_client):
    gateway_url = go_to_gateway(citizen_client, dossier)
    tampered = gateway_url.replace("vnp_Amount=1600000", "vnp_Amount=100")
    response = citizen_client.get(tampered)
    assert response.status_code == 400
    assert "97" in response.content.decode()
    assert "Chữ ký không hợp lệ" in response.content.decode()
    assert not SandboxTransaction.objects.exists()


@pytest.mark.django_db
def test_sandbox_with_its_own_secret_refuses_the_platforms_signature(settings, dossier, citizen_client):
    settings.VNPAY_SANDBOX = {"TMN_CODE": "TINHSO01", "HASH_SECRET": "mot-khoa-khac-cua-cong"}
    response = citizen_client.get(go_to_gateway(citizen_client, dossier))
    assert response.status_code == 400
    assert "97" in response.content.decode()


@pytest.mark.django_db
def test_sandbox_refuses_an_expired_or_unknown_merchant_request(settings, dossier, citizen_client):
    gateway_url = go_to_gateway(citizen_client, dossier)
    params = query_params(gateway_url)
    params["vnp_ExpireDate"] = vnpay.format_date(timezone.now() - datetime.timedelta(minutes=1))
    expired = vnpay.signed_url(
        "/thanh-toan/sandbox/paymentv2/vpcpay.html", params, vnpay.config().hash_secret
    )
    assert "Đã hết hạn chờ thanh toán" in citizen_client.get(expired).content.decode()

    settings.VNPAY_SANDBOX = {"TMN_CODE": "KHAC0001", "HASH_SECRET": "TINHSOSANDBOXSECRETKEYDEMO2025"}
    assert "Merchant không hợp lệ" in citizen_client.get(gateway_url).content.decode()


@pytest.mark.django_db
def test_end_to_end_in_the_test_client_ipn_arrives_after_the_return(settings, dossier, citizen_client):
    """The IPN cannot reach the platform (nothing listens): the return page waits; once the
    gateway's signed IPN is delivered the payment is paid and the receipt shown."""
    settings.VNPAY_SANDBOX = {**settings.VNPAY_SANDBOX, "IPN_URL": "http://127.0.0.1:9/thanh-toan/vnpay/ipn"}
    gateway_url = go_to_gateway(citizen_client, dossier)
    _response, txn = bank_page(citizen_client, gateway_url)

    response = citizen_client.post(
        f"/thanh-toan/sandbox/paymentv2/{txn.token}/", {"decision": "pay", "bank_code": "NCB"}
    )
    assert response.status_code == 302
    return_url = response["Location"]
    assert return_url.startswith("http://testserver/thanh-toan/vnpay/ket-qua?")
    txn.refresh_from_db()
    assert txn.transaction_status == "00"
    assert "error" in txn.ipn_answer

    waiting = citizen_client.get(return_url)
    assert "Đang chờ xác nhận" in waiting.content.decode()
    payment = Payment.objects.get(txn_ref=txn.txn_ref)
    assert payment.status == PaymentStatus.PENDING  # the return URL never marks paid

    # The gateway's IPN, as it would have sent it, finally delivered.
    ipn_query = return_url.split("?", 1)[1]
    assert citizen_client.get(f"/thanh-toan/vnpay/ipn?{ipn_query}").json()["RspCode"] == "00"

    done = citizen_client.get(return_url).content.decode()
    assert "Thanh toán thành công" in done
    payment.refresh_from_db()
    receipt_page = citizen_client.get(f"/thanh-toan/bien-lai/{payment.receipt.number}/")
    assert receipt_page.status_code == 200
    text = receipt_page.content.decode()
    assert "H22.50-260305-0001" in text and "16.000 đ" in text and "data:image/svg+xml" in text


@pytest.mark.django_db
def test_cancel_at_the_gateway(settings, dossier, citizen_client):
    settings.VNPAY_SANDBOX = {**settings.VNPAY_SANDBOX, "IPN_URL": "http://127.0.0.1:9/thanh-toan/vnpay/ipn"}
    gateway_url = go_to_gateway(citizen_client, dossier)
    _response, txn = bank_page(citizen_client, gateway_url)
    response = citizen_client.post(f"/thanh-toan/sandbox/paymentv2/{txn.token}/", {"decision": "cancel"})
    params = query_params(response["Location"])
    assert params["vnp_ResponseCode"] == "24"
    assert params["vnp_TransactionStatus"] == "02"
    assert handle_ipn(params)["RspCode"] == "00"
    page = citizen_client.get(response["Location"]).content.decode()
    assert "Giao dịch không thành công" in page
    # The same decision cannot be taken twice at the "bank".
    again = citizen_client.post(f"/thanh-toan/sandbox/paymentv2/{txn.token}/", {"decision": "pay"})
    assert again.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_end_to_end_with_a_real_http_ipn(settings, live_server, dossier, citizen_client):
    settings.VNPAY_SANDBOX = {**settings.VNPAY_SANDBOX, "IPN_URL": f"{live_server.url}/thanh-toan/vnpay/ipn"}
    gateway_url = go_to_gateway(citizen_client, dossier, copies=3)
    _response, txn = bank_page(citizen_client, gateway_url)

    response = citizen_client.post(
        f"/thanh-toan/sandbox/paymentv2/{txn.token}/", {"decision": "pay", "bank_code": "NCB"}
    )

    txn.refresh_from_db()
    assert txn.ipn_answer["RspCode"] == "00"
    payment = Payment.objects.get(txn_ref=txn.txn_ref)
    assert payment.status == PaymentStatus.PAID
    assert payment.amount == 24000
    assert payment.gateway_transaction_no == txn.transaction_no
    page = citizen_client.get(response["Location"]).content.decode()
    assert "Thanh toán thành công" in page
    assert payment.receipt.number in page
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING


@pytest.mark.django_db
def test_querydr_answers_signed_like_vnpay(dossier, citizen_client):
    gateway_url = go_to_gateway(citizen_client, dossier)
    _response, txn = bank_page(citizen_client, gateway_url)
    secret = vnpay.config().hash_secret
    body = {
        "vnp_RequestId": "20260305-0001",
        "vnp_Version": "2.1.0",
        "vnp_Command": "querydr",
        "vnp_TmnCode": "TINHSO01",
        "vnp_TxnRef": txn.txn_ref,
        "vnp_TransactionDate": txn.create_date,
        "vnp_CreateDate": vnpay.format_date(timezone.now()),
        "vnp_IpAddr": "113.161.7.25",
        "vnp_OrderInfo": "Tra cuu giao dich",
    }
    body["vnp_SecureHash"] = vnpay.pipe_hash(body, vnpay.QUERYDR_REQUEST_FIELDS, secret)
    api = "/thanh-toan/sandbox/merchant_webapi/api/transaction"

    answer = Client().post(api, body, content_type="application/json").json()
    assert answer["vnp_ResponseCode"] == "00"
    assert answer["vnp_Amount"] == "1600000"
    assert answer["vnp_TransactionStatus"] == "01"
    assert answer["vnp_SecureHash"] == vnpay.pipe_hash(answer, vnpay.QUERYDR_RESPONSE_FIELDS, secret)

    forged = {**body, "vnp_TxnRef": "khac"}
    assert Client().post(api, forged, content_type="application/json").json()["vnp_ResponseCode"] == "97"
    assert (
        Client().post(api, "không phải JSON", content_type="application/json").json()["vnp_ResponseCode"]
        == "03"
    )
