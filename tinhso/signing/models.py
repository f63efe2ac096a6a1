"""Certificates of the agencies, the roots verifiers trust, and the register of signed results.

An agency signs its electronic results with its own certificate (``AgencyCertificate``). The
private key is stored encrypted at rest (``tinhso.signing.keys``); in production the key belongs
in a PKCS#11 HSM or USB token and ``private_key_encrypted`` stays empty: ``signer()`` is the one
place to build a token-backed pyHanko signer instead. ``TrustRoot`` holds the root certificates a
signature must chain to (the project's demo CA, the national root CA of the Government Cipher
Committee…); only the demo CA keeps its private key here, to issue demo certificates.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.signing import keys


class TrustRoot(models.Model):
    name = models.CharField(_("name"), max_length=255)
    certificate_pem = models.TextField(_("certificate (PEM)"))
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True, editable=False)
    private_key_encrypted = models.TextField(_("private key (encrypted)"), blank=True, editable=False)
    is_demo = models.BooleanField(_("demo CA"), default=False)
    is_active = models.BooleanField(_("trusted"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("trusted root certificate")
        verbose_name_plural = _("trusted root certificates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.fingerprint = keys.pem_fingerprint(self.certificate_pem)
        super().save(*args, **kwargs)

    @property
    def certificate(self):
        return keys.load_certificate(self.certificate_pem)


class AgencyCertificate(models.Model):
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="certificates"
    )
    certificate_pem = models.TextField(_("certificate (PEM)"))
    chain_pem = models.TextField(_("issuer chain (PEM)"), blank=True)
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True, editable=False)
    private_key_encrypted = models.TextField(_("private key (encrypted)"), editable=False)
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("agency certificate")
        verbose_name_plural = _("agency certificates")
        ordering = ["agency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency"], condition=Q(is_active=True), name="signing_one_active_certificate"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.valid_from:%d/%m/%Y} – {self.valid_to:%d/%m/%Y}"

    def save(self, *args, **kwargs):
        certificate = keys.load_certificate(self.certificate_pem)
        self.fingerprint = keys.pem_fingerprint(self.certificate_pem)
        self.valid_from = certificate.not_valid_before_utc
        self.valid_to = certificate.not_valid_after_utc
        super().save(*args, **kwargs)

    def is_valid_at(self, moment=None) -> bool:
        moment = moment or timezone.now()
        return self.valid_from <= moment <= self.valid_to

    def signer(self):
        """The pyHanko signer for this certificate (keys in memory, decrypted just now)."""
        from pyhanko.sign.signers import SimpleSigner
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        chain = [keys.asn1_certificate(pem) for pem in split_pem(self.chain_pem)]
        return SimpleSigner(
            signing_cert=keys.asn1_certificate(self.certificate_pem),
            signing_key=keys.private_key_info(keys.decrypt_private_key(self.private_key_encrypted)),
            cert_registry=SimpleCertificateStore.from_certs(chain),
        )


def split_pem(text: str) -> list[str]:
    """The PEM certificates in ``text``, one string each."""
    end = "-----END CERTIFICATE-----"
    return [part.strip() + "\n" + end + "\n" for part in text.split(end) if part.strip()]


class SignedDocument(models.Model):
    """A signed electronic result, registered so that its QR code can be verified publicly."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(_("title"), max_length=255)
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signed_documents",
    )
    certificate = models.ForeignKey(
        AgencyCertificate, verbose_name=_("certificate"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("file"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    signed_at = models.DateTimeField(_("signed at"))
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    signer_name = models.CharField(_("signer name"), max_length=200)

    class Meta:
        verbose_name = _("signed document")
        verbose_name_plural = _("signed documents")
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return self.title
