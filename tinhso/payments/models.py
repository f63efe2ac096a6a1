"""Payments of fees for dossiers, their electronic receipts, and the sandbox gateway's own ledger.

``Payment`` and ``Receipt`` are the platform's records. ``SandboxTransaction`` belongs to the
local sandbox gateway (``tinhso.payments.sandbox``), which plays the part of VNPAY: the platform's
code never reads or writes it, and the sandbox never touches ``Payment``.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the gateway")
    PAID = "paid", _("paid")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")
    EXPIRED = "expired", _("expired")


class Payment(models.Model):
    """One attempt to pay a dossier's fees through the gateway (one ``vnp_TxnRef``)."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", verbose_name=_("dossier"), on_delete=models.PROTECT, related_name="payments"
    )
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("payer"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    amount = models.BigIntegerField(_("amount (VND)"))
    items = models.JSONField(_("fee lines"), default=list)
    txn_ref = models.CharField(_("transaction reference"), max_length=40, unique=True)
    order_info = models.CharField(_("order information"), max_length=255)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PaymentStatus.choices,
        default=PaymentStatus.PENDING,
        db_index=True,
    )
    gateway = models.CharField(_("gateway"), max_length=20, default="vnpay")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(_("expires at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    bank_code = models.CharField(_("bank code"), max_length=20, blank=True)
    bank_transaction_no = models.CharField(_("bank transaction number"), max_length=255, blank=True)
    gateway_transaction_no = models.CharField(_("gateway transaction number"), max_length=20, blank=True)
    response_code = models.CharField(_("response code"), max_length=2, blank=True)
    ipn_params = models.JSONField(_("IPN parameters"), default=dict, blank=True)
    ipn_received_at = models.DateTimeField(_("IPN received at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="paid", paid_at__isnull=False) | ~Q(status="paid"),
                name="payments_payment_paid_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.txn_ref

    @property
    def is_paid(self) -> bool:
        return self.status == PaymentStatus.PAID


class Receipt(models.Model):
    """The electronic receipt (biên lai điện tử) of a paid payment; numbered per year from 1."""

    payment = models.OneToOneField(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="receipt"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence in the year"))
    number = models.CharField(_("number"), max_length=20, unique=True)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("payer"), on_delete=models.PROTECT, related_name="receipts"
    )
    payer_name = models.CharField(_("payer's name"), max_length=255)
    dossier_code = models.CharField(_("dossier code"), max_length=60)
    collector = models.CharField(_("collecting agency"), max_length=255, blank=True)
    items = models.JSONField(_("fee lines"), default=list)
    total = models.BigIntegerField(_("total (VND)"))
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="payments_receipt_number_per_year"),
        ]

    def __str__(self) -> str:
        return self.number


class ReceiptCounter(models.Model):
    """The last receipt sequence issued in a year; its row is locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("receipt counter")
        verbose_name_plural = _("receipt counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


def new_sandbox_token() -> str:
    return secrets.token_urlsafe(24)


class SandboxTransaction(models.Model):
    """The sandbox gateway's ledger: what "VNPAY" knows about each payment request it received."""

    token = models.CharField(max_length=40, unique=True, default=new_sandbox_token, editable=False)
    tmn_code = models.CharField(max_length=20)
    txn_ref = models.CharField(max_length=100)
    amount = models.BigIntegerField(help_text="vnp_Amount as received: VND × 100.")
    order_info = models.CharField(max_length=255)
    return_url = models.URLField(max_length=1000)
    request_params = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    create_date = models.CharField(max_length=14, help_text="vnp_CreateDate as received.")
    expire_date = models.CharField(max_length=14, blank=True)
    transaction_no = models.CharField(max_length=20, unique=True, null=True, blank=True)
    bank_code = models.CharField(max_length=20, blank=True)
    bank_tran_no = models.CharField(max_length=255, blank=True)
    response_code = models.CharField(max_length=2, blank=True)
    transaction_status = models.CharField(max_length=2, default="01")
    pay_date = models.CharField(max_length=14, blank=True)
    ipn_url = models.URLField(max_length=1000, blank=True)
    ipn_answer = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "sandbox transaction"
        verbose_name_plural = "sandbox transactions"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tmn_code", "txn_ref"], name="payments_sandbox_txn_ref_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.tmn_code}/{self.txn_ref}"
