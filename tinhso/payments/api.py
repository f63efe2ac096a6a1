"""Payments API: ``/api/v1/payments/`` (bearer token). Starting a payment returns the gateway URL
to open in a browser; the result arrives through the gateway's IPN, never through this API."""

import datetime

from django.http import Http404
from ninja import Field, Router, Schema
from ninja.responses import Status

from tinhso.accounts.permissions import can
from tinhso.core.api import ApiRequest
from tinhso.dossiers.models import Dossier, by_display_code
from tinhso.payments.actions import start_payment
from tinhso.payments.models import Payment, PaymentStatus

router = Router(tags=["payments"])


class PaymentStart(Schema):
    dossier_code: str = Field(
        description="The dossier code, e.g. H22.50-260305-0001, or before reception the submission "
        "reference, e.g. 7KQ4-M2XD-9TBA."
    )
    quantities: dict[int, int] = Field(default_factory=dict, description="Fee id → quantity (per-unit fees).")
    options: list[int] = Field(default_factory=list, description="Ids of the case-dependent fees that apply.")


class FeeLineOut(Schema):
    name: str
    unit_amount: int
    quantity: int
    unit: str
    amount: int


class PaymentOut(Schema):
    txn_ref: str
    dossier_code: str
    amount: int = Field(description="VND.")
    items: list[FeeLineOut]
    status: PaymentStatus
    created_at: datetime.datetime
    expires_at: datetime.datetime
    paid_at: datetime.datetime | None
    receipt_number: str | None

    @staticmethod
    def resolve_dossier_code(payment: Payment) -> str:
        return payment.dossier.display_code

    @staticmethod
    def resolve_receipt_number(payment: Payment) -> str | None:
        receipt = getattr(payment, "receipt", None)
        return receipt.number if receipt else None


class PaymentStarted(PaymentOut):
    redirect_url: str = Field(description="Open this URL in the payer's browser to pay at the gateway.")


@router.post("/", response={201: PaymentStarted}, summary="Start paying a dossier's fees")
def create_payment(request: ApiRequest, payload: PaymentStart) -> Status[Payment]:
    dossier = Dossier.objects.filter(by_display_code(payload.dossier_code), is_draft=False).first()
    if dossier is None or not can(request.auth, "payments.start", dossier):
        raise Http404
    payment, url = start_payment(
        request.auth, dossier, request, quantities=payload.quantities, options=payload.options
    )
    payment.redirect_url = url
    return Status(201, payment)


@router.get("/{txn_ref}", response=PaymentOut, summary="A payment and its status")
def get_payment(request: ApiRequest, txn_ref: str) -> Payment:
    payment = Payment.objects.select_related("dossier").filter(txn_ref=txn_ref).first()
    if payment is None or not can(request.auth, "payments.view", payment):
        raise Http404
    return payment
