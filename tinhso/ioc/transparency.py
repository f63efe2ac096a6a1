"""The public transparency page (issue 18): per provincial department and commune, this month
and the year to date, the statistics' own figures (``one_stop_report`` and ``index_766``), with
counts and rates only: no names, no dossier, no link to a record."""

import datetime

from django.utils import timezone

from tinhso.agencies.models import Agency, AgencyKind
from tinhso.core.text import fold
from tinhso.statistics.index766 import index_766
from tinhso.statistics.report import one_stop_report

PUBLIC_KINDS = (AgencyKind.DEPARTMENT, AgencyKind.COMMUNE_PC)


def figures(agency: Agency, date_from: datetime.date, date_to: datetime.date) -> dict:
    """Received, resolved, on-time and online rates, and the Decision 766 share of the agency
    and everything under it over the period."""
    report = one_stop_report(agency, date_from=date_from, date_to=date_to)
    return {
        "received": report["received"]["total"],
        "resolved": report["resolved"]["total"],
        "on_time": report["rates"]["on_time"],
        "online": report["rates"]["online"],
        "index_766": index_766(agency, date_from=date_from, date_to=date_to)["total"]["share"],
    }


def rows(query: str = "", today: datetime.date | None = None) -> dict:
    """The departments and communes valid today whose folded name contains the folded
    ``query``, sorted by name, each with its figures for this month and the year to date."""
    today = today or timezone.localdate()
    month, year = today.replace(day=1), today.replace(month=1, day=1)
    agencies = Agency.objects.valid_on(today).filter(kind__in=PUBLIC_KINDS, name_folded__contains=fold(query))
    return {
        "today": today,
        "month": month,
        "year": year,
        "rows": [
            {
                "agency": agency.name,
                "month": figures(agency, month, today),
                "year": figures(agency, year, today),
            }
            for agency in agencies.order_by("name_folded", "pk")
        ],
    }
