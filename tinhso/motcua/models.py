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
