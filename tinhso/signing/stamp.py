"""The verification QR code stamped on the last page of a result before it is signed."""

from io import BytesIO

import segno
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from tinhso.core.pdf import html_to_pdf


def qr_svg(url: str, scale: int = 3) -> str:
    """An inline SVG QR code of ``url`` (error correction M)."""
    return segno.make(url, error="m", micro=False).svg_inline(scale=scale, border=2)


def stamp_verification(pdf_bytes: bytes, url: str, document_id) -> bytes:
    """``pdf_bytes`` with a QR code of ``url`` and the verification code in the bottom-left
    corner of the last page."""
    try:
        reader = PdfReader(BytesIO(pdf_bytes))
        if reader.is_encrypted:
            raise ValidationError(_("Encrypted PDF documents cannot be signed."), code="encrypted")
        writer = PdfWriter(clone_from=reader)
        last = writer.pages[-1]
        width, height = float(last.mediabox.width), float(last.mediabox.height)
    except (PdfReadError, ValueError, IndexError, KeyError) as exc:
        raise ValidationError(_("The PDF document is damaged and cannot be signed."), code="bad_pdf") from exc
    html = render_to_string(
        "signing/stamp.html",
        {
            "width": width,
            "height": height,
            "qr": qr_svg(url, scale=2),
            "url": url,
            "document_id": document_id,
        },
    )
    overlay = PdfReader(BytesIO(html_to_pdf(html))).pages[0]
    last.merge_page(overlay)
    output = BytesIO()
    writer.write(output)
    return output.getvalue()
