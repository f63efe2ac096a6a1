"""Citizen feedback (phản ánh, kiến nghị): categories, routing table, reports and their history,
photos, answers, ratings, followers, and the keys of the Open311 GeoReport v2 API."""

import datetime
import hashlib
import secrets
import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tinhso.core.text import fold, nfc
from tinhso.worktime.calendar import add_working_days, add_working_hours

# A report's description is at most this long (the Open311 schema's limit too).
DESCRIPTION_MAX_LENGTH = 4000


class TimeUnit(models.TextChoices):
    HOURS = "hours", _("working hours")
    DAYS = "days", _("working days")


class Category(models.Model):
    """A kind of problem people report; its ``service_code`` is the Open311 service."""

    name = models.CharField(_("name"), max_length=200)
    name_folded = models.CharField(max_length=200, editable=False, db_index=True)
    service_code = models.SlugField(_("Open311 service code"), max_length=50, unique=True)
    group = models.CharField(_("group"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=255, blank=True, help_text=_("Comma-separated."))
    time_limit = models.PositiveIntegerField(_("time limit"), default=5)
    time_unit = models.CharField(
        _("time unit"), max_length=8, choices=TimeUnit.choices, default=TimeUnit.DAYS
    )
    attributes = models.JSONField(
        _("Open311 attributes"),
        default=list,
        blank=True,
        help_text=_("Extra questions: a list of {code, datatype, required, description, order, values}."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("feedback category")
        verbose_name_plural = _("feedback categories")
        ordering = ["order", "name_folded"]
        constraints = [models.CheckConstraint(condition=Q(time_limit__gt=0), name="feedback_category_limit")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.name_folded = fold(self.name)
        super().save(*args, **kwargs)

    def deadline_from(self, start: datetime.datetime) -> datetime.datetime:
        """The due time of a report received at ``start``, counted in working time."""
        if self.time_unit == TimeUnit.HOURS:
            return add_working_hours(start, self.time_limit)
        return add_working_days(start, self.time_limit)


class RoutingRule(models.Model):
    """Category × commune → the responsible agency; a rule without a commune covers all of them."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("category")
    )
    commune = models.ForeignKey(
        "units.AdministrativeUnit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commune"),
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="+", verbose_name=_("agency")
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["category", "commune"], name="feedback_routing_unique"),
            models.UniqueConstraint(
                fields=["category"], condition=Q(commune__isnull=True), name="feedback_routing_default"
            ),
        ]

    def __str__(self):
        return f"{self.category} — {self.commune or '*'} → {self.agency}"


class State(models.TextChoices):
    RECEIVED = "received", _("received")
    ASSIGNED = "assigned", _("assigned")
    IN_PROGRESS = "in_progress", _("in progress")
    ANSWERED = "answered", _("answered")
    REJECTED = "rejected", _("rejected")
    CLOSED = "closed", _("closed")
    REOPENED = "reopened", _("reopened")


OPEN_STATES = (State.RECEIVED, State.ASSIGNED, State.IN_PROGRESS, State.REOPENED)


class Channel(models.TextChoices):
    WEB = "web", _("web")
    APP = "app", _("mobile app")
    HOTLINE = "hotline", _("1022 hotline")
    OPEN311 = "open311", _("Open311 API")


class ReportQuerySet(models.QuerySet["Report"]):
    def open(self) -> "ReportQuerySet":
        return self.filter(state__in=OPEN_STATES)

    def published(self) -> "ReportQuerySet":
        return self.filter(published=True)


class Report(models.Model):
    # NULL until the row exists: the reference is made from the primary key (unique, never reused).
    code = models.CharField(_("reference"), max_length=20, unique=True, editable=False, null=True)  # noqa: DJ001
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="reports", verbose_name=_("category")
    )
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH)
    public_description = models.TextField(
        _("public description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        blank=True,
        help_text=_("The description as published, with personal data removed."),
    )
    search_text = models.TextField(editable=False, default="")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    commune = models.ForeignKey(
        "units.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("commune")
    )
    attributes = models.JSONField(default=dict, blank=True)
    media_url = models.URLField(_("media URL"), blank=True)
    anonymous = models.BooleanField(_("stay anonymous"), default=False)
    contact_name = models.CharField(_("name"), max_length=200, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=20, blank=True)
    contact_email = models.EmailField(_("email"), blank=True)
    reporter = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback_reports"
    )
    entered_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(
        pgettext_lazy("feedback report", "channel"),
        max_length=10,
        choices=Channel.choices,
        default=Channel.WEB,
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.RECEIVED)
    assigned_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback_reports",
        verbose_name=_("responsible agency"),
    )
    received_at = models.DateTimeField(_("received at"))
    due_at = models.DateTimeField(pgettext_lazy("feedback report", "due at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_to = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    escalate_at = models.DateTimeField(null=True, blank=True, db_index=True)
    rejection_reason = models.TextField(_("reason"), blank=True)
    published = models.BooleanField(pgettext_lazy("feedback report", "published"), default=False)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("feedback report")
        verbose_name_plural = _("feedback reports")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["category", "latitude", "longitude"]),
            models.Index(fields=["published", "received_at"]),
        ]

    def __str__(self):
        return self.code or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.is_open and self.due_at < timezone.now()

    @property
    def current_answer(self):
        return self.answers.filter(approved_at__isnull=False).order_by("-approved_at").first()

    @property
    def pending_answer(self):
        return self.answers.filter(approved_at__isnull=True).order_by("-created_at").first()

    def notification_emails(self) -> list[str]:
        emails = {self.contact_email}
        if self.reporter_id and self.reporter.email:
            emails.add(self.reporter.email)
        emails.update(self.followers.exclude(user__email="").values_list("user__email", flat=True))
        return sorted(e for e in emails if e)


def photo_path(instance, filename):
    """A random name: the stored path says nothing about the report or the person."""
    return f"feedback/{secrets.token_hex(16)}.jpg"


class Photo(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.report} / {self.pk}"


class StateChange(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="history")
    from_state = models.CharField(max_length=12, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=State.choices)
    actor = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True)
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.report}: {self.from_state} → {self.to_state}"


class Answer(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(_("answer"), max_length=DESCRIPTION_MAX_LENGTH)
    officer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.report} / {self.pk}"


class Rating(models.Model):
    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="rating")
    stars = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="feedback_rating_range")
        ]

    def __str__(self):
        return f"{self.answer}: {self.stars}/5"


class Follower(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="followed_reports")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="feedback_follower_unique")]

    def __str__(self):
        return f"{self.user} → {self.report}"


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Open311ApiKey(models.Model):
    """A key for POSTing to the Open311 API; only its SHA-256 hash is stored."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, name: str, key: str | None = None) -> tuple["Open311ApiKey", str]:
        """Create a key and return it with its plain text (shown once, never stored)."""
        key = key or secrets.token_urlsafe(24)
        return cls.objects.create(name=nfc(name), prefix=key[:8], key_hash=hash_api_key(key)), key

    @classmethod
    def check_key(cls, key: str) -> "Open311ApiKey | None":
        if not key:
            return None
        return cls.objects.filter(key_hash=hash_api_key(key), revoked_at__isnull=True).first()
