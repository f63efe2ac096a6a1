"""The received PDF's digital signature against the document's header (Decree 30/2020/NĐ-CP Art.
21(2)(a)-(b): for an electronic document the văn thư checks its authenticity and integrity before
taking it in, returns one that fails to the sender, and reports anything abnormal).

``check`` reads the signature with pyHanko (``tinhso.signing.pdf.verify_pdf``: integrity, content
added after signing, a certificate chaining to the province CA or another active trust root) and
compares what it finds with the header: the certificate's agency with the sender, the names the
signatures give (the leader's first, then the agency's) with ``SignerInfo/FullName``, the signing
day with the document's date (issued the day it is signed, at the latest the next working day,
Art. 18(1)), and the number and symbol with the text of the PDF and of its form fields. Each
finding is kept as a code and its parameters (``IncomingDocument.signature_findings``) and shown
in the reader's language; any finding flags the document, and the clerk registers it only with an
explicit confirmation (``register_incoming(accept_signature=True)``) or returns it with a reason.
"""

import datetime
import logging
import re
from dataclasses import dataclass, field
from io import BytesIO
from typing import cast

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.agencies.models import Agency
from tinhso.core.text import nfc
from tinhso.documents.models import IncomingDocument, SignatureCheck
from tinhso.signing.pdf import verify_pdf
from tinhso.worktime.calendar import is_working_day

logger = logging.getLogger(__name__)

MESSAGES = {
    "unreadable": _("The file is not a PDF document or cannot be read."),
    "unsigned": _("The PDF carries no digital signature."),
    "tampered": _("The PDF was changed after it was signed: the signature does not match its content."),
    "added": _("Content was added to the PDF after it was signed."),
    "untrusted": _("The signing certificate was not issued by the province CA or another trusted authority."),
    "agency": _("The PDF was signed with the certificate of %(signed)s, not of the sender %(sender)s."),
    "signer": _("The PDF was signed by %(signed)s; the header names the signer %(header)s."),
    "date": _("The PDF was signed on %(signed)s; the header dates the document %(header)s."),
    "reference": _("The number and symbol %(reference)s do not appear in the PDF."),
}


@dataclass
class Check:
    state: str = ""
    findings: list[dict] = field(default_factory=list)
    signer: str = ""
    certificate: str = ""
    signed_at: datetime.datetime | None = None

    def add(self, code: str, **params: str) -> None:
        self.findings.append({"code": code, "params": params})


def messages(findings: list[dict]) -> list[str]:
    """The findings as sentences in the active language."""
    return [
        str(MESSAGES[finding["code"]]) % finding["params"]
        for finding in findings
        if finding["code"] in MESSAGES
    ]


def _same(a: str, b: str) -> bool:
    return nfc(a).strip().casefold() == nfc(b).strip().casefold()


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", nfc(text)).upper()


def _pdf_text(data: bytes) -> str:
    """The pages' text and the values of the form fields: the number and the date of a document
    signed by its leader are fields the văn thư filled at issue (``tinhso.documents.signatures``)."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(BytesIO(data))
        fields = reader.get_form_text_fields() or {}
        return "".join(page.extract_text() or "" for page in reader.pages) + "".join(
            str(value) for value in fields.values() if value
        )
    except Exception:  # a damaged file: its signature finding says so already
        logger.info("No text could be read from a received PDF", exc_info=True)
        return ""


def _signer_names(data: bytes) -> list[str]:
    """The name each signature gives: the leader's, then the agency's (Art. 14(3))."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        signatures = PdfFileReader(BytesIO(data), strict=False).embedded_signatures
        return [str(signature.sig_object.get("/Name", "")) for signature in signatures]
    except Exception:  # a damaged file: its signature finding says so already
        logger.info("No signature could be read from a received PDF", exc_info=True)
        return []


def _next_working_day(day: datetime.date) -> datetime.date:
    day += datetime.timedelta(days=1)
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def check(data: bytes, incoming: IncomingDocument) -> Check:
    """What the signature of ``data`` says about ``incoming``'s header."""
    result = Check()
    verification = verify_pdf(data)
    if not verification.signed:
        result.add(
            "unsigned" if verification.signature_count == 0 and data.startswith(b"%PDF-") else "unreadable"
        )
        result.state = SignatureCheck.FLAGGED
        return result
    result.signer = verification.signer[:200]
    result.certificate = verification.certificate_subject[:200]
    result.signed_at = cast("datetime.datetime | None", verification.signed_at)
    if not verification.intact:
        result.add("tampered")
    elif verification.modified_after_signing:
        result.add("added")
    if verification.intact and not verification.trusted:
        result.add("untrusted")
    agency = cast("Agency | None", verification.agency)
    if incoming.sender_code:
        same_sender = agency is not None and agency.code == incoming.sender_code
    else:
        same_sender = _same(agency.name if agency else verification.certificate_subject, incoming.sender_name)
    if not same_sender:
        result.add(
            "agency",
            signed=agency.name if agency else verification.certificate_subject,
            sender=incoming.sender_name,
        )
    names = [verification.signer, *_signer_names(data)]
    if incoming.signer_name and not any(_same(name, incoming.signer_name) for name in names):
        result.add("signer", signed=verification.signer, header=incoming.signer_name)
    if result.signed_at and incoming.promulgation_date:
        signed_on = timezone.localdate(result.signed_at)
        if not signed_on <= incoming.promulgation_date <= _next_working_day(signed_on):
            result.add(
                "date",
                signed=signed_on.strftime("%d/%m/%Y"),
                header=incoming.promulgation_date.strftime("%d/%m/%Y"),
            )
    if incoming.reference and _compact(incoming.reference) not in _compact(_pdf_text(data)):
        result.add("reference", reference=incoming.reference)
    result.state = SignatureCheck.FLAGGED if result.findings else SignatureCheck.MATCHES
    return result


def apply(incoming: IncomingDocument, data: bytes) -> None:
    """Check ``data`` and keep the outcome on ``incoming`` (not saved)."""
    result = check(data, incoming)
    incoming.signature_check = result.state
    incoming.signature_findings = result.findings
    incoming.signature_signer = result.signer
    incoming.signature_certificate = result.certificate
    incoming.signature_signed_at = result.signed_at
