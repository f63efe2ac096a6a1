"""The VNPAY payment gateway protocol, version 2.1.0, as a small library (no database, no Django views).

What the protocol says (VNPAY's integration guide, sandbox.vnpayment.vn/apis/docs, pages
"thanh-toan-pay/pay.html" and "chuyen-doi-thuat-toan/changeTypeHash.html", and the reference
implementations VNPAY publishes for PHP, Java, Node.js and Python):

* **Payment URL** (browser redirect, GET): ``vnp_Version`` = 2.1.0, ``vnp_Command`` = pay,
  ``vnp_TmnCode`` (the merchant's 8-character terminal code), ``vnp_Amount`` = amount in VND × 100
  (10.000 đ is sent as 1000000), ``vnp_CurrCode`` = VND, ``vnp_TxnRef`` (unique per merchant and
  day), ``vnp_OrderInfo`` (Vietnamese *without* diacritics and without special characters),
  ``vnp_OrderType``, ``vnp_Locale`` = vn, ``vnp_ReturnUrl``, ``vnp_IpAddr``, ``vnp_CreateDate`` and
  ``vnp_ExpireDate`` as ``yyyyMMddHHmmss`` in GMT+7, optional ``vnp_BankCode``.
* **Signature**: the ``vnp_*`` parameters, without ``vnp_SecureHash`` and ``vnp_SecureHashType``
  (2.1.0 no longer sends ``vnp_SecureHashType``), sorted by name, each written ``name=value`` with
  the value URL-encoded *form-style* (space → ``+``: PHP ``urlencode``, Java ``URLEncoder``, and
  ``urllib.parse.quote_plus`` in VNPAY's Python sample; not ``quote``, which writes ``%20``), joined
  with ``&``; ``vnp_SecureHash`` = lower-case hex HMAC-SHA512 of that UTF-8 string keyed with the
  hash secret. The same string, plus ``&vnp_SecureHash=…``, is the URL's query string. The
  samples disagree only on ``~`` and ``*``, which ``clean_order_info`` never lets through.
* **Return URL and IPN**: VNPAY sends the result signed the same way (``vnp_Amount``,
  ``vnp_BankCode``, ``vnp_BankTranNo``, ``vnp_CardType``, ``vnp_OrderInfo``, ``vnp_PayDate``,
  ``vnp_ResponseCode``, ``vnp_TmnCode``, ``vnp_TransactionNo``, ``vnp_TransactionStatus``,
  ``vnp_TxnRef``). The return URL only informs the customer; the IPN (a server-to-server GET to
  the URL the merchant registered with VNPAY) is the one that updates the order, and is answered
  with JSON ``{"RspCode", "Message"}``: 00 confirmed, 01 order not found, 02 order already
  confirmed, 04 invalid amount, 97 invalid signature, 99 unknown error. VNPAY retries an IPN
  that did not get 00 or 02.
* **Query (querydr)**: a JSON POST to the merchant API signed over the *pipe-joined* values
  ``vnp_RequestId|vnp_Version|vnp_Command|vnp_TmnCode|vnp_TxnRef|vnp_TransactionDate|
  vnp_CreateDate|vnp_IpAddr|vnp_OrderInfo``; the answer is signed over ``vnp_ResponseId|
  vnp_Command|vnp_ResponseCode|vnp_Message|vnp_TmnCode|vnp_TxnRef|vnp_Amount|vnp_BankCode|
  vnp_PayDate|vnp_TransactionNo|vnp_TransactionType|vnp_TransactionStatus|vnp_OrderInfo|
  vnp_PromotionCode|vnp_PromotionAmount``.
* VNPAY gives merchants their transaction list for reconciliation as a report in its merchant
  portal, not through a documented API; the sandbox offers it as a ``report`` command of the
  same merchant API, signed the same way (``REPORT_*`` below): a real deployment reconciles
  with querydr per transaction or an imported report instead.
"""

import datetime
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote_plus

from django.conf import settings

from tinhso.core.text import nfc

VERSION = "2.1.0"
GMT7 = datetime.timezone(datetime.timedelta(hours=7), "GMT+7")
DATE_FORMAT = "%Y%m%d%H%M%S"
HASH_FIELDS = ("vnp_SecureHash", "vnp_SecureHashType")

QUERYDR_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERYDR_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)
# The sandbox's transaction report (see ``tinhso.payments.sandbox``), signed like querydr.
REPORT_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_FromDate",
    "vnp_ToDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
)
REPORT_RESPONSE_FIELDS = ("vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode")
REPORT_ROW_FIELDS = ("vnp_TxnRef", "vnp_Amount", "vnp_TransactionNo", "vnp_TransactionStatus", "vnp_PayDate")


class RspCode:
    """The IPN answer codes and the messages VNPAY's samples send with them."""

    CONFIRMED = "00"
    ORDER_NOT_FOUND = "01"
    ALREADY_CONFIRMED = "02"
    INVALID_AMOUNT = "04"
    INVALID_SIGNATURE = "97"
    UNKNOWN_ERROR = "99"

    MESSAGES = {
        "00": "Confirm Success",
        "01": "Order not found",
        "02": "Order already confirmed",
        "04": "Invalid amount",
        "97": "Invalid signature",
        "99": "Unknown error",
    }


def ipn_answer(code: str) -> dict[str, str]:
    return {"RspCode": code, "Message": RspCode.MESSAGES[code]}


# Transaction results (vnp_ResponseCode on the return URL and IPN).
RESPONSE_SUCCESS = "00"
RESPONSE_CANCELLED = "24"
# vnp_TransactionStatus: 00 paid, 01 not finished, 02 failed or cancelled.
STATUS_SUCCESS = "00"
STATUS_PENDING = "01"
STATUS_FAILED = "02"


@dataclass(frozen=True)
class Config:
    tmn_code: str
    hash_secret: str
    payment_url: str
    api_url: str


def config() -> Config:
    """The merchant's connection to the gateway: ``settings.VNPAY`` (the demo's is the local sandbox)."""
    values = settings.VNPAY
    return Config(
        tmn_code=values["TMN_CODE"],
        hash_secret=values["HASH_SECRET"],
        payment_url=values["PAYMENT_URL"],
        api_url=values["API_URL"],
    )


def format_date(moment: datetime.datetime) -> str:
    """``yyyyMMddHHmmss`` in GMT+7."""
    return moment.astimezone(GMT7).strftime(DATE_FORMAT)


def parse_date(text: str) -> datetime.datetime:
    """An aware datetime from ``yyyyMMddHHmmss`` in GMT+7; ValueError when malformed."""
    return datetime.datetime.strptime(text, DATE_FORMAT).replace(tzinfo=GMT7)


def to_gateway_amount(amount_vnd: int) -> int:
    return int(amount_vnd) * 100


def from_gateway_amount(value: str | int) -> int | None:
    """VND from ``vnp_Amount``; None when it is not a whole number of đồng."""
    try:
        hundredths = int(value)
    except (TypeError, ValueError):
        return None
    if hundredths < 0 or hundredths % 100:
        return None
    return hundredths // 100


_ORDER_INFO_ALLOWED = re.compile(r"[^A-Za-z0-9 .,:/\-_]")


def clean_order_info(text: str, limit: int = 255) -> str:
    """Order info as VNPAY wants it: no diacritics (case kept, đ → d), no special characters."""
    decomposed = unicodedata.normalize("NFD", nfc(text).replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _ORDER_INFO_ALLOWED.sub("", plain).strip()[:limit]


def hash_data(params: Mapping[str, object]) -> str:
    """The string that is signed: sorted ``vnp_*`` parameters, values form-encoded."""
    items = sorted(
        (key, str(value))
        for key, value in params.items()
        if key.startswith("vnp_") and key not in HASH_FIELDS and value is not None
    )
    return "&".join(f"{key}={quote_plus(value)}" for key, value in items)


def hmac_sha512(secret: str, data: str) -> str:
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def sign(params: Mapping[str, object], secret: str) -> str:
    return hmac_sha512(secret, hash_data(params))


def signed_query(params: Mapping[str, object], secret: str) -> str:
    """The query string of a signed request: the signed data then ``vnp_SecureHash``."""
    data = hash_data(params)
    return f"{data}&vnp_SecureHash={hmac_sha512(secret, data)}"


def signed_url(base_url: str, params: Mapping[str, object], secret: str) -> str:
    separator = "&" if "?" in base_url else "?"
    return f"{base_url}{separator}{signed_query(params, secret)}"


def verify(params: Mapping[str, str], secret: str) -> bool:
    """Whether ``vnp_SecureHash`` in ``params`` (a dict or a QueryDict) signs the other ``vnp_*`` ones."""
    received = params.get("vnp_SecureHash") or ""
    if not received:
        return False
    expected = sign(params, secret)
    return hmac.compare_digest(expected, received.lower())


def payment_params(
    *,
    tmn_code: str,
    amount_vnd: int,
    txn_ref: str,
    order_info: str,
    return_url: str,
    ip_addr: str,
    created_at: datetime.datetime,
    expires_at: datetime.datetime,
    order_type: str = "other",
    locale: str = "vn",
    bank_code: str = "",
) -> dict[str, str]:
    """The unsigned ``vnp_*`` parameters of a payment request."""
    params = {
        "vnp_Version": VERSION,
        "vnp_Command": "pay",
        "vnp_TmnCode": tmn_code,
        "vnp_Amount": str(to_gateway_amount(amount_vnd)),
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": txn_ref,
        "vnp_OrderInfo": clean_order_info(order_info),
        "vnp_OrderType": order_type,
        "vnp_Locale": locale,
        "vnp_ReturnUrl": return_url,
        "vnp_IpAddr": ip_addr,
        "vnp_CreateDate": format_date(created_at),
        "vnp_ExpireDate": format_date(expires_at),
    }
    if bank_code:
        params["vnp_BankCode"] = bank_code
    return params


def pipe_hash(values: Mapping[str, object], fields: tuple[str, ...], secret: str) -> str:
    """HMAC-SHA512 over the values of ``fields`` joined with ``|`` (the merchant API's checksum)."""
    data = "|".join("" if values.get(name) is None else str(values.get(name)) for name in fields)
    return hmac_sha512(secret, data)


def report_hash(answer: Mapping[str, object], secret: str) -> str:
    """Checksum of a report answer: its header fields, then one ``a,b,c`` group per transaction."""
    rows = ";".join(
        ",".join(str(row.get(name, "")) for name in REPORT_ROW_FIELDS)
        for row in answer.get("vnp_Transactions", [])
    )
    header = "|".join(str(answer.get(name, "")) for name in REPORT_RESPONSE_FIELDS)
    return hmac_sha512(secret, f"{header}|{rows}")


def day_bounds(date_from: datetime.date, date_to: datetime.date) -> tuple[str, str]:
    """``vnp_FromDate``/``vnp_ToDate`` covering whole days in GMT+7."""
    return f"{date_from:%Y%m%d}000000", f"{date_to:%Y%m%d}235959"
