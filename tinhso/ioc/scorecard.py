"""The digital-transformation scorecard: each target measured live (the year so far), its trend
(month by month over the last twelve months) and a straight-line projection to the target date
(least squares over the months that have data); entered targets are shown with their latest
entered value and its source, apart from the measured ones.

A target is green when reached or on track (the projection reaches it by its date), amber when
the projection falls short by at most the target's margin, red when further short or when the
date has passed without reaching it; without data it has no colour.
"""

import datetime

from django.utils import timezone

from tinhso.ioc import measures
from tinhso.ioc.indicators import AMBER, NONE, OK, RED
from tinhso.ioc.models import Target

MONTHS = 12


def _month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def _months(today: datetime.date, count: int = MONTHS) -> list[tuple[datetime.date, datetime.date]]:
    """The last ``count`` months as (first day, last day or today), the oldest first."""
    starts = [today.replace(day=1)]
    for _month in range(count - 1):
        starts.insert(0, (starts[0] - datetime.timedelta(days=1)).replace(day=1))
    return [
        (start, min((start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1), today))
        for start in starts
    ]


def projection(points: list[tuple[int, float]], at: int) -> float | None:
    """The least-squares line through ``points`` (x, y) evaluated at ``at``, kept within 0–100;
    None with fewer than two points or a single x."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _y in points) / n
    mean_y = sum(y for _x, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _y in points)
    if not spread:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return round(min(100.0, max(0.0, mean_y + slope * (at - mean_x))), 1)


def judge(current: float | None, projected: float | None, target: Target, today: datetime.date) -> str:
    goal = float(target.target_value)
    if current is None:
        return NONE
    if current >= goal:
        return OK
    if today > target.target_date or projected is None:
        return RED if today > target.target_date else AMBER
    if projected >= goal:
        return OK
    return AMBER if projected >= goal - float(target.amber_margin) else RED


def measured_card(target: Target, today: datetime.date) -> dict:
    measure = measures.BY_KEY[target.measure]
    current, part, whole = measures.value(target.measure, today.replace(month=1, day=1), today)
    trend = []
    points: list[tuple[int, float]] = []
    if measure.monthly:
        for start, end in _months(today):
            share, month_part, month_whole = measures.value(target.measure, start, end)
            trend.append({"month": start, "value": share, "part": month_part, "whole": month_whole})
            if share is not None:
                points.append((_month_index(start), share))
    projected = projection(points, _month_index(target.target_date))
    goal = float(target.target_value)
    return {
        "target": target,
        "measure": measure,
        "value": current,
        "part": part,
        "whole": whole,
        "trend": trend,
        "projection": projected,
        "progress": None
        if current is None
        else round(min(100.0, 100 * current / goal) if goal else 100.0, 1),
        "status": judge(current, projected, target, today),
    }


def entered_card(target: Target, today: datetime.date) -> dict:
    values = list(target.entered_values.order_by("as_of", "pk"))
    latest = values[-1] if values else None
    current = float(latest.value) if latest else None
    goal = float(target.target_value)
    return {
        "target": target,
        "latest": latest,
        "history": values,
        "value": current,
        "progress": None
        if current is None
        else round(min(100.0, 100 * current / goal) if goal else 100.0, 1),
        "status": judge(current, None, target, today) if current is not None else NONE,
    }


def scorecard(today: datetime.date | None = None) -> dict:
    """The shown targets: measured ones and entered ones, in their order, apart."""
    today = today or timezone.localdate()
    targets = list(Target.objects.filter(is_active=True))
    return {
        "computed_at": timezone.now(),
        "measured": [measured_card(t, today) for t in targets if t.kind == Target.Kind.MEASURED],
        "entered": [entered_card(t, today) for t in targets if t.kind == Target.Kind.ENTERED],
    }
