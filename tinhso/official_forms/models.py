"""The outgoing register of the letters a one-stop form is (Forms 04 and 05): each gets the next
number of its agency's year (Decree 30/2020/NĐ-CP, Appendix I, I.3(a): "số thứ tự văn bản do cơ
quan, tổ chức ban hành trong một năm")."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LetterCounter(models.Model):
    """The last number an agency gave in a calendar year (see ``letters.issue_letter``)."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="letter_counter_agency_year")]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.year}: {self.value}"


class Letter(models.Model):
    """A form sent as an agency letter, with its number and symbol, e.g. "05/TB-UBND"."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="letters")
    form_number = models.PositiveSmallIntegerField(_("form"))
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("issuing agency"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    reference = models.CharField(_("number and symbol"), max_length=60)
    issued_at = models.DateTimeField(pgettext_lazy("letter", "issued at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("letter")
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "number"], name="letter_agency_year_number")
        ]

    def __str__(self) -> str:
        return self.reference
