"""The one-stop report as an XLSX workbook with Vietnamese headers. openpyxl (~5 MiB in each
process) is imported when a workbook is made, not when Django starts (``tests/test_lean_workers.py``)."""

from io import BytesIO

from django.utils.translation import gettext as _

from tinhso.core.text import format_date


def report_rows(report: dict) -> list[tuple[str, object]]:
    """(label, value) lines of the report, as shown on the page and in the workbook."""
    received, resolved, progress = report["received"], report["resolved"], report["in_progress"]
    rates, indicators, rated = report["rates"], report["indicators_766"], report["satisfaction"]

    def percent(value):
        return _("not available") if value is None else value

    return [
        (_("Carried over from the previous period"), report["carried_over"]),
        (_("Newly received"), received["total"]),
        (_("— online"), received["online"]),
        (_("— in person"), received["direct"]),
        (_("— by post"), received["postal"]),
        (_("Total to process"), report["to_process"]),
        (_("Resolved"), resolved["total"]),
        (_("— early"), resolved["early"]),
        (_("— on time"), resolved["on_time"]),
        (_("— late"), resolved["late"]),
        (_("In progress"), progress["total"]),
        (_("— not yet due"), progress["not_yet_due"]),
        (_("— overdue"), progress["overdue"]),
        (_("Withdrawn"), report["withdrawn"]),
        (_("Stopped"), report["stopped"]),
        (_("Refused"), report["refused"]),
        (_("Results returned"), report["returned"]),
        (_("On-time rate (%)"), percent(rates["on_time"])),
        (_("Online rate (%)"), percent(rates["online"])),
        (_("Full-process online rate (%)"), percent(rates["full_process_online"])),
        (_("Decision 766 — processing progress (%)"), percent(indicators["processing_progress"])),
        (_("Decision 766 — online service (%)"), percent(indicators["online_service"])),
        (_("Decision 766 — online payment (%)"), percent(indicators["online_payment"])),
        (_("Decision 766 — digitisation (%)"), percent(indicators["digitisation"])),
        (_("Decision 766 — satisfaction (%)"), percent(indicators["satisfaction"])),
        (_("— satisfaction ratings received"), rated["ratings"]),
        (_("— average rating (stars out of 5)"), percent(rated["average_stars"])),
    ]


def report_scope(report: dict) -> str:
    agency = report["agency"]
    name = agency.name if agency is not None else _("The whole province")
    if agency is not None and report["include_children"]:
        name = _("%(agency)s and its subordinate agencies") % {"agency": name}
    return name


def index_rows(index: dict) -> list[list]:
    """The Decision 766 index as rows: each indicator of the scope, then the agencies ranked."""
    total = index["total"]
    rows = [
        [_("Decision 766/QĐ-TTg service-quality index")],
        [
            _("Points"),
            total["points"],
            _("of the measurable points"),
            total["measured_max"],
            _("of"),
            total["max_points"],
        ],
        [],
        [
            _("Item"),
            _("Indicator"),
            _("Value (%)"),
            _("Threshold (%)"),
            _("Points"),
            _("Maximum points"),
            _("Note"),
        ],
    ]
    for group in total["groups"]:
        rows.append([group["number"], group["name"], None, None, group["points"], group["max_points"]])
        for row in group["indicators"]:
            count = f"{row['numerator']}/{row['denominator']}" if row["denominator"] else ""
            rows.append(
                [
                    row["code"],
                    row["title"],
                    row["rate"],
                    row["threshold"],
                    row["points"],
                    row["max_points"],
                    f"{_('no data')}: {row['no_data']}" if row["no_data"] else count,
                ]
            )
    rows += [
        [],
        [
            _("Rank"),
            _("Agency"),
            _("Points"),
            _("Measurable points"),
            _("Share of the measurable points (%)"),
        ],
    ]
    rows += [
        [card["rank"], card["agency"], card["points"], card["measured_max"], card["share"]]
        for card in index["agencies"]
    ]
    return rows


def report_xlsx(report: dict, index: dict | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("One-stop report")
    sheet.append([_("Report on the handling of administrative procedure dossiers")])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Agency"), report_scope(report)])
    if report["field"] is not None:
        sheet.append([_("Field"), report["field"].name])
    if report["procedure"] is not None:
        sheet.append([_("Procedure"), report["procedure"].name])
    sheet.append([_("Period"), f"{format_date(report['date_from'])} – {format_date(report['date_to'])}"])
    sheet.append([])
    sheet.append([_("Indicator"), _("Value")])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for label, value in report_rows(report):
        sheet.append([label, value])
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 40
    if index is not None:
        index_sheet = workbook.create_sheet(_("Decision 766 index"))
        for row in index_rows(index):
            index_sheet.append(row)
        index_sheet["A1"].font = Font(bold=True, size=13)
        index_sheet.column_dimensions["B"].width = 60
        index_sheet.column_dimensions["G"].width = 60
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()
