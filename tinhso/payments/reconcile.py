"""Reconciliation: our payments against the gateway's transaction list for a period.

The gateway's list comes from its merchant API (the sandbox's signed ``report`` command, see
``tinhso.payments.vnpay``), over HTTP like any outside system, and its checksum is verified.
"""

import datetime
import secrets
from dataclasses import dataclass, field

import requests
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.payments import vnpay
from tinhso.payments.models import Payment, PaymentStatus

TIMEOUT_SECONDS = 30


class ReconciliationError(Exception):
    """The gateway could not be asked, or its answer cannot be trusted."""


class Kind:
    PAID_AT_GATEWAY_ONLY = "paid_at_gateway_only"
    AMOUNT_DIFFERS = "amount_differs"
    UNKNOWN_TO_GATEWAY = "unknown_to_gateway"
    NOT_PAID_AT_GATEWAY = "not_paid_at_gateway"

    LABELS = {
        PAID_AT_GATEWAY_ONLY: gettext_lazy("Paid at the gateway but not recorded as paid here"),
        AMOUNT_DIFFERS: gettext_lazy("The amounts differ"),
        UNKNOWN_TO_GATEWAY: gettext_lazy("Paid here but unknown to the gateway"),
        NOT_PAID_AT_GATEWAY: gettext_lazy("Paid here but not paid at the gateway"),
    }


@dataclass(frozen=True)
class Mismatch:
    kind: str
    txn_ref: str
    our_amount: int | None
    gateway_amount: int | None
    our_status: str
    gateway_status: str
    dossier_code: str

    @property
    def label(self) -> str:
        return str(Kind.LABELS[self.kind])


@dataclass
class Report:
    date_from: datetime.date
    date_to: datetime.date
    matched: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)


def fetch_gateway_transactions(date_from: datetime.date, date_to: datetime.date, api_url: str) -> list[dict]:
    """The gateway's transactions created in the period (GMT+7 days), checksum verified."""
    gateway = vnpay.config()
    start, end = vnpay.day_bounds(date_from, date_to)
    body = {
        "vnp_RequestId": secrets.token_hex(16),
        "vnp_Version": vnpay.VERSION,
        "vnp_Command": "report",
        "vnp_TmnCode": gateway.tmn_code,
        "vnp_FromDate": start,
        "vnp_ToDate": end,
        "vnp_CreateDate": vnpay.format_date(timezone.now()),
        "vnp_IpAddr": "127.0.0.1",
    }
    body["vnp_SecureHash"] = vnpay.pipe_hash(body, vnpay.REPORT_REQUEST_FIELDS, gateway.hash_secret)
    try:
        response = requests.post(api_url, json=body, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        answer = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ReconciliationError(_("The payment gateway could not be reached.")) from exc
    if not isinstance(answer, dict) or not secrets.compare_digest(
        vnpay.report_hash(answer, gateway.hash_secret), str(answer.get("vnp_SecureHash", "")).lower()
    ):
        raise ReconciliationError(_("The payment gateway's answer has an invalid signature."))
    if answer.get("vnp_ResponseCode") != "00":
        raise ReconciliationError(
            _("The payment gateway refused the request (code %(code)s).")
            % {"code": answer.get("vnp_ResponseCode")}
        )
    return answer.get("vnp_Transactions", [])


def reconcile(
    date_from: datetime.date,
    date_to: datetime.date,
    api_url: str | None = None,
    agency_ids: set[int] | None = None,
) -> Report:
    """Compare our payments created from ``date_from`` to ``date_to`` (local days) with the gateway's.

    ``agency_ids`` limits the report to dossiers received by those agencies (an agency leader's
    view); transactions we do not know at all are then left out, as no agency can be told.
    """
    if date_to < date_from:
        raise ReconciliationError(_("The end date cannot be before the start date."))
    gateway_rows = fetch_gateway_transactions(date_from, date_to, api_url or vnpay.config().api_url)
    gateway = {row.get("vnp_TxnRef", ""): row for row in gateway_rows}
    start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=vnpay.GMT7)
    end = datetime.datetime.combine(
        date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=vnpay.GMT7
    )
    in_period = Q(created_at__gte=start, created_at__lt=end)
    ours = Payment.objects.select_related("dossier").filter(in_period | Q(txn_ref__in=list(gateway)))
    if agency_ids is not None:
        ours = ours.filter(dossier__receiving_agency_id__in=agency_ids)
    report = Report(date_from, date_to)
    known = set()
    for payment in ours.order_by("created_at", "pk"):
        known.add(payment.txn_ref)
        row = gateway.get(payment.txn_ref)
        kind = _compare(payment, row)
        if kind is None:
            report.matched += 1
            continue
        report.mismatches.append(
            Mismatch(
                kind=kind,
                txn_ref=payment.txn_ref,
                our_amount=payment.amount,
                gateway_amount=vnpay.from_gateway_amount(row["vnp_Amount"]) if row else None,
                our_status=payment.status,
                gateway_status=row.get("vnp_TransactionStatus", "") if row else "",
                dossier_code=payment.dossier.display_code,
            )
        )
    if agency_ids is None:
        for txn_ref, row in gateway.items():
            if txn_ref not in known and row.get("vnp_TransactionStatus") == vnpay.STATUS_SUCCESS:
                report.mismatches.append(
                    Mismatch(
                        kind=Kind.PAID_AT_GATEWAY_ONLY,
                        txn_ref=txn_ref,
                        our_amount=None,
                        gateway_amount=vnpay.from_gateway_amount(row.get("vnp_Amount")),
                        our_status="",
                        gateway_status=row.get("vnp_TransactionStatus", ""),
                        dossier_code="",
                    )
                )
    return report


def _compare(payment: Payment, row: dict | None) -> str | None:
    paid_here = payment.status == PaymentStatus.PAID
    if row is None:
        return Kind.UNKNOWN_TO_GATEWAY if paid_here else None
    if vnpay.from_gateway_amount(row.get("vnp_Amount")) != payment.amount:
        return Kind.AMOUNT_DIFFERS
    paid_there = row.get("vnp_TransactionStatus") == vnpay.STATUS_SUCCESS
    if paid_there and not paid_here:
        return Kind.PAID_AT_GATEWAY_ONLY
    if paid_here and not paid_there:
        return Kind.NOT_PAID_AT_GATEWAY
    return None
