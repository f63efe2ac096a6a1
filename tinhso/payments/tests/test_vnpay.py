"""The VNPAY 2.1.0 protocol library, checked against vectors built independently by hand."""

import datetime
import hashlib
import hmac

from tinhso.payments import vnpay

SECRET = "TINHSOSANDBOXSECRETKEYDEMO2025"

PARAMS = {
    "vnp_Version": "2.1.0",
    "vnp_Command": "pay",
    "vnp_TmnCode": "TINHSO01",
    "vnp_Amount": "1600000",
    "vnp_CurrCode": "VND",
    "vnp_TxnRef": "26030510153012345678",
    "vnp_OrderInfo": "Thanh toan phi le phi ho so H22.50-260305-0001",
    "vnp_OrderType": "other",
    "vnp_Locale": "vn",
    "vnp_ReturnUrl": "https://dichvucong.dongthap.gov.vn/thanh-toan/vnpay/ket-qua",
    "vnp_IpAddr": "113.161.7.25",
    "vnp_CreateDate": "20260305101530",
    "vnp_ExpireDate": "20260305103030",
}

# Written out by hand: names sorted, spaces as "+", ":" and "/" percent-encoded.
HAND_WRITTEN = (
    "vnp_Amount=1600000"
    "&vnp_Command=pay"
    "&vnp_CreateDate=20260305101530"
    "&vnp_CurrCode=VND"
    "&vnp_ExpireDate=20260305103030"
    "&vnp_IpAddr=113.161.7.25"
    "&vnp_Locale=vn"
    "&vnp_OrderInfo=Thanh+toan+phi+le+phi+ho+so+H22.50-260305-0001"
    "&vnp_OrderType=other"
    "&vnp_ReturnUrl=https%3A%2F%2Fdichvucong.dongthap.gov.vn%2Fthanh-toan%2Fvnpay%2Fket-qua"
    "&vnp_TmnCode=TINHSO01"
    "&vnp_TxnRef=26030510153012345678"
    "&vnp_Version=2.1.0"
)


def test_hash_data_is_the_sorted_form_encoded_string():
    assert vnpay.hash_data(PARAMS) == HAND_WRITTEN


def test_signature_agrees_with_an_independent_hmac_sha512():
    expected = hmac.new(SECRET.encode("utf-8"), HAND_WRITTEN.encode("utf-8"), hashlib.sha512).hexdigest()
    assert len(expected) == 128
    assert vnpay.sign(PARAMS, SECRET) == expected
    # The hash fields never take part, whatever they hold.
    assert (
        vnpay.sign({**PARAMS, "vnp_SecureHash": "x", "vnp_SecureHashType": "HmacSHA512"}, SECRET) == expected
    )


def test_signed_url_ends_with_the_hash_and_verifies():
    url = vnpay.signed_url("https://sandbox.example/paymentv2/vpcpay.html", PARAMS, SECRET)
    expected = hmac.new(SECRET.encode(), HAND_WRITTEN.encode(), hashlib.sha512).hexdigest()
    assert url == f"https://sandbox.example/paymentv2/vpcpay.html?{HAND_WRITTEN}&vnp_SecureHash={expected}"
    assert vnpay.verify({**PARAMS, "vnp_SecureHash": expected}, SECRET)
    assert vnpay.verify({**PARAMS, "vnp_SecureHash": expected.upper()}, SECRET)


def test_verify_refuses_tampering_a_missing_hash_and_another_secret():
    signed = {**PARAMS, "vnp_SecureHash": vnpay.sign(PARAMS, SECRET)}
    assert not vnpay.verify({**signed, "vnp_Amount": "100"}, SECRET)
    assert not vnpay.verify({**signed, "vnp_BankCode": "NCB"}, SECRET)
    assert not vnpay.verify(PARAMS, SECRET)
    assert not vnpay.verify(signed, "another-secret")


def test_values_with_spaces_and_symbols_are_encoded_like_urlencode_not_quote():
    data = vnpay.hash_data({"vnp_OrderInfo": "a b&c=d/e+f", "other": "ignored"})
    assert data == "vnp_OrderInfo=a+b%26c%3Dd%2Fe%2Bf"


def test_amount_is_vnd_times_100_and_back():
    assert vnpay.to_gateway_amount(16000) == 1600000
    assert vnpay.from_gateway_amount("1600000") == 16000
    assert vnpay.from_gateway_amount("1600050") is None
    assert vnpay.from_gateway_amount("mười nghìn") is None
    assert vnpay.from_gateway_amount("-100") is None


def test_dates_are_written_in_gmt7():
    moment = datetime.datetime(2026, 3, 5, 3, 15, 30, tzinfo=datetime.UTC)
    assert vnpay.format_date(moment) == "20260305101530"
    assert vnpay.parse_date("20260305101530") == moment


def test_payment_params_have_every_required_field_and_plain_order_info():
    created = datetime.datetime(2026, 3, 5, 3, 15, 30, tzinfo=datetime.UTC)
    params = vnpay.payment_params(
        tmn_code="TINHSO01",
        amount_vnd=16000,
        txn_ref="26030510153012345678",
        order_info="Thanh toán phí, lệ phí hồ sơ H22.50-260305-0001 (Đồng Tháp)",
        return_url="https://dichvucong.dongthap.gov.vn/thanh-toan/vnpay/ket-qua",
        ip_addr="113.161.7.25",
        created_at=created,
        expires_at=created + datetime.timedelta(minutes=15),
    )
    assert params["vnp_Version"] == "2.1.0"
    assert params["vnp_Command"] == "pay"
    assert params["vnp_CurrCode"] == "VND"
    assert params["vnp_Locale"] == "vn"
    assert params["vnp_Amount"] == "1600000"
    assert params["vnp_CreateDate"] == "20260305101530"
    assert params["vnp_ExpireDate"] == "20260305103030"
    assert params["vnp_OrderInfo"] == "Thanh toan phi, le phi ho so H22.50-260305-0001 Dong Thap"
    assert "vnp_BankCode" not in params


def test_ipn_answers_carry_the_spec_codes():
    assert vnpay.ipn_answer("00") == {"RspCode": "00", "Message": "Confirm Success"}
    assert {code: vnpay.ipn_answer(code)["RspCode"] for code in ("01", "02", "04", "97", "99")} == {
        "01": "01",
        "02": "02",
        "04": "04",
        "97": "97",
        "99": "99",
    }


def test_querydr_checksum_is_over_the_pipe_joined_values():
    body = {
        "vnp_RequestId": "a1b2",
        "vnp_Version": "2.1.0",
        "vnp_Command": "querydr",
        "vnp_TmnCode": "TINHSO01",
        "vnp_TxnRef": "26030510153012345678",
        "vnp_TransactionDate": "20260305101530",
        "vnp_CreateDate": "20260305110000",
        "vnp_IpAddr": "113.161.7.25",
        "vnp_OrderInfo": "Tra cuu",
    }
    data = (
        "a1b2|2.1.0|querydr|TINHSO01|26030510153012345678|20260305101530|20260305110000|113.161.7.25|Tra cuu"
    )
    expected = hmac.new(SECRET.encode(), data.encode(), hashlib.sha512).hexdigest()
    assert vnpay.pipe_hash(body, vnpay.QUERYDR_REQUEST_FIELDS, SECRET) == expected
