"""PAdES signatures of PDF documents with pyHanko: ``sign_pdf`` and ``verify_pdf``.

Signatures are PAdES baseline B-B (ETSI.CAdES.detached, SHA-256, signing certificate attribute),
invisible: the document carries its own QR code leading to the public verification page.
Verification reads the file back with pyHanko's validator against the active ``TrustRoot``
certificates plus the PEM files listed in ``settings.SIGNING_TRUST_ROOT_FILES``; the demo CA
publishes no revocation information, so revocation is checked only when the chain says where.
"""

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.signing import keys
from tinhso.signing.models import AgencyCertificate, TrustRoot

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"


def active_certificate(agency) -> AgencyCertificate:
    """The agency's certificate to sign with now; a clear refusal when it has none or it expired."""
    certificate = AgencyCertificate.objects.filter(agency=agency, is_active=True).first()
    if certificate is None:
        raise ValidationError(
            _("%(agency)s has no signing certificate.") % {"agency": agency.name}, code="no_certificate"
        )
    if not certificate.is_valid_at():
        raise ValidationError(
            _("The signing certificate of %(agency)s is not valid now (valid from %(start)s to %(end)s).")
            % {
                "agency": agency.name,
                "start": timezone.localtime(certificate.valid_from).strftime("%d/%m/%Y"),
                "end": timezone.localtime(certificate.valid_to).strftime("%d/%m/%Y"),
            },
            code="certificate_expired",
        )
    return certificate


def sign_pdf(pdf_bytes: bytes, agency, reason: str, location: str, signer_name: str) -> bytes:
    """``pdf_bytes`` signed by ``agency``'s certificate (PAdES B-B) as a new incremental update."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter, enumerate_sig_fields

    if not pdf_bytes.startswith(PDF_MAGIC):
        raise ValidationError(_("Only PDF documents can be signed."), code="not_pdf")
    certificate = active_certificate(agency)
    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    existing = sum(1 for _field in enumerate_sig_fields(writer))
    metadata = signers.PdfSignatureMetadata(
        field_name=f"ChuKySo{existing + 1}",
        reason=reason,
        location=location,
        name=signer_name,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
    )
    signer = certificate.signer()
    output = _outside_event_loop(
        signers.sign_pdf, writer, metadata, signer=signer, bytes_reserved=signature_space(signer)
    )
    return output.getvalue()


# What a PAdES B-B container holds besides its certificates and the signature value: the signed
# attributes (content type, digest, signing time, signing certificate v2, algorithm protection),
# algorithm identifiers and the CMS structure, about 500 bytes; the rest is margin.
SIGNATURE_OVERHEAD = 2048


def signature_space(signer) -> int:
    """The room kept in the PDF for the signature container, in hexadecimal digits (two a byte):
    its certificates, a signature of the key's size and ``SIGNATURE_OVERHEAD``. Left to pyHanko,
    it builds a dry-run container to measure first, which was half the time of a signature
    (20.7 → 11.6 ms)."""
    certificates = [signer.signing_cert, *signer.cert_registry]
    der = sum(len(certificate.dump()) for certificate in certificates)
    signature = 2 * signer.signing_cert.public_key.byte_size + 16  # an ECDSA pair or an RSA value
    return 2 * (der + signature + SIGNATURE_OVERHEAD)


def _outside_event_loop(function, *args, **kwargs):
    """``function(*args, **kwargs)``; pyHanko's synchronous API runs its own event loop, so a
    caller already inside one (an action run from async code, e.g. under Playwright's sync API
    in the browser tests' loaders) has it run in a worker thread. No database access there."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def trust_root_certificates() -> list:
    """The asn1crypto certificates a signature must chain to."""
    pems = list(TrustRoot.objects.filter(is_active=True).values_list("certificate_pem", flat=True))
    for path in getattr(settings, "SIGNING_TRUST_ROOT_FILES", []):
        with open(path, encoding="ascii") as handle:
            pems.append(handle.read())
    return [keys.asn1_certificate(pem) for pem in pems]


@dataclass
class VerificationResult:
    valid: bool = False
    intact: bool = False
    trusted: bool = False
    modified_after_signing: bool = False
    signed: bool = False
    signer: str = ""
    certificate_subject: str = ""
    agency: object = None
    signed_at: object = None
    signature_count: int = 0
    messages: list = field(default_factory=list)  # lazy translations

    @property
    def message(self) -> str:
        """The findings in the active language."""
        return " ".join(str(message) for message in self.messages)

    @property
    def message_vi(self) -> str:
        with translation.override("vi"):
            return self.message


def verify_pdf(pdf_bytes: bytes) -> VerificationResult:
    """Check every signature of ``pdf_bytes``; never raises on a malformed file."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    result = VerificationResult()
    if not pdf_bytes.startswith(PDF_MAGIC):
        result.messages.append(gettext_lazy("The file is not a PDF document."))
        return result
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception:  # pyHanko raises many kinds of errors on a damaged file
        logger.info("Unreadable PDF submitted for verification", exc_info=True)
        result.messages.append(gettext_lazy("The PDF file is damaged and cannot be read."))
        return result
    result.signature_count = len(signatures)
    if not signatures:
        result.messages.append(gettext_lazy("The document carries no digital signature."))
        return result
    result.signed = True
    try:
        statuses = [_validate(signature) for signature in signatures]
    except Exception:
        logger.info("PDF signature could not be validated", exc_info=True)
        result.messages.append(
            gettext_lazy("The signature cannot be read: the document is damaged or was altered.")
        )
        return result
    _fill(result, signatures[-1], statuses)
    return result


def _validate(signature):
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(
        trust_roots=trust_root_certificates(), allow_fetching=False, revocation_mode="soft-fail"
    )
    return _outside_event_loop(validate_pdf_signature, signature, context)


def _modified(status) -> bool:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import SignatureCoverageLevel

    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return False
    level = status.modification_level
    # Further signatures and form filling are what PAdES allows after a signature (a document
    # signed by its leader then by its agency, Decree 30/2020 Art. 14(3)).
    return level is None or level > ModificationLevel.FORM_FILLING or status.docmdp_ok is False


def _fill(result: VerificationResult, last_signature, statuses) -> None:
    from cryptography import x509

    last = statuses[-1]
    result.intact = all(status.intact and status.valid for status in statuses)
    result.trusted = all(status.trusted for status in statuses)
    result.modified_after_signing = any(_modified(status) for status in statuses)
    result.valid = result.intact and result.trusted and not result.modified_after_signing
    subject = x509.load_der_x509_certificate(last.signing_cert.dump()).subject
    names = subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
    result.certificate_subject = str(names[0].value) if names else subject.rfc4514_string()
    result.signer = str(last_signature.sig_object.get("/Name", "") or result.certificate_subject)
    result.signed_at = last.signer_reported_dt
    certificate = (
        AgencyCertificate.objects.select_related("agency")
        .filter(fingerprint=keys.fingerprint(last.signing_cert.dump()))
        .first()
    )
    result.agency = certificate.agency if certificate else None
    if not result.intact:
        result.messages.append(
            gettext_lazy(
                "The signature does not match the content: the document was changed after it was signed."
            )
        )
    elif result.modified_after_signing:
        result.messages.append(gettext_lazy("Content was added to the document after it was signed."))
    if result.intact and not result.trusted:
        result.messages.append(
            gettext_lazy("The signing certificate was not issued by a trusted certification authority.")
        )
    if result.valid:
        result.messages.append(
            gettext_lazy(
                "The digital signature is valid and the document has not been changed since it was signed."
            )
        )
