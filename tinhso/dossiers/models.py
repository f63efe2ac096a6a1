"""Dossiers (hồ sơ thủ tục hành chính), shared by online submission and the one-stop back office.

A dossier starts as a draft of its applicant (no code, ``is_draft``); submitting gives it a
random submission reference and national status 1; reception (status 2) issues the dossier code
(Circular 01/2018/TT-VPCP format; Decree 118/2025/NĐ-CP Art. 17(3) as amended by Decree
309/2026/NĐ-CP Art. 8(3): "sau khi được tiếp nhận sẽ được cấp 01 Mã số hồ sơ"). Every status change is kept in
``DossierStatusChange`` and emitted as a ``DossierEvent`` (the transactional outbox); every change
of the due time in ``DueTimeChange``. Files live in Django storage under random names and are
only served through permission-checked views.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tinhso.accounts.models import mask_cccd
from tinhso.dossiers.status import CLOCK_RUNNING, Status

__all__ = [
    "Attachment",
    "Channel",
    "Dossier",
    "DossierCodeCounter",
    "DossierEvent",
    "DossierEventKind",
    "DossierRating",
    "DossierStatusChange",
    "DueTimeChange",
    "DueTimeChangeKind",
    "IdempotencyKey",
    "Notification",
    "PersonalDocument",
    "Status",
    "SupplementRequest",
    "by_display_code",
]


class Channel(models.TextChoices):
    ONLINE = "online", _("online")
    DIRECT = "direct", _("in person")
    POSTAL = "postal", _("by post")


class Dossier(models.Model):
    # Issued on reception (``tinhso.dossiers.codes``): none before, none for a refused submission.
    code = models.CharField(_("dossier code"), max_length=60, unique=True, null=True, blank=True)
    # Given on online submission, random (``codes.new_submission_reference``): the applicant
    # quotes it until the dossier has its code; it never reveals how many dossiers were submitted.
    # A counter dossier is received at once and has only its code.
    submission_reference = models.CharField(
        _("submission reference"), max_length=20, unique=True, null=True, blank=True
    )
    procedure = models.ForeignKey(
        "procedures.Procedure", verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="dossiers"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
    )
    # The applicant as they were when submitting (an account may change later; a walk-in has none).
    applicant_name = models.CharField(_("applicant name"), max_length=200)
    applicant_cccd = models.CharField(_("applicant citizen ID"), max_length=12, blank=True)
    applicant_phone = models.CharField(_("applicant phone"), max_length=16, blank=True)
    applicant_email = models.EmailField(_("applicant email"), blank=True)
    applicant_unit = models.ForeignKey(
        "units.AdministrativeUnit",
        verbose_name=_("applicant commune"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    applicant_address = models.CharField(_("applicant address"), max_length=255, blank=True)
    receiving_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("receiving agency"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    status = models.PositiveSmallIntegerField(
        _("status"), choices=Status.choices, default=Status.NEW, db_index=True
    )
    # Where a dossier goes back to once the fee requested in status 6 is paid.
    resume_status = models.PositiveSmallIntegerField(choices=Status.choices, null=True, blank=True)
    is_draft = models.BooleanField(_("draft"), default=True, db_index=True)
    form_data = models.JSONField(_("e-form answers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    received_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("fees paid at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("result returned at"), null=True, blank=True)
    # The dossier's number in its tracking book (Form 07: one book per receiving agency, field of
    # procedures and local year of reception), given at reception and printed on Form 01.
    book_number = models.PositiveIntegerField(_("number in the tracking book"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-submitted_at", "-created_at"]
        indexes = [
            models.Index(fields=["applicant", "-created_at"], name="dossiers_applicant_idx"),
            models.Index(fields=["receiving_agency", "status"], name="dossiers_agency_status_idx"),
            # Open (received, not closed) dossiers by due time: "overdue now" in the statistics.
            models.Index(
                fields=["status", "due_at"],
                name="dossiers_open_due_idx",
                condition=Q(status__in=[2, 4, 5, 6]),
            ),
            # The same for one agency's report: only the overdue entries are read, not every open
            # dossier of the agency (open as ``tinhso.statistics.report.OPEN``, withdrawal requests
            # included).
            models.Index(
                fields=["receiving_agency", "due_at"],
                name="dossiers_agency_open_due_idx",
                condition=Q(status__in=[2, 4, 5, 6, 7], received_at__isnull=False),
            ),
            # The statistics' and the operations centre's open dossiers (``report.OPEN``) by due
            # time, with their agency, procedure and reception: "overdue now" and "due soon"
            # counted, grouped and listed worst first from the index alone.
            models.Index(
                fields=["due_at"],
                include=["receiving_agency", "procedure", "received_at"],
                name="dossiers_received_open_due_idx",
                condition=Q(status__in=[2, 4, 5, 6, 7], received_at__isnull=False, is_draft=False),
            ),
            # Dossiers finished from a moment on: the "resolved" lists, and the 766 index's
            # dossiers still open at the end of a period (``tinhso.statistics.index766``):
            # finished after it, received before it, late then, told from the index alone (at 10
            # million dossiers, for a period ten months back: 2.4 s → 0.3 s).
            models.Index(
                fields=["finished_at", "received_at"],
                include=["due_at", "receiving_agency", "status", "is_draft"],
                name="dossiers_finished_received_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_draft=True)
                | (
                    Q(submitted_at__isnull=False)
                    & (Q(submission_reference__isnull=False) | Q(code__isnull=False))
                ),
                name="dossiers_submitted_has_code_or_reference",
            ),
            models.CheckConstraint(
                condition=Q(received_at__isnull=True) | Q(code__isnull=False),
                name="dossiers_received_has_code",
            ),
            models.CheckConstraint(
                condition=Q(status__gte=1, status__lte=10), name="dossiers_status_national"
            ),
        ]

    def __str__(self) -> str:
        return self.display_code or f"#{self.pk}"

    @property
    def display_code(self) -> str:
        """What to show and quote for this dossier: its code once received, before that its
        submission reference ("" for a draft). Pages' links use it too (``by_display_code``)."""
        return self.code or self.submission_reference or ""

    @property
    def masked_cccd(self) -> str:
        return mask_cccd(self.applicant_cccd)

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def clock_running(self) -> bool:
        """The due time counts in this status (``status.CLOCK_RUNNING``, the rules and their
        sources in ``tinhso.dossiers.actions``): a dossier with its result, waiting to be handed
        over, or waiting for the applicant's supplement, is not overdue."""
        return self.status in CLOCK_RUNNING


def by_display_code(value: str) -> Q:
    """The dossier a citizen or officer names by its code or its submission reference."""
    return Q(code=value) | Q(submission_reference=value)


class DossierStatusChange(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.PositiveSmallIntegerField(_("from"), choices=Status.choices, null=True, blank=True)
    to_status = models.PositiveSmallIntegerField(_("to"), choices=Status.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["dossier", "at", "pk"]
        indexes = [
            # Stopped and refused dossiers by when that happened (they have no ``finished_at``):
            # the 766 index's dossiers still open at the end of a period that is over
            # (``tinhso.statistics.index766``), read from the index alone.
            models.Index(
                fields=["at"],
                include=["dossier"],
                name="dossiers_closing_change_idx",
                condition=Q(to_status__in=[Status.STOPPED, Status.REFUSED]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} → {self.to_status}"


class DueTimeChangeKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("acceptance")
    SUPPLEMENT = "supplement", _("supplement request")
    SUPPLEMENTED = "supplemented", _("supplement received")
    EXTENSION = "extension", _("extension")
    STOP = "stop", _("stop")
    PAID = "paid", _("time for financial obligations not counted")


class DueTimeChange(models.Model):
    """Every change of a dossier's due time, with its reason (Decree 118/2025/NĐ-CP)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="due_time_changes")
    kind = models.CharField(_("kind"), max_length=20, choices=DueTimeChangeKind.choices)
    old_due_at = models.DateTimeField(_("old due time"), null=True, blank=True)
    new_due_at = models.DateTimeField(_("new due time"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("due time change")
        verbose_name_plural = _("due time changes")
        ordering = ["dossier", "at", "pk"]
        indexes = [
            # The few dossiers whose clock a supplement request stopped, among every dossier's
            # changes: the 766 index's "late at the end" (``tinhso.statistics.index766``).
            models.Index(
                fields=["dossier"], name="dossiers_due_supplement_idx", condition=Q(kind="supplement")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier}: {self.kind}"


class SupplementRequest(models.Model):
    """A request to complete the dossier (Form 02) and the applicant's answer."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="supplement_requests")
    missing = models.JSONField(_("missing items"), default=list)
    note = models.TextField(_("note"), blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The status the dossier came from: 1 (at reception) or 2/4 (during processing).
    from_status = models.PositiveSmallIntegerField(choices=Status.choices)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_note = models.TextField(_("answer"), blank=True)
    # Made during processing more than 3 working days after reception (Decree 61/2018/NĐ-CP
    # Art. 19(4)): allowed, but counted as late (Decision 766/QĐ-TTg indicator 2.1).
    is_late = models.BooleanField(_("late"), default=False)

    class Meta:
        verbose_name = _("supplement request")
        verbose_name_plural = _("supplement requests")
        ordering = ["dossier", "requested_at", "pk"]

    def __str__(self) -> str:
        return f"{self.dossier}: {', '.join(self.missing)}"


class PersonalDocument(models.Model):
    """A file in a person's document store: one they uploaded or a result they received."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("uploaded")
        RESULT = "result", _("result of a dossier")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_documents"
    )
    title = models.CharField(_("title"), max_length=255)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.UPLOAD)
    dossier = models.ForeignKey(
        Dossier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("dossier")
    )
    file = models.FileField(_("file"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("personal document")
        verbose_name_plural = _("personal documents")
        ordering = ["owner", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "sha256"], name="dossiers_personal_document_once"),
        ]

    def __str__(self) -> str:
        return self.title


class Attachment(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="attachments")
    required_document = models.ForeignKey(
        "procedures.RequiredDocument",
        verbose_name=_("document component"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    supplement = models.ForeignKey(
        SupplementRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments"
    )
    original_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["dossier", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class DossierCodeCounter(models.Model):
    """The last daily sequence number issued by a receiving agency on a (local) day."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="dossiers_code_counter_day")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.value}"


class DossierBookCounter(models.Model):
    """The last number given in one tracking book: a receiving agency's book of one field of
    procedures for one (local) year."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    field = models.ForeignKey("procedures.Field", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "field", "year"], name="dossiers_book_counter_year")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.field_id} {self.year}: {self.value}"


class DossierEventKind(models.TextChoices):
    STATUS = "status", _("status change")
    PAID = "paid", _("fees paid")


class DossierEvent(models.Model):
    """Transactional outbox: one row per status change and one when the fees are paid (``kind``
    "paid", ``status`` the dossier's status then), written in the same transaction, for the
    national-portal sync and other subscribers; ``published_at`` is set once delivered. ``code``
    is the dossier's ``display_code`` then: its submission reference before reception."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=DossierEventKind.choices, default=DossierEventKind.STATUS)
    code = models.CharField(max_length=60)
    status = models.PositiveSmallIntegerField(choices=Status.choices)
    agency_code = models.CharField(max_length=35)
    occurred_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.code} {self.status}"


class Notification(models.Model):
    """A message owed to the applicant about their dossier (e-mail and SMS). It is written in the
    transaction of the change it tells of, so it is never lost nor sent for a change that rolled
    back, and the task worker sends what is due in batches (``dossiers.notifications``)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("dossier submitted")
        STATUS_CHANGED = "status_changed", _("status changed")

    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("could not be sent")

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.PositiveSmallIntegerField(_("status told"), choices=Status.choices)
    created_at = models.DateTimeField(_("queued at"))
    state = models.CharField(
        pgettext_lazy("notification", "state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    channels = models.CharField(_("delivered by"), max_length=20, blank=True)  # "email,sms"
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="dossiers_notification_due",
                condition=Q(state="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.kind} {self.state}"

    @property
    def channel_names(self) -> str:
        """The channels delivered so far, for people: "e-mail, SMS"."""
        names = {"email": _("e-mail"), "sms": _("SMS")}
        return ", ".join(str(names[channel]) for channel in self.channels.split(",") if channel)


class DossierRating(models.Model):
    """The applicant's satisfaction with a dossier once its result is out: 1–5 stars and an
    optional comment, given once (the Decision 766/QĐ-TTg satisfaction indicator reads these)."""

    dossier = models.OneToOneField(
        Dossier, verbose_name=_("dossier"), on_delete=models.CASCADE, related_name="rating"
    )
    stars = models.PositiveSmallIntegerField(_("stars"))
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    rated_at = models.DateTimeField(_("rated at"), db_index=True)

    class Meta:
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        ordering = ["-rated_at"]
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="dossiers_rating_stars_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier}: {self.stars}"


class IdempotencyKey(models.Model):
    """An API client's ``Idempotency-Key``: the same key never creates a second dossier."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="dossiers_idempotency_key_once")]

    def __str__(self) -> str:
        return self.key


class TrackingFailure(models.Model):
    """Failed public tracking attempts of one client address or one dossier code in a window.

    Kept in the database rather than the cache so that the check rides on the lookup's own query.
    """

    key = models.CharField(max_length=150, primary_key=True)
    failures = models.PositiveIntegerField()
    window_ends = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("failed tracking attempts")
        verbose_name_plural = _("failed tracking attempts")

    def __str__(self) -> str:
        return f"{self.key}: {self.failures}"
