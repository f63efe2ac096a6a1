"""The outgoing and incoming registers printed for a period (Decree 30/2020 Art. 16(2)(b),
22(3)(b): a register kept on the system is printed with every field of the Appendix IV form),
as PDF (WeasyPrint) and XLSX (openpyxl, imported when a workbook is made: ``tests/test_lean_workers.py``).

Columns of Appendix IV as the project's legal research lists them (legal-conformance-2026-12.md
§9; the forms themselves could not be read here): outgoing — number and symbol, date, type and
summary, signer, recipients, unit keeping the original, copies, date sent, received by, notes;
incoming — arrival date, arrival number, issuer, number and symbol, document date, type and
summary, unit or person receiving, date passed on, received by, notes. The columns filled by hand
on the printed register (received by, date passed on) stay empty.
"""

import datetime
from io import BytesIO

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.pdf import html_to_pdf
from tinhso.core.text import format_date
from tinhso.documents.models import IncomingDocument, OutgoingDocument

OUTGOING, INCOMING = "di", "den"


def _day(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value)
    return format_date(value)


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    zone = timezone.get_current_timezone()
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    return begin, datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)


def headers(kind: str) -> list[str]:
    if kind == OUTGOING:
        return [
            _("Number and symbol"), _("Document date"), _("Type and summary"), _("Signer"),
            _("Recipients"), _("Unit keeping the original"), _("Number of copies"), _("Date sent"),
            _("Received by"), _("Notes"),
        ]  # fmt: skip
    return [
        _("Arrival date"), _("Arrival number"), _("Issuer"), _("Number and symbol"), _("Document date"),
        _("Type and summary"), _("Unit or person receiving"), _("Date passed on"), _("Received by"),
        _("Notes"),
    ]  # fmt: skip


def rows(kind: str, agency, start: datetime.date, end: datetime.date) -> list[list[str]]:
    begin, until = _bounds(start, end)
    return _outgoing_rows(agency, begin, until) if kind == OUTGOING else _incoming_rows(agency, begin, until)


def _outgoing_rows(agency, begin: datetime.datetime, until: datetime.datetime) -> list[list[str]]:
    documents = (
        OutgoingDocument.objects.filter(
            agency=agency, state=OutgoingDocument.State.ISSUED, issued_at__gte=begin, issued_at__lt=until
        )
        .prefetch_related("deliveries__recipient", "deliveries__external")
        .order_by("year", "series", "number")
    )
    return [
        [
            document.reference,
            _day(document.issued_at),
            f"{document.get_type_code_display()} — {document.subject}",
            " ".join(
                filter(None, [document.signer_competence, document.signer_position, document.signer_name])
            ),
            "; ".join(delivery.recipient_name for delivery in document.deliveries.all()),
            document.unit_symbol or _("Records office"),
            str(1 + len(document.deliveries.all())),
            _day(min((delivery.created_at for delivery in document.deliveries.all()), default=None)),
            "",
            _("Secret") if document.secrecy else "",
        ]
        for document in documents
    ]


def _incoming_rows(agency, begin: datetime.datetime, until: datetime.datetime) -> list[list[str]]:
    documents = (
        IncomingDocument.objects.filter(
            agency=agency, arrival_number__isnull=False, registered_at__gte=begin, registered_at__lt=until
        )
        .select_related("handler", "handling_unit")
        .order_by("year", "arrival_number")
    )
    return [
        [
            _day(document.arrived_at),
            f"{document.arrival_number:02d}",
            document.sender_name,
            document.reference,
            _day(document.promulgation_date),
            " — ".join(filter(None, [document.type_name, document.subject])),
            _receiving(document),
            "",
            "",
            document.get_urgency_display() if document.urgency else "",
        ]
        for document in documents
    ]


def _receiving(document: IncomingDocument) -> str:
    """The unit in charge and the person handling it, as far as they are named."""
    person = (document.handler.full_name or document.handler.username) if document.handler else ""
    unit = document.handling_unit.name if document.handling_unit else ""
    return " — ".join(filter(None, [unit, person]))


def title(kind: str) -> str:
    return _("Register of outgoing documents") if kind == OUTGOING else _("Register of incoming documents")


def as_xlsx(kind: str, agency, start: datetime.date, end: datetime.date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = "So-van-ban-di" if kind == OUTGOING else "So-van-ban-den"
    sheet.append([agency.name])
    sheet.append([f"{title(kind)}: {_day(start)} – {_day(end)}"])
    sheet.append(headers(kind))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows(kind, agency, start, end):
        sheet.append(row)
    for column, width in zip("ABCDEFGHIJ", (16, 12, 48, 24, 32, 18, 8, 12, 14, 16), strict=True):
        sheet.column_dimensions[column].width = width
    output = BytesIO()
    book.save(output)
    return output.getvalue()


def as_pdf(kind: str, agency, start: datetime.date, end: datetime.date) -> bytes:
    html = render_to_string(
        "documents/pdf/register.html",
        {
            "agency": agency,
            "title": title(kind),
            "start": _day(start),
            "end": _day(end),
            "headers": headers(kind),
            "rows": rows(kind, agency, start, end),
            # Numbers, symbols and dates are not broken across lines (at the hyphen of "KH-UBND").
            "nowrap": {0, 1, 7} if kind == OUTGOING else {0, 1, 3, 4},
        },
    )
    return html_to_pdf(html)
