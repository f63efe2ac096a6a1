"""The seven forms of Circular 03/2025/TT-VPCP (Appendix I) as A4 Vietnamese PDFs.

``render_form(number, dossier, **context) -> bytes`` renders forms 01–06 of one dossier;
``render_register_pdf(rows, agency, period)`` and ``render_register_xlsx(rows, agency, period)``
render form 07, the tracking book, from ``register_rows(agency, start, end)`` or rows the caller
builds. Each paper carries the national motto, the agency, the number, the dateline, the
signature block and the dossier's QR code leading to the public tracking page.

Context each form takes (anything not given is read from the dossier's records):

- 01: ``documents`` [{"name", "form", "quantity"}], ``officer_name``, ``result_place``,
  ``book``, ``entry``
- 02: ``missing`` [str] (default: the last supplement request), ``reason``, ``officer_name``,
  ``contact_phone``
- 03: ``reason`` (default: the note of the change to status 3), ``officer_name``
- 04: ``new_due_at``, ``old_due_at``, ``reason``, ``issuer`` (the agency that is late; default:
  the last extension's), ``signer_name``, ``signer_title``
- 05: ``reason``, ``stopped_at`` (default: the change to status 8), ``signer_name``,
  ``signer_title``
- 06: ``rows`` [{"from", "to", "at", "due_at", "result" (optional: "early" / "on_time" /
  "late", "" while the step runs; else computed from ``at`` and ``due_at``), "note"}],
  ``coordinating_agencies``
- all: ``reference`` (số, ký hiệu; Forms 04 and 05 default to the number the issuing action
  registered, ``tinhso.official_forms.letters``), ``date`` (the dateline, default today),
  ``place`` (default: the unit where the issuing agency sits, ``place_name``)

Every per-dossier form states the applicant's personal identification number, masked (only
the holder needs to recognise it; Law 91/2025/QH15: no more personal data than the purpose
needs), the enterprise or household-business code whole when the e-form asked for it, the
representative when the e-form names one, and that an electronic form bears a digital
signature (the 2025 forms as reproduced in Decision 3621/QĐ-BYT; the Circular's own text could
not be read).
"""

import datetime
from io import BytesIO

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.agencies.places import place_name
from tinhso.core.links import site_url
from tinhso.core.pdf import html_to_pdf
from tinhso.core.text import format_date, format_long_date
from tinhso.dossiers.models import (
    Channel,
    Dossier,
    DossierStatusChange,
    DueTimeChange,
    DueTimeChangeKind,
    Status,
    SupplementRequest,
)
from tinhso.motcua.models import CopyForm
from tinhso.official_forms.letters import last_letter
from tinhso.signing.stamp import qr_svg
from tinhso.workflows.models import StepRecord

TITLES = {
    1: "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    2: "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    3: "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    4: "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
    5: "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
    6: "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
    7: "SỔ THEO DÕI HỒ SƠ",
}
SAME_DAY = "Trong ngày (tiếp nhận sau 15 giờ: ngày làm việc tiếp theo)"
TIME_UNITS = {"working_days": "ngày làm việc", "working_hours": "giờ làm việc", "days": "ngày"}
STEP_RESULTS = {"early": "Trước hạn", "on_time": "Đúng hạn", "late": "Quá hạn"}
# The form's words for what the applicant gave (Form 01, item 1), always in Vietnamese.
COPY_FORMS = {
    CopyForm.ORIGINAL: "Bản chính",
    CopyForm.CERTIFIED_COPY: "Bản sao có chứng thực",
    CopyForm.COPY: "Bản sao",
    CopyForm.ELECTRONIC: "Bản điện tử",
}
# E-form questions whose answers the 2025 forms print: the enterprise / household-business code
# (its tax code) and the representative of an organisation.
BUSINESS_CODE_FIELD = "ma_so"
REPRESENTATIVE_FIELD = "nguoi_dai_dien"


def tracking_url(dossier, request=None) -> str:
    """The public tracking page of ``dossier`` at the configured site, else at the address the
    officer's request came to (``tinhso.core.links.site_url``)."""
    return site_url(request) + reverse("dossiers:track_code", args=[dossier.display_code])


def clock(value: datetime.datetime | None) -> str:
    """ "08 giờ 30 phút, ngày 05 tháng 01 năm 2026", the form's way of writing a moment."""
    if value is None:
        return "…"
    value = timezone.localtime(value)
    return f"{value:%H} giờ {value:%M} phút, {format_long_date(value.date()).lower()}"


def step_result(at: datetime.datetime, due_at: datetime.datetime | None) -> str:
    """Early / on time / late of one handoff against the step's due time (same day = on time)."""
    if due_at is None:
        return ""
    if at > due_at:
        return "late"
    if timezone.localtime(at).date() < timezone.localtime(due_at).date():
        return "early"
    return "on_time"


def _header(agency, context: dict, reference: str = "") -> dict:
    moment = context.get("date") or timezone.localdate()
    parent = agency.parent
    return {
        "agency": agency,
        "parent_name": parent.name if parent else "",
        "reference": context.get("reference") or reference or "……",
        "dateline": format_long_date(moment, context.get("place") or place_name(agency)),
    }


def _applicant_ids(dossier) -> dict:
    answers = dossier.form_data or {}
    return {
        "applicant_id": dossier.masked_cccd,
        "business_code": str(answers.get(BUSINESS_CODE_FIELD) or ""),
        "representative": str(answers.get(REPRESENTATIVE_FIELD) or ""),
    }


def _documents(dossier) -> list[dict]:
    """The documents given, by name and the form each was given in (as recorded at reception:
    original, certified copy, electronic copy), counted."""
    given = dossier.counter_documents.order_by("pk").values_list("name", "copy_form", "quantity")
    if given:
        return [
            {"name": name, "form": COPY_FORMS[copy_form], "quantity": quantity}
            for name, copy_form, quantity in given
        ]
    form = "Bản điện tử" if dossier.channel == Channel.ONLINE else ""
    counted: dict[str, int] = {}
    attachments = dossier.attachments.filter(supplement=None).values_list(
        "required_document__name", "original_name"
    )
    for required_name, original_name in attachments:
        name = required_name or original_name
        counted[name] = counted.get(name, 0) + 1
    return [{"name": name, "form": form, "quantity": quantity} for name, quantity in counted.items()]


def _last_status_change(dossier, status: int):
    return (
        dossier.status_changes.filter(to_status=status).select_related("actor").order_by("-at", "-pk").first()
    )


def _require(value, message: str):
    if not value:
        raise ValidationError(message, code="missing_context")
    return value


def full_address(dossier) -> str:
    """The applicant's address with its commune and province ("Số 12 Lê Lợi, Phường Mỹ Tho, Tỉnh
    Đồng Tháp")."""
    unit = dossier.applicant_unit
    parts = [dossier.applicant_address]
    while unit is not None:
        parts.append(unit.name)
        unit = unit.parent
    return ", ".join(part for part in parts if part)


# The e-form question of the procedures of the catalogue that asks how the result is received
# (``tinhso/procedures/data``) and what each answer means on Form 01.
RESULT_CHANNEL_FIELD = "hinh_thuc_nhan"
BY_POST, ELECTRONIC = "buu_chinh", "dien_tu"


def result_place(dossier) -> str:
    """Where the applicant registered to receive the result (Form 01, item 6): at the agency's
    counter, by public postal service to their address, or electronically."""
    chosen = (dossier.form_data or {}).get(RESULT_CHANNEL_FIELD)
    labels = {
        choice["value"]: choice["label"]
        for page in (dossier.procedure.eform or {}).get("pages", [])
        for field in page["fields"]
        if field["name"] == RESULT_CHANNEL_FIELD
        for choice in field.get("choices", [])
    }
    counter = dossier.receiving_agency.name
    if chosen not in labels:
        return counter
    if chosen == BY_POST:
        return f"{labels[chosen]}, địa chỉ nhận: {full_address(dossier) or '…'}"
    if chosen == ELECTRONIC:
        to = f", thư điện tử {dossier.applicant_email}" if dossier.applicant_email else ""
        return f"{labels[chosen]} (tài khoản dịch vụ công của người nộp{to})"
    return f"{labels[chosen]} tại {counter}"


def receiving_officer(dossier) -> str:
    """The officer who accepted the dossier (the change to status 2), if one did."""
    accepted = dossier.status_changes.filter(to_status=Status.ACCEPTED)
    return accepted.values_list("actor__full_name", flat=True).first() or ""


def _form_01(dossier, context: dict) -> dict:
    procedure = dossier.procedure
    return {
        "documents": context.get("documents") or _documents(dossier),
        "processing_time": SAME_DAY
        if procedure.processing_unit == "same_day"
        else f"{procedure.processing_time} {TIME_UNITS.get(procedure.processing_unit, '')}",
        "received": clock(dossier.received_at or dossier.submitted_at),
        "due": clock(context.get("due_at") or dossier.due_at),
        "result_place": context.get("result_place") or result_place(dossier),
        "officer_name": receiving_officer(dossier) or context.get("officer_name", ""),
        **_book_line(dossier, context),
    }


def _book_line(dossier, context: dict) -> dict:
    """Form 01's "Vào Sổ theo dõi hồ sơ, Quyển số …, Số thứ tự …" from the tracking book."""
    if context.get("book") or context.get("entry"):
        return {}
    entry = book_entry(dossier)
    return {"book": entry[0], "entry": entry[1]} if entry else {}


def _form_02(dossier, context: dict) -> dict:
    missing = context.get("missing")
    request = (
        dossier.supplement_requests.select_related("requested_by").order_by("-requested_at", "-pk").first()
    )
    if not missing and request is not None:
        missing = request.missing
    values = {
        "missing": _require(missing, _("Form 02 needs the list of missing items.")),
        "reason": context.get("reason") or (request.note if request else ""),
    }
    if request is not None and request.requested_by:
        values["officer_name"] = request.requested_by.full_name
    return values


def _form_03(dossier, context: dict) -> dict:
    change = _last_status_change(dossier, Status.REFUSED)
    reason = context.get("reason") or (change.note if change else "")
    values = {"reason": _require(reason, _("Form 03 needs the reason for the refusal."))}
    if change is not None and change.actor:
        values["officer_name"] = change.actor.full_name
    return values


def _form_04(dossier, context: dict) -> dict:
    """Written in the name of the agency that is late, the one the extension is counted against
    (Decree 61/2018/NĐ-CP Art. 19(9)(a), kept by Decree 118/2025/NĐ-CP), not always the desk."""
    change = dossier.due_time_changes.filter(kind=DueTimeChangeKind.EXTENSION).order_by("-at", "-pk").first()
    new_due_at = context.get("new_due_at") or (change.new_due_at if change else None)
    old_due_at = context.get("old_due_at") or (change.old_due_at if change else None)
    reason = context.get("reason") or (change.reason if change else "")
    extension = (
        dossier.extensions.select_related("agency__parent", "agency__unit").order_by("-at", "-pk").first()
    )
    letter = last_letter(dossier, 4)
    return {
        "issuer": context.get("issuer") or (extension.agency if extension else None),
        "letter_reference": letter.reference if letter else "",
        "new_due": clock(_require(new_due_at, _("Form 04 needs the new due time."))),
        "old_due": clock(old_due_at),
        "reason": _require(reason, _("Form 04 needs the reason for the extension.")),
    }


def _form_05(dossier, context: dict) -> dict:
    change = _last_status_change(dossier, Status.STOPPED)
    reason = context.get("reason") or (change.note if change else "")
    stopped_at = context.get("stopped_at") or (change.at if change else None)
    letter = last_letter(dossier, 5)
    return {
        "letter_reference": letter.reference if letter else "",
        "reason": _require(reason, _("Form 05 needs the reason for stopping.")),
        "stopped": clock(stopped_at or timezone.now()),
    }


def _form_06(dossier, context: dict) -> dict:
    rows = []
    for row in _require(context.get("rows"), _("Form 06 needs the handoffs of the dossier.")):
        result = row["result"] if "result" in row else step_result(row["at"], row.get("due_at"))
        rows.append(
            {
                "from": row.get("from", ""),
                "to": row.get("to", ""),
                "at": clock(row["at"]),
                "due": clock(row["due_at"]) if row.get("due_at") else "",
                "result": STEP_RESULTS.get(result, ""),
                "note": row.get("note", ""),
            }
        )
    return {"rows": rows, "coordinating_agencies": context.get("coordinating_agencies") or ""}


def available_forms(dossier) -> list[int]:
    """The per-dossier forms its records can fill: 01 once received (it carries the dossier code),
    02 after a supplement request, 03 after a refusal, 04 after an extension, 05 after a stop, 06
    once the dossier was handed on."""
    this = OuterRef("pk")
    records = {
        2: SupplementRequest.objects.filter(dossier=this),
        3: DossierStatusChange.objects.filter(dossier=this, to_status=Status.REFUSED),
        4: DueTimeChange.objects.filter(dossier=this, kind=DueTimeChangeKind.EXTENSION),
        5: DossierStatusChange.objects.filter(dossier=this, to_status=Status.STOPPED),
        6: StepRecord.objects.filter(dossier=this),
    }
    present = (
        Dossier.objects.filter(pk=dossier.pk)
        .values_list(*(Exists(found) for found in records.values()))
        .first()
    ) or [False] * len(records)
    found = dict(zip(records, present, strict=True))
    return [number for number, filled in {1: bool(dossier.code), **found}.items() if filled]


BUILDERS = {1: _form_01, 2: _form_02, 3: _form_03, 4: _form_04, 5: _form_05, 6: _form_06}


def render_form(number: int, dossier, request=None, **context) -> bytes:
    """The PDF of form ``number`` (1–6) for ``dossier``; ``ValidationError`` when the dossier's
    records lack what the form must state (e.g. Form 03 without a reason). ``request``: the
    officer's, whose address the QR code uses when ``SITE_URL`` is not configured."""
    return html_to_pdf(form_html(number, dossier, request, **context))


def form_html(number: int, dossier, request=None, **context) -> str:
    """The HTML the PDF of ``render_form`` is printed from."""
    if number not in BUILDERS:
        raise ValueError(f"Unknown form number {number!r}; forms 1–6 are per dossier, 7 is the register.")
    if dossier.is_draft:
        raise ValidationError(_("A draft dossier has no forms."), code="draft")
    if number == 1 and not dossier.code:
        # The receipt carries the dossier code issued on reception (Decree 118/2025/NĐ-CP
        # Art. 17(3) as amended by Decree 309/2026/NĐ-CP Art. 8(3)).
        raise ValidationError(
            _("The receipt (Form 01) is issued when the dossier is received."), code="not_received"
        )
    url = tracking_url(dossier, request)
    built = BUILDERS[number](dossier, context)
    issuer = built.pop("issuer", None) or dossier.receiving_agency
    values = {
        **context,
        **_header(issuer, context, built.pop("letter_reference", "")),
        **_applicant_ids(dossier),
        **built,
        "form_number": f"{number:02d}",
        "title": TITLES[number],
        "dossier": dossier,
        "applicant_address": full_address(dossier),
        "tracking_url": url,
        "qr": qr_svg(url),
    }
    return render_to_string(f"official_forms/form_{number:02d}.html", values)


# Form 07: the tracking book ------------------------------------------------------------------

# The 01/2018 columns with the 2025 form's "Phương thức nhận kết quả" (Decision 3621/QĐ-BYT
# reproduces the Circular 03/2025 form; the Circular's own text could not be read), and the book
# (one per field of procedures and year) with each dossier's number in it.
REGISTER_COLUMNS = [
    ("entry", "Số thứ tự"),
    ("book", "Quyển số"),
    ("code", "Mã hồ sơ"),
    ("procedure", "Tên thủ tục hành chính"),
    ("quantity", "Số lượng hồ sơ (bộ)"),
    ("applicant", "Tên cá nhân, tổ chức"),
    ("contact", "Địa chỉ, số điện thoại"),
    ("handling_agency", "Cơ quan chủ trì giải quyết"),
    ("received_at", "Nhận hồ sơ"),
    ("due_at", "Hẹn trả kết quả"),
    ("transferred_at", "Chuyển hồ sơ đến cơ quan giải quyết"),
    ("result_received_at", "Nhận kết quả từ cơ quan giải quyết"),
    ("result_method", "Phương thức nhận kết quả"),
    ("returned_at", "Trả kết quả cho cá nhân, tổ chức"),
    ("signature", "Ký nhận"),
    ("note", "Ghi chú"),
]
# The book is always kept in Vietnamese, whatever the officer's interface language.
REGISTER_NOTES = {
    Status.REFUSED: "Không được tiếp nhận",
    Status.WITHDRAWN: "Công dân rút hồ sơ",
    Status.STOPPED: "Dừng giải quyết",
}
DATE_COLUMNS = ("received_at", "due_at", "transferred_at", "result_received_at", "returned_at")
AT_THE_COUNTER = "Nhận trực tiếp"


def book_name(field, year: int) -> str:
    """ "HO-TICH/2026": the book of a field of procedures for one year."""
    return f"{field.code.upper()}/{year}"


def book_entry(dossier) -> tuple[str, int] | None:
    """The dossier's book and its number there, given at reception
    (``tinhso.dossiers.codes.issue_book_number``)."""
    if dossier.received_at is None or dossier.book_number is None:
        return None
    return book_name(
        dossier.procedure.field, timezone.localdate(dossier.received_at).year
    ), dossier.book_number


def result_method(dossier) -> str:
    """How the applicant receives the result, as the e-form's answer says; at the counter when
    the procedure does not ask."""
    chosen = (dossier.form_data or {}).get(RESULT_CHANNEL_FIELD)
    for page in (dossier.procedure.eform or {}).get("pages", []):
        for field in page["fields"]:
            if field["name"] == RESULT_CHANNEL_FIELD:
                for choice in field.get("choices", []):
                    if choice["value"] == chosen:
                        return choice["label"]
    return AT_THE_COUNTER


def _transfers(dossier) -> tuple:
    """The competent agency and when the desk handed the dossier to it and got the result back:
    the first handoff away from the receiving agency and the next one back to it (Form 06's
    records); the receiving agency itself when the dossier never left it."""
    handed, back = None, None
    for record in dossier.step_records.all():
        if handed is None and record.to_agency_id != dossier.receiving_agency_id:
            handed = record
        elif handed is not None and record.to_agency_id == dossier.receiving_agency_id:
            back = record
            break
    agency = handed.to_agency if handed else dossier.receiving_agency
    return agency.name, handed.at if handed else None, back.at if back else dossier.finished_at


def register_rows(
    agency,
    start: datetime.date,
    end: datetime.date,
    include_children: bool = True,
    field=None,
) -> list[dict]:
    """Form 07 rows: dossiers received by ``agency`` (and its sub-agencies) from ``start`` to
    ``end`` inclusive (local days), of one field of procedures or all, by book and number."""
    agencies = agency.descendants(include_self=True) if include_children else [agency]
    tz = timezone.get_current_timezone()
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    finish = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    dossiers = (
        Dossier.objects.filter(
            receiving_agency__in=agencies, is_draft=False, received_at__gte=begin, received_at__lt=finish
        )
        .select_related("procedure__field", "receiving_agency")
        .prefetch_related(
            Prefetch(
                "step_records", queryset=StepRecord.objects.select_related("to_agency").order_by("at", "pk")
            )
        )
        .order_by("received_at", "pk")
    )
    if field is not None:
        dossiers = dossiers.filter(procedure__field=field)
    rows = []
    for dossier in dossiers:
        handling_agency, transferred_at, result_received_at = _transfers(dossier)
        rows.append(
            {
                "book": book_name(dossier.procedure.field, timezone.localdate(dossier.received_at).year),
                "entry": dossier.book_number,
                "code": dossier.code,
                "procedure": dossier.procedure.name,
                "quantity": 1,
                "applicant": dossier.applicant_name,
                "contact": ", ".join(
                    part for part in (dossier.applicant_address, dossier.applicant_phone) if part
                ),
                "handling_agency": handling_agency,
                "received_at": dossier.received_at,
                "due_at": dossier.due_at,
                "transferred_at": transferred_at,
                "result_received_at": result_received_at,
                "result_method": result_method(dossier),
                "returned_at": dossier.returned_at,
                "note": REGISTER_NOTES.get(dossier.status, ""),
            }
        )
    rows.sort(key=lambda row: (row["book"], row["entry"]))
    return rows


def _period_text(period) -> str:
    start, end = period
    return f"Từ ngày {format_date(start)} đến ngày {format_date(end)}"


def _register_cells(rows) -> list[list]:
    table = []
    for row in rows:
        cells = []
        for key, _label in REGISTER_COLUMNS:
            value = row.get(key, "")
            cells.append("" if value is None else value)
        table.append(cells)
    return table


def render_register_pdf(rows: list[dict], agency, period: tuple[datetime.date, datetime.date]) -> bytes:
    """Form 07 as an A4 landscape PDF."""
    table = [
        [
            (
                timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
                if isinstance(value, datetime.datetime)
                else value
            )
            for value in cells
        ]
        for cells in _register_cells(rows)
    ]
    html = render_to_string(
        "official_forms/form_07.html",
        {
            **_header(agency, {}),
            "title": TITLES[7],
            "form_number": "07",
            "period": _period_text(period),
            "columns": REGISTER_COLUMNS,
            "table": table,
        },
    )
    return html_to_pdf(html)


def render_register_xlsx(rows: list[dict], agency, period: tuple[datetime.date, datetime.date]) -> bytes:
    """Form 07 as an Excel workbook (dates as real Excel date-times, local time)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "So theo doi ho so"
    width = len(REGISTER_COLUMNS)
    sheet.append([agency.name.upper()])
    sheet.append([TITLES[7]])
    sheet.append([_period_text(period)])
    sheet.append([])
    sheet.append([label for _key, label in REGISTER_COLUMNS])
    for line in (1, 2, 3):
        sheet.merge_cells(start_row=line, start_column=1, end_row=line, end_column=width)
        sheet.cell(line, 1).font = Font(bold=line < 3, size=14 if line == 2 else 11)
        sheet.cell(line, 1).alignment = Alignment(horizontal="center")
    thin = Side(style="thin")
    for cell in sheet[5]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    date_columns = {index for index, (key, _label) in enumerate(REGISTER_COLUMNS) if key in DATE_COLUMNS}
    for cells in _register_cells(rows):
        values = [
            timezone.localtime(value).replace(tzinfo=None) if isinstance(value, datetime.datetime) else value
            for value in cells
        ]
        sheet.append(values)
        for index in date_columns:
            sheet.cell(sheet.max_row, index + 1).number_format = "dd/mm/yyyy hh:mm"
    for index, (key, _label) in enumerate(REGISTER_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 8 if key == "entry" else 18
    sheet.freeze_panes = "A6"
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()
