"""The outgoing register of the letters a one-stop form is (Forms 04 and 05): each gets the next
number of its agency's year in the series of its type (Decree 30/2020/NĐ-CP Art. 15(1), Appendix I,
I.3(a): "số thứ tự văn bản do cơ quan, tổ chức ban hành trong một năm"), the agency's documents'
series (``letters.issue_letter``)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Letter(models.Model):
    """A form sent as an agency letter, with its number and symbol, e.g. "05/TB-UBND"."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="letters")
    form_number = models.PositiveSmallIntegerField(_("form"))
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("issuing agency"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # The numbering series of the agency's documents (``tinhso.documents.numbering``).
    series = models.CharField(max_length=40)
    number = models.PositiveIntegerField(_("number"))
    reference = models.CharField(_("number and symbol"), max_length=60)
    issued_at = models.DateTimeField(pgettext_lazy("letter", "issued at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("letter")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "series", "number"], name="letter_agency_year_series_number"
            )
        ]

    def __str__(self) -> str:
        return self.reference


# What each form sent to the applicant is, as a list of papers names it.
ISSUED_FORM_NAMES = {
    1: _("Receipt and appointment for the result (Form 01)"),
    2: _("Request to complete the dossier (Form 02)"),
    3: _("Refusal to accept the dossier (Form 03)"),
    4: _("Apology and extension of the due time (Form 04)"),
    5: _("Notice of stopping the dossier (Form 05)"),
}


class IssuedForm(models.Model):
    """A form issued to the applicant electronically (``official_forms.actions.issue_form``): the
    form's text as the action issued it (``html``), printed and signed with the issuing agency's
    certificate once, just after (``actions.sign_issued_form``), and the PDF exactly as signed.
    The applicant and officers download these bytes, never a new rendering. Text and bytes live
    in the database so that they are written or rolled back with their transactions."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="issued_forms")
    form_number = models.PositiveSmallIntegerField(_("form"))
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("issuing agency"), on_delete=models.PROTECT, related_name="+"
    )
    certificate = models.ForeignKey(
        "signing.AgencyCertificate", verbose_name=_("certificate"), on_delete=models.PROTECT, related_name="+"
    )
    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The HTML the PDF is printed from, as it stood when the action issued the form.
    html = models.TextField(_("text as issued"), blank=True)
    # Empty until the form is printed and signed (``actions.sign_issued_form``).
    content = models.BinaryField(_("signed PDF"), null=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    issued_at = models.DateTimeField(pgettext_lazy("letter", "issued at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("issued form")
        ordering = ["issued_at", "pk"]

    def __str__(self) -> str:
        return f"{self.form_number:02d} {self.dossier_id}"

    @property
    def name(self) -> str:
        return str(ISSUED_FORM_NAMES.get(self.form_number, self.form_number))

    @property
    def filename(self) -> str:
        return f"mau-{self.form_number:02d}-{self.dossier.code}-{self.pk}.pdf"
