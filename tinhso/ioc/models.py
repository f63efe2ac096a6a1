"""The operations centre's data: the thresholds that turn an indicator amber or red, the
province's digital-transformation targets with the values entered for those the platform cannot
measure, the wallboard links, and the outbox of the centre's events."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


class Threshold(models.Model):
    """The amber and red levels of one indicator of the leaders' page (``indicators.INDICATORS``
    says whether higher or lower is worse; without a row the indicator's default levels apply)."""

    indicator = models.CharField(_("indicator"), max_length=40, unique=True)
    amber = models.DecimalField(
        _("amber from"), max_digits=10, decimal_places=1, validators=[MinValueValidator(0)]
    )
    red = models.DecimalField(
        _("red from"), max_digits=10, decimal_places=1, validators=[MinValueValidator(0)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("indicator threshold")
        verbose_name_plural = _("indicator thresholds")
        ordering = ["indicator"]

    def __str__(self) -> str:
        return self.indicator


class Target(models.Model):
    """A target of the province's digital-transformation programme: measured live by a named
    measure of ``tinhso.ioc.measures`` or, when the platform holds no data for it, entered."""

    class Kind(models.TextChoices):
        MEASURED = "measured", _("measured by the platform")
        ENTERED = "entered", _("entered (not measured by the platform)")

    name = models.CharField(_("name"), max_length=300)
    legal_source = models.CharField(
        _("legal source"),
        max_length=300,
        help_text=_("The document that sets the target, e.g. Resolution 12/NQ-HĐND of 10/07/2025."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MEASURED)
    measure = models.CharField(_("measure"), max_length=40, blank=True)
    target_value = models.DecimalField(_("target (%)"), max_digits=5, decimal_places=1, validators=PERCENT)
    target_date = models.DateField(_("target date"))
    amber_margin = models.DecimalField(
        _("amber margin (points)"),
        max_digits=4,
        decimal_places=1,
        default=5,
        validators=PERCENT,
        help_text=_("How far below the target the projection may fall before the target turns red."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("shown"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("digital-transformation target")
        verbose_name_plural = _("digital-transformation targets")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="measured", measure__gt="") | Q(kind="entered", measure=""),
                name="ioc_target_measure_by_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name


class EnteredValue(models.Model):
    """A value of an entered target, with where it comes from."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="entered_values")
    value = models.DecimalField(_("value (%)"), max_digits=5, decimal_places=1, validators=PERCENT)
    as_of = models.DateField(_("as of"))
    source = models.CharField(_("source"), max_length=300)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("entered value")
        verbose_name_plural = _("entered values")
        ordering = ["as_of", "pk"]

    def __str__(self) -> str:
        return f"{self.target_id}: {self.value} ({self.as_of})"


class WallboardLink(models.Model):
    """A read-only link for a wall screen: signed, expiring, revocable, scoped to one agency and
    what is under it (no agency: the whole province)."""

    name = models.CharField(_("name"), max_length=100)
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agency"),
    )
    expires_at = models.DateTimeField(_("expires at"))
    rotate_seconds = models.PositiveSmallIntegerField(
        _("seconds per page"), default=20, validators=[MinValueValidator(5), MaxValueValidator(600)]
    )
    stale_minutes = models.PositiveSmallIntegerField(
        _("stale after (minutes)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(1440)]
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("wallboard link")
        verbose_name_plural = _("wallboard links")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    def is_valid(self, now=None) -> bool:
        return self.revoked_at is None and (now or timezone.now()) < self.expires_at


class IocEvent(models.Model):
    """Transactional outbox of the centre's changes (targets, thresholds, wallboard links)."""

    class Kind(models.TextChoices):
        TARGET_SAVED = "target_saved", _("target saved")
        VALUE_ENTERED = "value_entered", _("value entered")
        THRESHOLD_SET = "threshold_set", _("threshold set")
        LINK_ISSUED = "link_issued", _("wallboard link issued")
        LINK_REVOKED = "link_revoked", _("wallboard link revoked")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField()
    data = models.JSONField(default=dict)
    occurred_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
