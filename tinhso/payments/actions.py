"""The payment business actions: start a payment, take the gateway's IPN, read the return URL.

Only the IPN marks a payment paid: the return URL comes through the customer's browser and
only tells them what happened. Every state change is one transaction with its audit entry.
"""

import datetime
import logging
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.models import User
from tinhso.accounts.permissions import require
from tinhso.audit.services import record
from tinhso.core.net import client_ip
from tinhso.core.text import nfc
from tinhso.dossiers.actions import lock_dossier, mark_paid, owes_fees
from tinhso.dossiers.models import Dossier
from tinhso.payments import vnpay
from tinhso.payments.models import Payment, PaymentStatus, Receipt, ReceiptCounter
from tinhso.procedures.fees import FeeBreakdown, compute_fees

logger = logging.getLogger(__name__)

PAYMENT_LIFETIME = datetime.timedelta(minutes=15)


def fees_due(
    dossier: Dossier, quantities: Mapping[int, int] | None = None, options: Collection[int] | None = None
) -> FeeBreakdown:
    """The dossier's fees: per-copy quantities the e-form asked come from its answers."""
    return compute_fees(dossier.procedure, quantities, options, dossier.form_data)


def new_txn_ref() -> str:
    """``yyMMddHHmmss`` in GMT+7 and 8 random digits: unique, and readable by a cashier."""
    return f"{timezone.now().astimezone(vnpay.GMT7):%y%m%d%H%M%S}{secrets.randbelow(10**8):08d}"


def payment_url(payment: Payment, request: HttpRequest) -> str:
    """The signed redirect to the gateway for ``payment``."""
    gateway = vnpay.config()
    params = vnpay.payment_params(
        tmn_code=gateway.tmn_code,
        amount_vnd=payment.amount,
        txn_ref=payment.txn_ref,
        order_info=payment.order_info,
        return_url=request.build_absolute_uri(reverse("payments:return")),
        ip_addr=client_ip(request) or "127.0.0.1",
        created_at=payment.created_at,
        expires_at=payment.expires_at,
    )
    return vnpay.signed_url(request.build_absolute_uri(gateway.payment_url), params, gateway.hash_secret)


def start_payment(
    actor: User,
    dossier: Dossier,
    request: HttpRequest,
    quantities: Mapping[int, int] | None = None,
    options: Collection[int] | None = None,
) -> tuple[Payment, str]:
    """The applicant starts paying the dossier's fees: a new Payment and the gateway URL to go to.

    Earlier unfinished attempts are marked expired or cancelled (an IPN that still comes for one
    of them is honoured: the money was taken)."""
    require(actor, "payments.start", dossier)
    with transaction.atomic():
        dossier = lock_dossier(dossier)
        if not owes_fees(dossier):
            raise ValidationError(_("This dossier has no fees to pay now."), code="nothing_due")
        fees = fees_due(dossier, quantities, options)
        if fees.total <= 0:
            raise ValidationError(_("This dossier has no fees to pay now."), code="nothing_due")
        now = timezone.now()
        unfinished = Payment.objects.filter(dossier=dossier, status=PaymentStatus.PENDING)
        unfinished.filter(expires_at__lt=now).update(status=PaymentStatus.EXPIRED)
        unfinished.update(status=PaymentStatus.CANCELLED)
        payment = Payment.objects.create(
            dossier=dossier,
            payer=actor,
            amount=fees.total,
            items=fees.as_items(),
            txn_ref=new_txn_ref(),
            order_info=vnpay.clean_order_info(f"Thanh toan phi le phi ho so {dossier.display_code}"),
            expires_at=now + PAYMENT_LIFETIME,
        )
        record(
            actor,
            "payments.start",
            payment,
            {"dossier": dossier.display_code, "amount": payment.amount, "txn_ref": payment.txn_ref},
            request=request,
        )
    return payment, payment_url(payment, request)


def _issue_receipt(payment: Payment, issued_at: datetime.datetime) -> Receipt:
    """Take the year's next number (the counter row is locked until commit) and issue the receipt."""
    year = timezone.localtime(issued_at).year
    counter, _created = ReceiptCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    dossier = payment.dossier
    return Receipt.objects.create(
        payment=payment,
        year=year,
        sequence=counter.last,
        number=f"{year}-{counter.last:06d}",
        payer=payment.payer,
        payer_name=nfc(dossier.applicant_name) or nfc(payment.payer.full_name),
        dossier_code=dossier.display_code,
        collector=dossier.receiving_agency.name,
        items=payment.items,
        total=payment.amount,
        issued_at=issued_at,
    )


def _paid_at(params: Mapping[str, str]) -> datetime.datetime:
    try:
        return vnpay.parse_date(params.get("vnp_PayDate", ""))
    except ValueError:
        return timezone.now()


def handle_ipn(params: Mapping[str, str]) -> dict[str, str]:
    """Take the gateway's IPN and give the answer it expects (``{"RspCode", "Message"}``).

    97 bad signature; 01 unknown transaction; 04 amount differs; 02 an IPN for this transaction
    was already taken (a replay changes nothing); otherwise 00, having recorded the result: on
    success the payment is paid, its receipt issued and the dossier told. Concurrent IPNs for one
    transaction queue on the payment row, so exactly one of them does the work.
    """
    gateway = vnpay.config()
    if not vnpay.verify(params, gateway.hash_secret):
        return vnpay.ipn_answer(vnpay.RspCode.INVALID_SIGNATURE)
    try:
        with transaction.atomic():
            found = Payment.objects.filter(txn_ref=params.get("vnp_TxnRef", "")).only("dossier_id").first()
            if found is None or params.get("vnp_TmnCode") != gateway.tmn_code:
                return vnpay.ipn_answer(vnpay.RspCode.ORDER_NOT_FOUND)
            # Dossier first, then payment: the order start_payment takes them in, so no deadlock.
            lock_dossier(found.dossier)
            payment = (
                Payment.objects.select_for_update(of=("self",))
                .select_related("dossier__receiving_agency", "payer")
                .get(pk=found.pk)
            )
            if vnpay.from_gateway_amount(params.get("vnp_Amount", "")) != payment.amount:
                return vnpay.ipn_answer(vnpay.RspCode.INVALID_AMOUNT)
            if payment.ipn_received_at is not None:
                return vnpay.ipn_answer(vnpay.RspCode.ALREADY_CONFIRMED)
            _record_result(payment, params)
        return vnpay.ipn_answer(vnpay.RspCode.CONFIRMED)
    except Exception:
        logger.exception("IPN for %s could not be recorded", params.get("vnp_TxnRef"))
        return vnpay.ipn_answer(vnpay.RspCode.UNKNOWN_ERROR)


def _record_result(payment: Payment, params: Mapping[str, str]) -> None:
    now = timezone.now()
    old_status = payment.status
    succeeded = (
        params.get("vnp_ResponseCode") == vnpay.RESPONSE_SUCCESS
        and params.get("vnp_TransactionStatus") == vnpay.STATUS_SUCCESS
    )
    payment.ipn_received_at = now
    payment.ipn_params = {key: params[key] for key in params if key.startswith("vnp_")}
    payment.response_code = params.get("vnp_ResponseCode", "")[:2]
    payment.bank_code = params.get("vnp_BankCode", "")[:20]
    payment.bank_transaction_no = params.get("vnp_BankTranNo", "")[:255]
    payment.gateway_transaction_no = params.get("vnp_TransactionNo", "")[:20]
    if succeeded:
        payment.status = PaymentStatus.PAID
        payment.paid_at = _paid_at(params)
    elif params.get("vnp_ResponseCode") == vnpay.RESPONSE_CANCELLED:
        payment.status = PaymentStatus.CANCELLED
    else:
        payment.status = PaymentStatus.FAILED
    payment.save()
    changes = {
        "status": [old_status, payment.status],
        "response_code": payment.response_code,
        "gateway_transaction_no": payment.gateway_transaction_no,
    }
    if succeeded:
        receipt = _issue_receipt(payment, now)
        changes["receipt"] = receipt.number
    record(None, "payments.ipn", payment, changes)
    if succeeded:
        mark_paid(
            None,
            payment.dossier,
            note=_("Fees paid online, receipt %(number)s.") % {"number": receipt.number},
        )


@dataclass(frozen=True)
class ReturnResult:
    """What the return page shows. ``payment`` is None when the signature or reference is bad."""

    valid: bool
    payment: Payment | None
    gateway_succeeded: bool
    response_code: str

    @property
    def confirmed(self) -> bool:
        return self.payment is not None and self.payment.ipn_received_at is not None

    @property
    def waiting(self) -> bool:
        """The gateway says paid, the IPN has not come yet: "đang chờ xác nhận"."""
        return self.gateway_succeeded and not self.confirmed


def handle_return(params: Mapping[str, str]) -> ReturnResult:
    """Read the signed parameters of the return URL; change nothing."""
    if not vnpay.verify(params, vnpay.config().hash_secret):
        return ReturnResult(False, None, False, "")
    payment = (
        Payment.objects.select_related("dossier", "receipt")
        .filter(txn_ref=params.get("vnp_TxnRef", ""))
        .first()
    )
    succeeded = (
        params.get("vnp_ResponseCode") == vnpay.RESPONSE_SUCCESS
        and params.get("vnp_TransactionStatus") == vnpay.STATUS_SUCCESS
    )
    return ReturnResult(payment is not None, payment, succeeded, params.get("vnp_ResponseCode", ""))
