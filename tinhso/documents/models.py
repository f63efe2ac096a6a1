"""Official documents (Decree 30/2020/NĐ-CP): outgoing documents from draft to issued and sent,
the incoming register, their exchange between agencies as edXML packages (QCVN 102:2016/BTTTT),
and the events that make both sides' timelines.

Numbers come from ``SeriesCounter`` (``tinhso.documents.numbering``); packages travel through the
``Package`` outbox (``tinhso.documents.exchange``); every state change writes a ``DocumentEvent``
in the same transaction. Agencies outside the installation are those of the national axis's
directory (``DirectoryAgency``); their packages go through the same outbox to the axis
(``Package.via_axis``), and what comes from the axis is taken in once (``AxisReceipt``).
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
        REVOKED = "revoked", _("Revoked")
        REPLACED = "replaced", _("Replaced")

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
        SENT = "sent", _("handed to the national axis")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed, will retry")
        DEAD = "dead", _("undeliverable")

    document = models.ForeignKey(OutgoingDocument, on_delete=models.PROTECT, related_name="deliveries")
    recipient = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    external = models.ForeignKey(
        "documents.DirectoryAgency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient outside the installation"),
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
            models.UniqueConstraint(fields=["document", "recipient"], name="documents_delivery_unique"),
            models.UniqueConstraint(
                fields=["document", "external"], name="documents_delivery_external_unique"
            ),
            models.CheckConstraint(
                condition=Q(recipient__isnull=True) ^ Q(external__isnull=True),
                name="documents_delivery_one_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.recipient_code}"

    @property
    def addressee(self):
        """The recipient: an agency of the installation or one of the axis directory."""
        return self.recipient if self.recipient_id else self.external

    @property
    def recipient_code(self) -> str:
        return self.addressee.code

    @property
    def recipient_name(self) -> str:
        return self.addressee.name


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
        CANCELLED = "cancelled", _("cancelled: the document was withdrawn")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    delivery = models.ForeignKey(
        Delivery, on_delete=models.PROTECT, null=True, blank=True, related_name="packages"
    )
    incoming = models.ForeignKey(
        "documents.IncomingDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="status_packages",
        help_text="A status package for a document that came over the national axis.",
    )
    via_axis = models.BooleanField(default=False)
    axis_id = models.CharField(max_length=100, blank=True)
    resent = models.PositiveSmallIntegerField(default=0)
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


class SignatureCheck(models.TextChoices):
    """What reading the received PDF's signature found (``tinhso.documents.received_signature``)."""

    MATCHES = "matches", _("valid and matches the header")
    FLAGGED = "flagged", _("to be checked by the clerk")


class IncomingDocument(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be registered")
        REGISTERED = "registered", _("Registered")
        REFUSED = "refused", _("Returned to the sender")
        ASSIGNED = "assigned", _("Assigned")
        DONE = "done", _("Handled")
        REVOKED = "revoked", _("Revoked by the sender")
        REPLACED = "replaced", _("Replaced by the sender")

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
    axis_id = models.CharField(_("national axis message"), max_length=100, blank=True)
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
    # A unit of the agency (a division or department under it) the leader put in charge instead of
    # a person (Art. 24): its leader handles it or names who does (``handler``).
    handling_unit = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit in charge"),
    )
    handling_due_at = models.DateTimeField(_("handling deadline"), null=True, blank=True)
    done_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("revoked or replaced at"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("sender's reason"), max_length=500, blank=True)
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("replaced by"),
    )
    signature_check = models.CharField(
        _("signature check"), max_length=10, choices=SignatureCheck.choices, blank=True
    )
    signature_findings = models.JSONField(_("signature findings"), default=list, blank=True)
    signature_signer = models.CharField(_("signed by"), max_length=200, blank=True)
    signature_certificate = models.CharField(_("signing certificate"), max_length=200, blank=True)
    signature_signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
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
        SENT = "sent", _("package handed to the national axis")
        DELIVERED = "delivered", _("package delivered")
        FAILED = "failed", _("delivery failed")
        DEAD = "dead", _("delivery given up")
        RECEIVED = "received", _("arrived")
        REGISTERED = "registered", _("registered")
        STATUS = "status", _("status reported")
        WITHDRAWAL_REQUESTED = "wd_requested", _("revocation, update or replacement asked for")
        WITHDRAWAL_DECLINED = "wd_declined", _("revocation, update or replacement declined by the leader")
        REVOKED = "revoked", _("revoked")
        UPDATED = "updated", _("updated")
        REPLACED = "replaced", _("replaced")
        OPINION = "opinion", _("co-ordinator's opinion")
        ACCESS_GRANTED = "granted", _("read access granted")
        ACCESS_REVOKED = "ungranted", _("read access withdrawn")
        LINKED = "linked", _("linked")
        UNLINKED = "unlinked", _("link removed")
        READ = "read", _("read by")
        VERSION = "version", _("draft version saved")
        REVIEW_SENT = "review_sent", _("sent for review")
        REVIEW_APPROVED = "rv_approved", _("approved by the reviewer")
        REVIEW_RETURNED = "rv_returned", _("returned by the reviewer")

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


class Withdrawal(models.Model):
    """A revocation, update or replacement of an issued document (Decree 30/2020/NĐ-CP Art.
    18(3), 18(4)): asked for by the clerk with a reason, approved or declined by a leader of the
    agency (the notice of revocation, the amending or replacing document are the agency's, signed
    by the competent person, Art. 13), then sent to every recipient as an edXML package with
    ``Bussiness/BussinessDocType`` 1 revoke, 2 update or 3 replace."""

    class Kind(models.TextChoices):
        REVOKE = "revoke", _("Revoke")
        UPDATE = "update", _("Update")
        REPLACE = "replace", _("Replace")

    class State(models.TextChoices):
        REQUESTED = "requested", _("waiting for the leader")
        APPROVED = "approved", _("approved and sent")
        DECLINED = "declined", _("declined")

    document = models.ForeignKey(OutgoingDocument, on_delete=models.PROTECT, related_name="withdrawals")
    kind = models.CharField(_("action"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=500)
    replacement = models.ForeignKey(
        OutgoingDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replacement document"),
    )
    corrections = models.JSONField(_("corrected fields"), default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("revocation, update or replacement")
        verbose_name_plural = _("revocations, updates and replacements")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["document"],
                condition=Q(state="requested"),
                name="documents_withdrawal_one_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.document_id} ({self.state})"


class DirectoryAgency(models.Model):
    """An agency of the national directory, synchronised from the document axis: the codes of
    both styles (Decision 20/2020 ``G22``, QCVN 102:2016 ``000.00.00.G22``), its name and parent;
    an agency the axis no longer lists stays (deliveries point to it) but is no longer offered."""

    code = models.CharField(_("electronic identifier code"), max_length=35, unique=True)
    legacy_code = models.CharField(_("code in the QCVN 102:2016 style"), max_length=35, blank=True)
    name = models.CharField(_("name"), max_length=255)
    parent_code = models.CharField(_("parent agency's code"), max_length=35, blank=True)
    active = models.BooleanField(_("listed by the axis"), default=True)
    synced_at = models.DateTimeField(_("synchronised at"))

    class Meta:
        verbose_name = _("agency of the national directory")
        verbose_name_plural = _("national agency directory")
        ordering = ["name", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class AxisReceipt(models.Model):
    """A message fetched from the national axis and taken in: its axis id is unique, so a message
    fetched twice (or by two workers at once) is taken in once."""

    axis_id = models.CharField(max_length=100, unique=True)
    message_type = models.CharField(max_length=10)
    incoming = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.message_type} {self.axis_id}"


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


class Coordinator(models.Model):
    """A person the leader named to co-ordinate (phối hợp) the handling of an incoming document
    with the person in charge (Decree 30/2020/NĐ-CP Art. 24: the leader's instruction names the
    unit or person in charge, the co-ordinators and the deadline); they read the document and
    give their opinion, which joins its timeline."""

    incoming = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="coordinators")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("co-ordinator")
    )
    opinion = models.CharField(_("opinion"), max_length=500, blank=True)
    opinion_at = models.DateTimeField(_("opinion given at"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["incoming", "user"], name="documents_coordinator_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.incoming_id} {self.user_id}"


class HandlingReminder(models.Model):
    """A reminder sent to the person in charge of an incoming document: once per threshold and
    deadline (the row is written before the message; its unique key stops a second process)."""

    class Threshold(models.TextChoices):
        DUE_SOON = "due_soon", _("due soon")
        OVERDUE = "overdue", _("overdue")

    incoming = models.ForeignKey(IncomingDocument, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    threshold = models.CharField(max_length=10, choices=Threshold.choices)
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incoming", "user", "threshold", "due_at"], name="documents_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incoming_id} {self.threshold}"


class AccessGrant(models.Model):
    """Read access to one document beyond the agency's roles (Decree 30/2020 Appendix VI:
    per-document access rights), given by a leader or the văn thư of the document's agency to a
    named officer or to an agency (its officers with a document role), until withdrawn."""

    incoming = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, null=True, blank=True, related_name="grants"
    )
    outgoing = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, null=True, blank=True, related_name="grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agency"),
    )
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(incoming__isnull=True) ^ Q(outgoing__isnull=True),
                name="documents_grant_one_document",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=True) ^ Q(agency__isnull=True), name="documents_grant_one_grantee"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incoming_id or self.outgoing_id} {self.user_id or self.agency_id}"


class DocumentLink(models.Model):
    """A document (incoming or outgoing) linked to a one-stop dossier or to another document,
    shown on both pages to those who may read the other side (``tinhso.documents.links``)."""

    incoming = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, null=True, blank=True, related_name="links"
    )
    outgoing = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, null=True, blank=True, related_name="links"
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, null=True, blank=True, related_name="document_links"
    )
    linked_incoming = models.ForeignKey(
        IncomingDocument, on_delete=models.CASCADE, null=True, blank=True, related_name="linked_from"
    )
    linked_outgoing = models.ForeignKey(
        OutgoingDocument, on_delete=models.CASCADE, null=True, blank=True, related_name="linked_from"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(incoming__isnull=True) ^ Q(outgoing__isnull=True),
                name="documents_link_one_source",
            ),
            models.CheckConstraint(
                condition=(
                    Q(dossier__isnull=False, linked_incoming__isnull=True, linked_outgoing__isnull=True)
                    | Q(dossier__isnull=True, linked_incoming__isnull=False, linked_outgoing__isnull=True)
                    | Q(dossier__isnull=True, linked_incoming__isnull=True, linked_outgoing__isnull=False)
                ),
                name="documents_link_one_target",
            ),
        ]

    def __str__(self) -> str:
        target = self.dossier_id or self.linked_incoming_id or self.linked_outgoing_id
        return f"{self.incoming_id or self.outgoing_id} → {target}"


class DraftVersion(models.Model):
    """One saved state of a draft written from a template (``tinhso.documents.drafting``): the
    form's parts as data and the PDF rendered from them. Decree 30/2020 Appendix VI asks the
    system to keep every draft; the latest version is the draft's file."""

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    parts = models.JSONField(default=dict)
    file = models.FileField(upload_to="van-ban/du-thao/%Y/%m/")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="documents_draft_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.number}"


class ReviewStep(models.Model):
    """One reviewer's turn on a draft's review route (Decree 30/2020 Art. 11, 12): the steps of
    a round run stage after stage, the steps of one stage in parallel. The reviewer approves with
    an opinion and, if asked, the co-signature (ký nháy: their initials on the draft), or returns
    the draft with comments, which closes the round."""

    class State(models.TextChoices):
        WAITING = "waiting", _("waiting for the earlier reviewers")
        PENDING = "pending", _("waiting for the review")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned with comments")
        CANCELLED = "cancelled", _("cancelled")

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="review_steps")
    round = models.PositiveSmallIntegerField()
    stage = models.PositiveSmallIntegerField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewer")
    )
    purpose = models.CharField(_("what is reviewed"), max_length=100, blank=True)
    initials = models.BooleanField(_("co-signature (initials) asked"), default=False)
    version = models.ForeignKey(
        DraftVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    opinion = models.TextField(_("opinion"), blank=True)
    initialled_at = models.DateTimeField(_("initialled at"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round", "stage", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "round", "reviewer"], name="documents_review_step_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_id} r{self.round} s{self.stage} {self.state}"
