from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Extension(models.Model):
    """An extension of a dossier's due time with an apology (Form 04), counted against the
    agency that asked for it."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="extensions")
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    old_due_at = models.DateTimeField(_("old due time"), null=True, blank=True)
    new_due_at = models.DateTimeField(_("new due time"))
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["dossier", "at", "pk"]
        indexes = [models.Index(fields=["agency", "at"], name="motcua_extension_agency_idx")]

    def __str__(self) -> str:
        return f"{self.dossier}: {self.new_due_at:%d/%m/%Y}"


class DraftResult(models.Model):
    """A draft of the result that the specialist attaches when sending the dossier to the
    leader, who reads it and signs it (``sign_result``)."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="draft_results")
    title = models.CharField(_("title"), max_length=255)
    file = models.FileField(_("file"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("draft result")
        verbose_name_plural = _("draft results")
        ordering = ["dossier", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title


class CopyForm(models.TextChoices):
    """What the applicant gave for a document (Form 01, item 1)."""

    ORIGINAL = "original", _("original")
    CERTIFIED_COPY = "certified_copy", _("certified copy")
    COPY = "copy", _("copy")
    ELECTRONIC = "electronic", _("electronic copy")


class ScanExemption(models.TextChoices):
    """Why a paper document received at the counter was not scanned. Decree 118/2025/NĐ-CP
    Art. 17(1)(c) has paper dossiers digitised at reception, with the exceptions of Circular
    03/2025/TT-VPCP Art. 5, whose text could not be read: these are the cases commonly cited
    from it (state secrets, things a scanner cannot take, data already taken from a database),
    each to be confirmed against the Circular."""

    STATE_SECRET = "state_secret", _("contains state secrets")
    NOT_SCANNABLE = "not_scannable", _("cannot be scanned (object, sample, oversize)")
    DATA_REUSED = "data_reused", _("its data was taken from a national database")


class CounterDocument(models.Model):
    """One document a walk-in applicant gave at the counter: what it is, in which form, how many,
    and its scan or why it has none."""

    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="counter_documents"
    )
    required_document = models.ForeignKey(
        "procedures.RequiredDocument", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("document"), max_length=500)
    copy_form = models.CharField(_("given as"), max_length=20, choices=CopyForm.choices)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    scan = models.OneToOneField(
        "dossiers.Attachment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="counter_document",
    )
    scan_exemption = models.CharField(
        _("not scanned because"), max_length=20, choices=ScanExemption.choices, blank=True
    )

    class Meta:
        verbose_name = _("document given at the counter")
        verbose_name_plural = _("documents given at the counter")
        ordering = ["dossier", "pk"]

    def __str__(self) -> str:
        return self.name
