"""The national connectors' own records: the sync state of the dossier status changes sent to
the national public service portal (the outbox is ``dossiers.DossierEvent``; its
``published_at`` is set once the portal confirmed the change), and the dossiers taken in from
the portal."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.dossiers.models import Dossier, DossierEvent


class PortalSync(models.Model):
    """An outbox status event that the portal has not confirmed at the first attempt: its
    attempts, when to try again, the last error; ``dead`` after the last attempt (the failure
    list), until an administrator sends it again."""

    event = models.OneToOneField(DossierEvent, on_delete=models.CASCADE, related_name="portal_sync")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    dead = models.BooleanField(default=False, db_index=True)
    resent = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("national portal sync")

    def __str__(self) -> str:
        return f"{self.event} ({self.attempts})"


class PortalIntake(models.Model):
    """A dossier submitted on the national portal and taken into the one-stop inbox, once."""

    portal_id = models.CharField(max_length=60, unique=True)
    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="portal_intake")
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("dossier from the national portal")

    def __str__(self) -> str:
        return self.portal_id
