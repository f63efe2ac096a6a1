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
