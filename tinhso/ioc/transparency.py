"""The public transparency page (issue 18): per provincial department and commune, this month
and the year to date, the statistics' own figures (``one_stop_report`` and ``index_766``), with
counts and rates only: no names, no dossier, no link to a record. Anyone may open it, so the
table is computed at most once per ``CACHE_SECONDS`` and day, not on every request (about 2 s of
CPU for the demo's 200 agencies)."""

import datetime

from django.core.cache import cache
from django.utils import timezone

from tinhso.agencies.models import Agency, AgencyKind
from tinhso.core.text import fold
from tinhso.statistics.index766 import index_766
from tinhso.statistics.report import one_stop_report

PUBLIC_KINDS = (AgencyKind.DEPARTMENT, AgencyKind.COMMUNE_PC)
CACHE_SECONDS = 600
CACHE_VERSION = 2  # raised when the table's shape changes, so that no table of the last release is read


def figures(agency: Agency | None, date_from: datetime.date, date_to: datetime.date) -> dict:
    """Received, resolved, on-time and online rates, and the Decision 766 share of the agency
    and everything under it (None: the whole province) over the period."""
    report = one_stop_report(agency, date_from=date_from, date_to=date_to)
    return {
        "received": report["received"]["total"],
        "resolved": report["resolved"]["total"],
        "on_time": report["rates"]["on_time"],
        "online": report["rates"]["online"],
        "index_766": index_766(agency, date_from=date_from, date_to=date_to)["total"]["share"],
    }


def table(today: datetime.date) -> dict:
    """The whole province, then every department and commune valid on ``today`` sorted by name,
    with their figures for this month and the year to date, and when they were computed."""
    month, year = today.replace(day=1), today.replace(month=1, day=1)
    agencies = Agency.objects.valid_on(today).filter(kind__in=PUBLIC_KINDS).order_by("name_folded", "pk")
    return {
        "today": today,
        "month": month,
        "year": year,
        "computed_at": timezone.now(),
        "province": {"month": figures(None, month, today), "year": figures(None, year, today)},
        "rows": [
            {
                "agency": agency.name,
                "folded": agency.name_folded,
                "month": figures(agency, month, today),
                "year": figures(agency, year, today),
            }
            for agency in agencies
        ],
    }


def rows(query: str = "", today: datetime.date | None = None) -> dict:
    """The table (from the cache when computed in the last ``CACHE_SECONDS``), only the agencies
    whose folded name contains the folded ``query``."""
    today = today or timezone.localdate()
    key = f"ioc:transparency:{CACHE_VERSION}:{today.isoformat()}"
    computed = cache.get(key)
    if computed is None:
        computed = table(today)
        cache.set(key, computed, CACHE_SECONDS)
    folded = fold(query)
    return {**computed, "rows": [row for row in computed["rows"] if folded in row["folded"]]}
