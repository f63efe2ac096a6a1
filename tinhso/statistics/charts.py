"""The statistics page at a glance: bar charts drawn as server-side SVG (DESIGN: no chart
library in the browser), from what the report and the 766 index already computed, plus one
grouped read of the daily rollups for the months. Geometry is in viewBox units (360 wide, the
width of a phone), the SVG scales to the page."""

import datetime

from django.db.models import F, Sum
from django.db.models.functions import TruncMonth
from django.utils import numberformat
from django.utils.formats import get_format

from tinhso.agencies.models import Agency
from tinhso.statistics.models import AgencyDailyRollup, DailyRollup, ProvinceDailyRollup

WIDTH = 360
TOP_AGENCIES = 10
LABEL_CHARS = 48


def number(value, decimals: int = 1) -> str:
    """A number as the active language writes it (Vietnamese: 95,5; 98 rather than 98,0)."""
    value = round(value, decimals)
    return numberformat.format(
        value,
        get_format("DECIMAL_SEPARATOR"),
        decimals if value != int(value) else 0,
        grouping=3,
        thousand_sep=get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


def _short(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"


def monthly_flow(agency, include_children, field, procedure, date_from, date_to) -> list[dict]:
    """Dossiers received and resolved per month of the period, from the daily rollups of the
    report's scope (one grouped query)."""
    if procedure is not None or field is not None:
        rows = DailyRollup.objects.all()
        rows = (
            rows.filter(procedure=procedure) if procedure is not None else rows.filter(procedure__field=field)
        )
    elif agency is not None:
        rows = AgencyDailyRollup.objects.all()
    else:
        rows = ProvinceDailyRollup.objects.all()
    if agency is not None:
        rows = (
            rows.filter(agency__path__startswith=agency.path)
            if include_children
            else rows.filter(agency=agency)
        )
    sums = {
        row["month"]: row
        for row in rows.filter(day__gte=date_from, day__lte=date_to)
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(
            received=Sum("received"),
            resolved=Sum(F("resolved_early") + F("resolved_on_time") + F("resolved_late")),
        )
    }
    months, month = [], date_from.replace(day=1)
    while month <= date_to:
        row = sums.get(month, {})
        months.append(
            {"month": month, "received": row.get("received") or 0, "resolved": row.get("resolved") or 0}
        )
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def month_bars(months: list[dict]) -> dict:
    """Two bars a month (received, resolved) on a common scale."""
    height, base, left = 160, 180, 8
    top = max([1] + [m[key] for m in months for key in ("received", "resolved")])
    step = (WIDTH - left) / max(len(months), 1)
    bar = max(min(step * 0.4, 24), 2)
    bars = []
    for index, m in enumerate(months):
        x = left + index * step + (step - 2 * bar) / 2
        for offset, key in enumerate(("received", "resolved")):
            h = round(height * m[key] / top, 1)
            bars.append(
                {
                    "key": key,
                    "x": round(x + offset * bar, 1),
                    "y": round(base - h, 1),
                    "w": round(bar, 1),
                    "h": h,
                    "value": m[key],
                    "month": m["month"],
                }
            )
    labels = [
        {"x": round(left + index * step + step / 2, 1), "text": m["month"].strftime("%m")}
        for index, m in enumerate(months)
    ]
    return {"bars": bars, "labels": labels, "base": base, "top": number(top), "height": base + 24}


def agency_on_time(index: dict) -> list[dict]:
    """The agencies' on-time rates (766 item 2.1), the best first, the top ten, as bars."""
    rates = []
    for card in index["agencies"]:
        row = next(r for g in card["groups"] for r in g["indicators"] if r["code"] == "2.1")
        if row["rate"] is not None:
            rates.append({"pk": card["agency_id"], "agency": card["agency"], "rate": row["rate"]})
    rates.sort(key=lambda r: (-r["rate"], r["agency"]))
    rates = rates[:TOP_AGENCIES]
    # The bar shows the agency's short name ("Trung tâm PVHCC phường Cao Lãnh"), the tooltip and
    # the table its full name.
    short_names = dict(
        Agency.objects.filter(pk__in=[r["pk"] for r in rates])
        .exclude(short_name="")
        .values_list("pk", "short_name")
    )
    bars = _hbars(
        [(r["agency"], r["rate"], 100, f"{number(r['rate'])}%", short_names.get(r["pk"])) for r in rates]
    )
    for bar, r in zip(bars["bars"], rates, strict=True):
        bar["pk"] = r["pk"]
    return bars


def group_points(index: dict) -> list[dict]:
    """The 766 groups' points against their maximum."""
    return _hbars(
        [
            (
                f"{g['number']}. {g['name']}",
                g["points"],
                g["max_points"],
                f"{number(g['points'])} / {number(g['max_points'])}",
            )
            for g in index["total"]["groups"]
        ]
    )


def _hbars(items) -> dict:
    """Horizontal bars, each under its label, the value at the right: (label, value, maximum,
    value as text[, the label shown on the bar when shorter])."""
    row, track = 44, WIDTH - 72
    bars = [
        {
            "label": label,
            "short": _short(short or label),
            "text": text,
            "y": index * row,
            "w": round(track * value / maximum, 1) if maximum else 0,
            "track": track,
        }
        for index, (label, value, maximum, text, *short_name) in enumerate(items)
        for short in [short_name[0] if short_name else None]
    ]
    return {"bars": bars, "height": max(len(bars) * row, row)}
