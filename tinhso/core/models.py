from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferenceVersion(models.Model):
    """One row per kind of reference data (``tinhso.core.reference``) whose ``version`` changes
    to a random value, by database triggers, on every write to that kind's tables."""

    name = models.CharField(max_length=40, primary_key=True)
    version = models.BigIntegerField()

    class Meta:
        verbose_name = _("reference data version")
        verbose_name_plural = _("reference data versions")

    def __str__(self) -> str:
        return f"{self.name}: {self.version}"
