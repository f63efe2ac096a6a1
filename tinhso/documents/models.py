"""Official documents (Decree 30/2020/NĐ-CP): outgoing documents from draft to issued and sent,
the incoming register, their exchange between agencies as edXML packages (QCVN 102:2016/BTTTT),
and the events that make both sides' timelines.

Numbers come from ``SeriesCounter`` (``tinhso.documents.numbering``); packages travel through the
``Package`` outbox (``tinhso.documents.exchange``); every state change writes a ``DocumentEvent``
in the same transaction.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tinhso.core.text import fold
from tinhso.documents import doctypes


def _fold_for_search(
    document: "OutgoingDocument | IncomingDocument", save_kwargs: dict[str, Any], *names: str
) -> None:
    """Keep ``search_folded``, the accent-folded text of every field searched and of the file,
    in step with every save (``tinhso.documents.search``)."""
    document.search_folded = fold(" ".join(str(getattr(document, name) or "") for name in names))
    if save_kwargs.get("update_fields") is not None:
        save_kwargs["update_fields"] = {*save_kwargs["update_fields"], "search_folded"}


class Urgency(models.IntegerChoices):
    """Art. 8(3)(b), Appendix I; the edXML ``Priority`` values (0–3)."""

    NORMAL = 0, _("Normal")
    URGENT = 1, _("Urgent (Khẩn)")
    VERY_URGENT = 2, _("Very urgent (Thượng khẩn)")
    FLASH = 3, _("Flash (Hỏa tốc)")


class Secrecy(models.IntegerChoices):
    """Secrecy marks under the Law on Protection of State Secrets 2018 (Appendix I)."""

    NONE = 0, _("Not secret")
    CONFIDENTIAL = 1, _("Confidential (Mật)")
    SECRET = 2, _("Secret (Tối mật)")
    TOP_SECRET = 3, _("Top secret (Tuyệt mật)")


class SeriesMode(models.TextChoices):
    COMMON = "common", _("one series for all types")
    PER_TYPE = "per_type", _("one series per document type")


class RegisterSettings(models.Model):
    """How an agency numbers its outgoing documents: the agency head decides (Art. 15(1))."""

    agency = models.OneToOneField(
        "agencies.Agency",
        on_delete=models.CASCADE,
        related_name="document_settings",
        verbose_name=_("agency"),
    )
    series_mode = models.CharField(
        _("numbering series"), max_length=10, choices=SeriesMode.choices, default=SeriesMode.COMMON
    )

    class Meta:
        verbose_name = _("document register settings")
        verbose_name_plural = _("document register settings")

    def __str__(self) -> str:
        return f"{self.agency_id}: {self.series_mode}"


class SeriesCounter(models.Model):
    """The last number given in one series of an agency in a calendar year."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    series = models.CharField(max_length=40)
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "series"], name="documents_series_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.year}/{self.series}: {self.value}"


class OutgoingDocument(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("document", "Draft")
        ISSUED = "issued", _("Issued")

    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="outgoing_documents",
        verbose_name=_("agency"),
    )
    type_code = models.CharField(_("document type"), max_length=20, choices=doctypes.CHOICES)
    unit_symbol = models.CharField(
        _("drafting unit abbreviation"),
        max_length=20,
        blank=True,
        help_text=_("For a letter (công văn): the abbreviation of the drafting unit, e.g. VP."),
    )
    subject = models.CharField(pgettext_lazy("document", "subject"), max_length=500)
    content = models.TextField(_("summary of the content"), blank=True)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices, default=Urgency.NORMAL)
    secrecy = models.PositiveSmallIntegerField(_("secrecy"), choices=Secrecy.choices, default=Secrecy.NONE)
    signer_competence = models.CharField(_("signing authority"), max_length=10, blank=True)
    signer_position = models.CharField(_("signer's position"), max_length=100, blank=True)
    signer_name = models.CharField(_("signer's name"), max_length=50, blank=True)
    due_date = models.DateField(_("reply due by"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="van-ban/di/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    state = models.CharField(
        pgettext_lazy("document", "state"), max_length=10, choices=State.choices, default=State.DRAFT
    )
    series = models.CharField(max_length=40, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    symbol = models.CharField(_("symbol"), max_length=30, blank=True)
    issued_at = models.DateTimeField(pgettext_lazy("document", "issued at"), null=True, blank=True)
    document_id = models.CharField(_("document identifier"), max_length=100, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("drafted by")
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    text = models.TextField(_("text of the file"), blank=True, editable=False)
    search_folded = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("outgoing document")
        verbose_name_plural = _("outgoing documents")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "series", "number"],
                condition=Q(number__isnull=False),
                name="documents_outgoing_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or self.subject

    def save(self, *args: Any, **kwargs: Any) -> None:
        _fold_for_search(
            self, kwargs, "reference", "subject", "content", "signer_name", "signer_position", "text"
        )
        super().save(*args, **kwargs)

    @property
    def doc_type(self) -> doctypes.DocumentType:
        return doctypes.BY_CODE[self.type_code]

    @property
    def reference(self) -> str:
        """ "15/QĐ-UBND" once numbered (Appendix I, I.3: leading zero below 10)."""
        return f"{self.number:02d}/{self.symbol}" if self.number else ""


class Delivery(models.Model):
    """One recipient agency of a sent outgoing document: the package's transport state and the
    latest business status (edXML status codes) the recipient reported."""

    class Transport(models.TextChoices):
        QUEUED = "queued", _("queued")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed, will retry")
        DEAD = "dead", _("undeliverable")

    document = models.ForeignKey(OutgoingDocument, on_delete=models.PROTECT, related_name="deliveries")
    recipient = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("recipient")
    )
    transport = models.CharField(
        _("transport"), max_length=10, choices=Transport.choices, default=Transport.QUEUED
    )
    business_status = models.CharField(_("status at the recipient"), max_length=2, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["document", "recipient"], name="documents_delivery_unique")
        ]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.recipient_id}"


class Package(models.Model):
    """The exchange outbox: one edXML package to hand to a recipient, tried by the task worker
    with back-off until delivered or given up (the dead-letter list)."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", pgettext_lazy("package", "document")
        STATUS = "status", _("status")

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        DEAD = "dead", _("undeliverable")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="packages")
    to_code = models.CharField(max_length=35)
    xml = models.BinaryField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(state="pending"), name="documents_package_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_code} ({self.state})"


class IncomingDocument(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be registered")
        REGISTERED = "registered", _("Registered")
        REFUSED = "refused", _("Returned to the sender")
        ASSIGNED = "assigned", _("Assigned")
        DONE = "done", _("Handled")

    class Source(models.TextChoices):
        EXCHANGE = "exchange", _("electronic exchange")
        PAPER = "paper", _("paper")

    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="incoming_documents",
        verbose_name=_("agency"),
    )
    source = models.CharField(_("received by"), max_length=10, choices=Source.choices)
    delivery = models.OneToOneField(
        Delivery, on_delete=models.PROTECT, null=True, blank=True, related_name="incoming"
    )
    sender_code = models.CharField(_("sender's code"), max_length=35, blank=True)
    sender_name = models.CharField(_("sender"), max_length=200)
    code_number = models.CharField(_("number"), max_length=11, blank=True)
    code_notation = models.CharField(_("symbol"), max_length=30, blank=True)
    type_name = models.CharField(_("document type"), max_length=100, blank=True)
    subject = models.CharField(pgettext_lazy("document", "subject"), max_length=500)
    promulgation_date = models.DateField(_("document date"), null=True, blank=True)
    signer_name = models.CharField(_("signer"), max_length=50, blank=True)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices, default=Urgency.NORMAL)
    due_date = models.DateField(_("reply due by"), null=True, blank=True)
    document_id = models.CharField(_("document identifier"), max_length=100, blank=True, db_index=True)
    file = models.FileField(_("file"), upload_to="van-ban/den/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    state = models.CharField(
        pgettext_lazy("document", "state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    arrived_at = models.DateTimeField(_("arrived at"))
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    arrival_number = models.PositiveIntegerField(_("arrival number"), null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    refusal_reason = models.CharField(_("reason for returning"), max_length=500, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    handling_due_at = models.DateTimeField(_("handling deadline"), null=True, blank=True)
    done_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    text = models.TextField(_("text of the file"), blank=True, editable=False)
    search_folded = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("incoming document")
        verbose_name_plural = _("incoming documents")
        ordering = ["-arrived_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "arrival_number"],
                condition=Q(arrival_number__isnull=False),
                name="documents_incoming_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or self.subject

    def save(self, *args: Any, **kwargs: Any) -> None:
        _fold_for_search(
            self,
            kwargs,
            "reference",
            "sender_name",
            "sender_code",
            "type_name",
            "subject",
            "signer_name",
            "text",
        )
        super().save(*args, **kwargs)

    @property
    def reference(self) -> str:
        if self.code_number and self.code_notation:
            return f"{self.code_number}/{self.code_notation}"
        return self.code_number or self.code_notation


class DocumentEvent(models.Model):
    """The documents' outbox of events and their timelines: every state change of an outgoing or
    incoming document, every transport step and every business status of a delivery (both sides
    read the events of the delivery that joins them)."""

    class Kind(models.TextChoices):
        DRAFTED = "drafted", _("drafted")
        SIGNED = "signed", _("signed by the leader")
        ISSUED = "issued", _("numbered and issued")
        QUEUED = "queued", _("package queued")
        DELIVERED = "delivered", _("package delivered")
        FAILED = "failed", _("delivery failed")
        DEAD = "dead", _("delivery given up")
        RECEIVED = "received", _("arrived")
        REGISTERED = "registered", _("registered")
        STATUS = "status", _("status reported")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    outgoing = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    incoming = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    status_code = models.CharField(max_length=2, blank=True)
    note = models.CharField(max_length=500, blank=True)
    actor_name = models.CharField(max_length=120, blank=True)
    occurred_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.status_code}".strip()


class SavedSearch(models.Model):
    """A search an officer keeps to run again: the query string of the search page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="documents_saved_search_unique")]

    def __str__(self) -> str:
        return self.name


class SignerImage(models.Model):
    """The image of a leader's handwritten signature shown with their digital signature: blue,
    PNG with a transparent background (Decree 30/2020 Appendix I)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    png = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.user_id)


class SealImage(models.Model):
    """The image of an agency's seal shown with its digital signature: red, the physical seal's
    size, PNG with a transparent background (Appendix I); the văn thư keeps the seal (Art. 32)."""

    agency = models.OneToOneField("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    png = models.BinaryField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.agency_id)
