"""Feedback statistics for the dashboards: ``GET /api/v1/feedback/stats``."""

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from tinhso.feedback.services import statistics

router = Router(tags=["feedback"])


class StatRow(Schema):
    key: str | None
    name: str | None
    total: int
    answered: int
    answered_on_time: int
    open: int
    overdue: int
    on_time_rate: float | None


class StatsQuery(Schema):
    group_by: Literal["category", "agency", "commune"] = "category"
    date_from: datetime.date | None = Field(None, alias="from")
    date_to: datetime.date | None = Field(None, alias="to")


class Stats(Schema):
    group_by: str
    date_from: datetime.date | None
    date_to: datetime.date | None
    rows: list[StatRow]


@router.get("/stats", response=Stats, auth=None, summary="Feedback counts and on-time answer rate")
def stats(request: HttpRequest, filters: Query[StatsQuery]) -> dict[str, Any]:
    """Reports received in the period (``from``/``to``, inclusive, ISO dates), answered, answered
    on time (approved answer before the due time counted in working time), open, overdue. Public:
    the counts hold no personal data."""
    date_from, date_to = filters.date_from, filters.date_to
    if date_from and date_to and date_to < date_from:
        raise HttpError(400, _("The end date cannot be before the start date."))
    return {
        "group_by": filters.group_by,
        "date_from": date_from,
        "date_to": date_to,
        "rows": statistics(filters.group_by, date_from, date_to),
    }
