"""A local sandbox gateway that plays VNPAY, for the demo and the tests.

It is a faithful fake of the outside system: it has its own merchant configuration
(``settings.VNPAY_SANDBOX``: ``TMN_CODE``, ``HASH_SECRET`` and the merchant's registered
``IPN_URL``), checks every signed request as VNPAY does, keeps its own ledger
(``SandboxTransaction``), sends the IPN as a real HTTP GET and redirects the browser to the
return URL with the same signed parameters. It never reads or writes the platform's payments.

Its merchant API (``merchant_webapi/api/transaction``, JSON POST) answers VNPAY's ``querydr`` and a
sandbox ``report`` command: the list of transactions created in a period, signed like querydr,
standing in for the transaction report VNPAY gives merchants for reconciliation.
"""

import secrets
from dataclasses import dataclass

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tinhso.payments import vnpay
from tinhso.payments.models import SandboxTransaction

BANKS = {
    "NCB": "Ngân hàng TMCP Quốc Dân (NCB)",
    "VCB": "Ngân hàng TMCP Ngoại thương Việt Nam (Vietcombank)",
    "BIDV": "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam (BIDV)",
    "AGRIBANK": "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam (Agribank)",
}
IPN_TIMEOUT_SECONDS = 10

# Errors shown on the sandbox's payment page, with VNPAY's codes.
ERRORS = {
    "02": "Merchant không hợp lệ.",
    "03": "Dữ liệu gửi sang không đúng định dạng.",
    "11": "Đã hết hạn chờ thanh toán.",
    "94": "Giao dịch đã tồn tại.",
    "97": "Chữ ký không hợp lệ.",
}
REQUIRED = (
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_Amount",
    "vnp_CurrCode",
    "vnp_TxnRef",
    "vnp_OrderInfo",
    "vnp_OrderType",
    "vnp_Locale",
    "vnp_ReturnUrl",
    "vnp_IpAddr",
    "vnp_CreateDate",
)


@dataclass(frozen=True)
class Merchant:
    tmn_code: str
    hash_secret: str
    ipn_url: str


class GatewayError(Exception):
    def __init__(self, code: str):
        super().__init__(ERRORS[code])
        self.code = code


def enabled() -> bool:
    return getattr(settings, "VNPAY_SANDBOX_ENABLED", False)


def merchant() -> Merchant:
    """The one merchant registered with the sandbox: ``settings.VNPAY_SANDBOX`` (the platform's)."""
    values = {"IPN_URL": "", **settings.VNPAY_SANDBOX}
    return Merchant(values["TMN_CODE"], values["HASH_SECRET"], values["IPN_URL"])


def receive_payment_request(params, default_ipn_url: str) -> SandboxTransaction:
    """Check a signed ``pay`` request and record it in the ledger (a reload finds the same one)."""
    account = merchant()
    if params.get("vnp_TmnCode") != account.tmn_code:
        raise GatewayError("02")
    if not vnpay.verify(params, account.hash_secret):
        raise GatewayError("97")
    if any(not params.get(name) for name in REQUIRED):
        raise GatewayError("03")
    if (
        params["vnp_Version"] != vnpay.VERSION
        or params["vnp_Command"] != "pay"
        or params["vnp_CurrCode"] != "VND"
        or vnpay.from_gateway_amount(params["vnp_Amount"]) in (None, 0)
        or not params["vnp_ReturnUrl"].startswith(("http://", "https://"))
    ):
        raise GatewayError("03")
    try:
        vnpay.parse_date(params["vnp_CreateDate"])
        expires = vnpay.parse_date(params["vnp_ExpireDate"]) if params.get("vnp_ExpireDate") else None
    except ValueError:
        raise GatewayError("03") from None
    if expires is not None and expires < timezone.now():
        raise GatewayError("11")
    request_params = {key: params[key] for key in params if key.startswith("vnp_")}
    existing = SandboxTransaction.objects.filter(
        tmn_code=account.tmn_code, txn_ref=params["vnp_TxnRef"]
    ).first()
    if existing is not None:
        if existing.request_params == request_params and existing.transaction_status == vnpay.STATUS_PENDING:
            return existing
        raise GatewayError("94")
    try:
        with transaction.atomic():
            return SandboxTransaction.objects.create(
                tmn_code=account.tmn_code,
                txn_ref=params["vnp_TxnRef"],
                amount=int(params["vnp_Amount"]),
                order_info=params["vnp_OrderInfo"],
                return_url=params["vnp_ReturnUrl"],
                request_params=request_params,
                create_date=params["vnp_CreateDate"],
                expire_date=params.get("vnp_ExpireDate", ""),
                ipn_url=default_ipn_url,
            )
    except IntegrityError:
        raise GatewayError("94") from None


def _new_transaction_no() -> str:
    return str(secrets.randbelow(90_000_000) + 10_000_000)


def complete(sandbox_txn: SandboxTransaction, approve: bool, bank_code: str = "NCB") -> SandboxTransaction:
    """The customer approves or cancels at the "bank": settle the ledger entry once."""
    with transaction.atomic():
        locked = SandboxTransaction.objects.select_for_update().get(pk=sandbox_txn.pk)
        if locked.transaction_status != vnpay.STATUS_PENDING:
            raise GatewayError("94")
        now = timezone.now()
        locked.pay_date = vnpay.format_date(now)
        locked.bank_code = bank_code if bank_code in BANKS else "NCB"
        expired = locked.expire_date and vnpay.parse_date(locked.expire_date) < now
        if approve and not expired:
            locked.response_code = vnpay.RESPONSE_SUCCESS
            locked.transaction_status = vnpay.STATUS_SUCCESS
            locked.bank_tran_no = f"VNP{secrets.randbelow(10**8):08d}"
        else:
            locked.response_code = "11" if expired else vnpay.RESPONSE_CANCELLED
            locked.transaction_status = vnpay.STATUS_FAILED
        for _attempt in range(5):
            locked.transaction_no = _new_transaction_no()
            try:
                with transaction.atomic():
                    locked.save()
                break
            except IntegrityError:
                continue
        return locked


def result_params(sandbox_txn: SandboxTransaction) -> dict[str, str]:
    """The unsigned result parameters sent to the IPN URL and the return URL."""
    params = {
        "vnp_Amount": str(sandbox_txn.amount),
        "vnp_BankCode": sandbox_txn.bank_code,
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": sandbox_txn.order_info,
        "vnp_PayDate": sandbox_txn.pay_date,
        "vnp_ResponseCode": sandbox_txn.response_code,
        "vnp_TmnCode": sandbox_txn.tmn_code,
        "vnp_TransactionNo": sandbox_txn.transaction_no
        if sandbox_txn.response_code == vnpay.RESPONSE_SUCCESS
        else "0",
        "vnp_TransactionStatus": sandbox_txn.transaction_status,
        "vnp_TxnRef": sandbox_txn.txn_ref,
    }
    if sandbox_txn.bank_tran_no:
        params["vnp_BankTranNo"] = sandbox_txn.bank_tran_no
    return params


def signed_result_query(sandbox_txn: SandboxTransaction) -> str:
    return vnpay.signed_query(result_params(sandbox_txn), merchant().hash_secret)


def send_ipn(sandbox_txn: SandboxTransaction) -> dict:
    """GET the merchant's IPN URL (as registered now, else the platform the request came from)
    with the signed result; record and return its JSON answer. Calling it again is a retry."""
    url = f"{merchant().ipn_url or sandbox_txn.ipn_url}?{signed_result_query(sandbox_txn)}"
    try:
        response = requests.get(url, timeout=IPN_TIMEOUT_SECONDS)
        answer = response.json()
        if not isinstance(answer, dict):
            answer = {"error": "answer is not a JSON object"}
    except (requests.RequestException, ValueError) as exc:
        answer = {"error": exc.__class__.__name__}
    answer["at"] = vnpay.format_date(timezone.now())
    SandboxTransaction.objects.filter(pk=sandbox_txn.pk).update(ipn_answer=answer)
    sandbox_txn.ipn_answer = answer
    return answer


def return_url(sandbox_txn: SandboxTransaction) -> str:
    separator = "&" if "?" in sandbox_txn.return_url else "?"
    return f"{sandbox_txn.return_url}{separator}{signed_result_query(sandbox_txn)}"


def _api_answer(command: str, response_code: str, message: str, extra: dict | None = None) -> dict:
    answer = {
        "vnp_ResponseId": secrets.token_hex(16),
        "vnp_Command": command,
        "vnp_ResponseCode": response_code,
        "vnp_Message": message,
        "vnp_TmnCode": merchant().tmn_code,
        **(extra or {}),
    }
    return answer


def _querydr(body: dict) -> dict:
    account = merchant()
    found = SandboxTransaction.objects.filter(
        tmn_code=account.tmn_code, txn_ref=body.get("vnp_TxnRef")
    ).first()
    if found is None:
        answer = _api_answer("querydr", "91", "Không tìm thấy giao dịch yêu cầu")
        answer.update(dict.fromkeys(vnpay.QUERYDR_RESPONSE_FIELDS[5:], ""))
    else:
        answer = _api_answer(
            "querydr",
            "00",
            "QueryDR Success",
            {
                "vnp_TxnRef": found.txn_ref,
                "vnp_Amount": str(found.amount),
                "vnp_BankCode": found.bank_code,
                "vnp_PayDate": found.pay_date,
                "vnp_TransactionNo": found.transaction_no or "",
                "vnp_TransactionType": "01",
                "vnp_TransactionStatus": found.transaction_status,
                "vnp_OrderInfo": found.order_info,
                "vnp_PromotionCode": "",
                "vnp_PromotionAmount": "",
            },
        )
    answer["vnp_SecureHash"] = vnpay.pipe_hash(answer, vnpay.QUERYDR_RESPONSE_FIELDS, account.hash_secret)
    return answer


def _report(body: dict) -> dict:
    account = merchant()
    date_from, date_to = body.get("vnp_FromDate", ""), body.get("vnp_ToDate", "")
    try:
        vnpay.parse_date(date_from)
        vnpay.parse_date(date_to)
    except ValueError:
        answer = _api_answer(
            "report", "03", "Dữ liệu gửi sang không đúng định dạng", {"vnp_Transactions": []}
        )
    else:
        ledger = SandboxTransaction.objects.filter(
            tmn_code=account.tmn_code, create_date__gte=date_from, create_date__lte=date_to
        ).order_by("create_date", "pk")
        rows = [
            {
                "vnp_TxnRef": item.txn_ref,
                "vnp_Amount": str(item.amount),
                "vnp_TransactionNo": item.transaction_no or "",
                "vnp_TransactionStatus": item.transaction_status,
                "vnp_ResponseCode": item.response_code,
                "vnp_BankCode": item.bank_code,
                "vnp_CreateDate": item.create_date,
                "vnp_PayDate": item.pay_date,
            }
            for item in ledger
        ]
        answer = _api_answer("report", "00", "Report Success", {"vnp_Transactions": rows})
    answer["vnp_SecureHash"] = vnpay.report_hash(answer, account.hash_secret)
    return answer


def merchant_api(body: dict) -> dict:
    """Answer a merchant API call (``querydr`` or ``report``), checking its pipe checksum."""
    account = merchant()
    command = body.get("vnp_Command")
    fields = {"querydr": vnpay.QUERYDR_REQUEST_FIELDS, "report": vnpay.REPORT_REQUEST_FIELDS}.get(command)
    if fields is None:
        answer = _api_answer(str(command or ""), "03", "Dữ liệu gửi sang không đúng định dạng")
    elif body.get("vnp_TmnCode") != account.tmn_code:
        answer = _api_answer(command, "02", "Merchant không hợp lệ")
    elif not secrets.compare_digest(
        vnpay.pipe_hash(body, fields, account.hash_secret), str(body.get("vnp_SecureHash", "")).lower()
    ):
        answer = _api_answer(command, "97", "Chữ ký không hợp lệ")
    elif command == "querydr":
        return _querydr(body)
    else:
        return _report(body)
    answer["vnp_SecureHash"] = vnpay.pipe_hash(answer, vnpay.REPORT_RESPONSE_FIELDS, account.hash_secret)
    return answer
