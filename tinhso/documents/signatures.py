"""The leader's and the agency's digital signatures on an outgoing document, and its text.

Decree 30/2020/NĐ-CP: the competent person signs the electronic document digitally, the image
and position of the signature as Appendix I says (Art. 13(7)); then the văn thư gives the number
and the date of issue through the system (Art. 14(1), 15(3)), registers it (Art. 16) and applies
the agency's digital signature (Art. 14(3), 17(2)), only on a document already signed by the
competent person (Art. 32(2)(d)). On paper the seal covers about a third of the signature on its
left (Art. 33(1)(b)); Appendix I places the electronic seal image the same way, red, at the
physical seal's size, with the agency's name and the signing time (Vietnam time, ISO 8601).
The text of Appendix I itself could not be read here: its rules come from the project's legal
research (legal-conformance-2026-12.md §9); the articles above were checked in the decree's text.

Both signatures are PAdES (pyHanko) with the agency's certificate (the platform holds
organisation certificates only; the leader is named in the first signature). So that the
leader's signature stays valid, the places of the number and of the date are empty form fields
created with it, filled in the same revision as the agency's signature: form filling and further
signatures are the changes PAdES allows after a signature.

Where things go is read from the draft's PDF: the "Số:" line and the "…, ngày … tháng … năm …"
line on the first page, the signer's name on the last page; a PDF without them is refused.
"""

import base64
import datetime
import os
import tempfile
from dataclasses import dataclass
from io import BytesIO

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from tinhso.agencies.places import place_name
from tinhso.core.pdf import html_to_pdf
from tinhso.documents import doctypes, numbering
from tinhso.documents.models import SealImage, SignerImage
from tinhso.signing.pdf import PDF_MAGIC, _outside_event_loop, active_certificate, signature_space

LEADER_FIELD = "ChuKyNguoiKy"
AGENCY_FIELD = "ChuKyCoQuan"
NUMBER_FIELD = "SoKyHieu"
DATE_FIELD = "NgayBanHanh"
SIGNATURE_SIZE = (150, 60)  # points: the signer's image between the position and the name
SEAL_DIAMETER = 102  # points, 36 mm: the size of an agency's round seal
MAX_TEXT = 200_000  # characters of a PDF's text kept for search


@dataclass
class Anchor:
    page: int
    x: float
    y: float
    size: float
    text: str

    @property
    def width(self) -> float:
        """An estimate of the text's width (a serif font's average advance)."""
        return len(self.text) * self.size * 0.48


def _reader(pdf: bytes) -> PdfReader:
    if not pdf.startswith(PDF_MAGIC):
        raise ValidationError(_("The draft's file is not a PDF document."), code="not_pdf")
    try:
        reader = PdfReader(BytesIO(pdf))
        if reader.is_encrypted:
            raise ValidationError(_("Encrypted PDF documents cannot be signed."), code="encrypted")
        pages = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, IndexError) as exc:
        raise ValidationError(_("The draft's PDF is damaged and cannot be signed."), code="bad_pdf") from exc
    if not pages:
        raise ValidationError(_("The draft's PDF has no page."), code="bad_pdf")
    return reader


def _runs(reader: PdfReader, page_index: int) -> list[Anchor]:
    """The text runs of a page with their position (PDF user space) and size."""
    runs: list[Anchor] = []

    def visit(text, cm, tm, _font, size):
        if not text.strip():
            return
        a, b, c, d = (tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3],
                      tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])  # fmt: skip
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(a * d - b * c) ** 0.5 or 1
        runs.append(Anchor(page_index, x, y, (size or 1) * scale, " ".join(text.split())))

    reader.pages[page_index].extract_text(visitor_text=visit)
    return runs


def _find(runs: list[Anchor], predicate) -> Anchor | None:
    return next((run for run in runs if predicate(run.text)), None)


def anchors(pdf: bytes, signer_name: str) -> dict[str, Anchor]:
    """Where the number, the date and the signer's name are; a clear refusal when one is missing."""
    reader = _reader(pdf)
    first = _runs(reader, 0)
    last = first if len(reader.pages) == 1 else _runs(reader, len(reader.pages) - 1)
    number = _find(first, lambda text: text.startswith("Số:") or text.startswith("Số :"))
    date = _find(first, lambda text: ", ngày" in text and "năm" in text)
    name = _find(last, lambda text: text == signer_name) if signer_name else None
    if number is None:
        raise ValidationError(_("The draft has no “Số:” line on its first page."), code="layout")
    if date is None:
        raise ValidationError(
            _("The draft has no place and date line (“…, ngày … tháng … năm …”) on its first page."),
            code="layout",
        )
    if name is None:
        raise ValidationError(
            _("The signer's name (%(name)s) is not on the last page of the draft.") % {"name": signer_name},
            code="layout",
        )
    return {"number": number, "date": date, "name": name}


def render_draft(document) -> bytes:
    """The draft as a PDF in the layout of Appendix I, the number and date left blank."""
    agency = document.agency
    with translation.override("vi"):  # the document is in Vietnamese whatever the page's language
        marks = [
            str(label) for value, label in ((document.urgency, document.get_urgency_display()),) if value
        ]
        if document.secrecy:
            marks.insert(0, str(document.get_secrecy_display()))
    html = render_to_string(
        "documents/pdf/draft.html",
        {
            "document": document,
            "parent": agency.parent.name if agency.parent_id else "",
            "symbol": numbering.symbol_for(document),
            "letter": document.type_code == doctypes.CONG_VAN,
            "type_name": document.doc_type.name,
            "place": place_name(agency),
            "marks": marks,
            "signer_name": document.signer_name,
        },
    )
    return html_to_pdf(html)


def _pdf(template: str, **context) -> str:
    """A one-page PDF rendered from ``template``, in a temporary file (pyHanko imports from paths)."""
    context = {key: f"{value:.2f}" if isinstance(value, float) else value for key, value in context.items()}
    data = html_to_pdf(render_to_string(template, context))
    handle = tempfile.NamedTemporaryFile(suffix=".pdf", delete=False)  # noqa: SIM115 - removed by caller
    with handle:
        handle.write(data)
    return handle.name


def _signature_box(name: Anchor) -> tuple[float, float, float, float]:
    width, height = SIGNATURE_SIZE
    centre = name.x + name.width / 2
    bottom = name.y + name.size * 1.2
    return (centre - width / 2, bottom, centre + width / 2, bottom + height)


def _sign(writer, agency, field: str, box, appearance: str, *, reason: str, location: str, name: str):
    from pyhanko.pdf_utils.content import ImportedPdfPage
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.stamp import StaticStampStyle

    certificate = active_certificate(agency)
    metadata = signers.PdfSignatureMetadata(
        field_name=field,
        reason=reason,
        location=location,
        name=name,
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
    )
    page, rect = box
    left, bottom, right, top = (int(value) for value in rect)
    signer = certificate.signer()
    pdf_signer = signers.PdfSigner(
        metadata,
        signer=signer,
        stamp_style=StaticStampStyle(background=ImportedPdfPage(appearance), border_width=0),
        new_field_spec=fields.SigFieldSpec(field, on_page=page, box=(left, bottom, right, top)),
    )
    output = BytesIO()
    _outside_event_loop(pdf_signer.sign_pdf, writer, output=output, bytes_reserved=signature_space(signer))
    return output.getvalue()


def _png(image) -> str:
    """An uploaded image for a data URI, "" when there is none (a drawn image stands in)."""
    return base64.b64encode(bytes(image.png)).decode("ascii") if image is not None else ""


def leader_sign(pdf: bytes, document, signer_name: str, signer=None) -> bytes:
    """The leader's signature: the signer's image (uploaded by ``signer``, else drawn) between
    position and name, and the empty fields for the number and the date that the văn thư fills
    at issue."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    places = anchors(pdf, document.signer_name or signer_name)
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    number, date = places["number"], places["date"]
    number_box = (
        number.x + number.size * 1.6,
        number.y - number.size * 0.3,
        number.size * 9,
        number.size * 1.3,
    )
    date_box = (
        date.x - date.size,
        date.y - date.size * 0.3,
        date.width * 1.2 + date.size * 2,
        date.size * 1.3,
    )
    page_ref, _resources = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    annotations = page.get("/Annots", generic.ArrayObject())
    if isinstance(annotations, generic.IndirectObject):
        annotations = annotations.get_object()
    form = writer.root.get("/AcroForm")
    if form is None:
        form = generic.DictionaryObject({generic.pdf_name("/Fields"): generic.ArrayObject()})
        writer.root[generic.pdf_name("/AcroForm")] = writer.add_object(form)
        writer.update_root()
    form = form.get_object()
    for name, (x, y, width, height) in ((NUMBER_FIELD, number_box), (DATE_FIELD, date_box)):
        widget = writer.add_object(
            generic.DictionaryObject(
                {
                    generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
                    generic.pdf_name("/Subtype"): generic.pdf_name("/Widget"),
                    generic.pdf_name("/FT"): generic.pdf_name("/Tx"),
                    generic.pdf_name("/T"): generic.pdf_string(name),
                    generic.pdf_name("/F"): generic.NumberObject(4),
                    generic.pdf_name("/Rect"): generic.ArrayObject(
                        generic.FloatObject(round(v, 2)) for v in (x, y, x + width, y + height)
                    ),
                    generic.pdf_name("/DA"): generic.pdf_string("/Helv 0 Tf 0 g"),
                }
            )
        )
        annotations.append(widget)
        form["/Fields"].append(widget)
    page[generic.pdf_name("/Annots")] = annotations
    writer.update_container(page)
    writer.update_container(form)
    image = _pdf(
        "documents/pdf/signer_image.html",
        width=SIGNATURE_SIZE[0],
        height=SIGNATURE_SIZE[1],
        name=signer_name,
        font_size=f"{min(22, 330 / max(len(signer_name), 1)):.1f}",
        png=_png(SignerImage.objects.filter(user=signer).first() if signer else None),
    )
    try:
        return _sign(
            writer,
            document.agency,
            LEADER_FIELD,
            (places["name"].page, _signature_box(places["name"])),
            image,
            reason=_("Signed for issue"),
            location=place_name(document.agency),
            name=signer_name,
        )
    finally:
        _remove(image)


def _remove(path: str) -> None:
    os.unlink(path)


def _seal_lines(name: str) -> list[dict]:
    words, lines, line = name.upper().split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > 13:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    lines = lines[:4]
    above = lines[: (len(lines) + 1) // 2]
    below = lines[len(above) :]
    ys = [62 - 12 * (len(above) - 1 - i) for i in range(len(above))] + [
        148 + 12 * i for i in range(len(below))
    ]
    return [{"text": text, "y": y} for text, y in zip(above + below, ys, strict=True)]


def _fill(writer, name: str, text: str, *, italic: bool, align: str) -> None:
    """Put ``text`` in the form field ``name``: its value and its appearance."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.reader import PdfFileReader

    form = writer.root["/AcroForm"].get_object()
    widget = next(f.get_object() for f in form["/Fields"] if f.get_object().get("/T") == name)
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    height = y2 - y1
    path = _pdf(
        "documents/pdf/field.html",
        width=x2 - x1,
        height=height,
        size=round(height / 1.3, 1),
        text=text,
        italic=italic,
        align=align,
    )
    try:
        with open(path, "rb") as handle:
            appearance = writer.import_page_as_xobject(PdfFileReader(handle), page_ix=0)
    finally:
        _remove(path)
    widget[generic.pdf_name("/V")] = generic.pdf_string(text)
    widget[generic.pdf_name("/AP")] = generic.DictionaryObject({generic.pdf_name("/N"): appearance})
    writer.update_container(widget)


def dateline(place: str, at: datetime.datetime) -> str:
    """ "Đồng Tháp, ngày 03 tháng 12 năm 2026": day and months 1–2 with a leading zero (Appendix I)."""
    day = timezone.localdate(at)
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def agency_sign(pdf: bytes, document, at: datetime.datetime) -> bytes:
    """At issue: the number and the date in their fields and the agency's signature, its seal
    image over the left third of the signer's image."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    places = anchors(pdf, document.signer_name)
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    place = places["date"].text.split(", ngày")[0]
    _fill(writer, NUMBER_FIELD, document.reference, italic=False, align="left")
    _fill(writer, DATE_FIELD, dateline(place, at), italic=True, align="center")
    left, bottom, right, top = _signature_box(places["name"])
    seal_right = left + (right - left) / 3
    seal_height = SEAL_DIAMETER * 230 / 200
    middle = (bottom + top) / 2
    box = (
        seal_right - SEAL_DIAMETER,
        middle - seal_height / 2 - 10,
        seal_right,
        middle + seal_height / 2 - 10,
    )
    signed_at = timezone.localtime(at).isoformat(timespec="seconds")
    seal = _pdf(
        "documents/pdf/seal.html",
        width=SEAL_DIAMETER,
        height=seal_height,
        lines=_seal_lines(document.agency.name),
        agency_name=document.agency.name,
        signed_at=signed_at,
        png=_png(SealImage.objects.filter(agency=document.agency).first()),
    )
    try:
        return _sign(
            writer,
            document.agency,
            AGENCY_FIELD,
            (places["name"].page, box),
            seal,
            reason=_("Issued as %(reference)s") % {"reference": document.reference},
            location=place_name(document.agency),
            name=document.agency.name,
        )
    finally:
        _remove(seal)


def text_of(pdf: bytes) -> str:
    """The text of a PDF for search; empty when it cannot be read (a scan, a damaged file)."""
    if not pdf.startswith(PDF_MAGIC):
        return ""
    try:
        reader = PdfReader(BytesIO(pdf))
        if reader.is_encrypted:
            return ""
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except Exception:  # pypdf raises many kinds of errors on a damaged file
        return ""
    return " ".join(text.split())[:MAX_TEXT]
