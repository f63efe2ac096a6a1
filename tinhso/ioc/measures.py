"""The registry of named measures a measured target can use: each is code over the platform's
data (never a formula read from the database) giving, for a period, a numerator and a
denominator; the value is their share in percent, None when the denominator is 0 (a clear "no
data", never a division by zero). Periods start on the 1st of a month and end on the last day of
a month or today.

Dossier measures read the statistics rollups (whole months from the monthly ones, as the
one-stop report does), so a measured target never scans the dossiers.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tinhso.documents.models import IncomingDocument
from tinhso.dossiers.models import Channel, DossierRating
from tinhso.procedures.models import Level, OnlineLevel, Procedure
from tinhso.statistics.models import MonthlyRollup
from tinhso.statistics.report import SATISFIED_STARS, one_stop_report


@dataclass(frozen=True)
class Measure:
    key: str
    title: Promise
    definition: Promise
    count: Callable[[datetime.date, datetime.date], tuple[int, int]]
    # Whether the measure has a past (a value per month); the procedures offered online now do not.
    monthly: bool = True


def _full_process_services(date_from, date_to) -> tuple[int, int]:
    procedures = Procedure.objects.current(date_to)
    return procedures.filter(online_level=OnlineLevel.FULL).count(), procedures.count()


def _online_at(level: str):
    def count(date_from, date_to) -> tuple[int, int]:
        rows = MonthlyRollup.objects.filter(day__gte=date_from, day__lte=date_to, procedure__level=level)
        sums = rows.aggregate(
            online=Sum("received", filter=Q(channel=Channel.ONLINE), default=0),
            total=Sum("received", default=0),
        )
        return sums["online"], sums["total"]

    return count


def _paid_online(date_from, date_to) -> tuple[int, int]:
    counts = one_stop_report(date_from=date_from, date_to=date_to)["counts"]
    return counts["paid_online"], counts["fee_paid"]


def _documents_electronic(date_from, date_to) -> tuple[int, int]:
    start, end = _bounds(date_from, date_to)
    incoming = IncomingDocument.objects.filter(arrived_at__gte=start, arrived_at__lt=end)
    return incoming.filter(source=IncomingDocument.Source.EXCHANGE).count(), incoming.count()


def _satisfaction(date_from, date_to) -> tuple[int, int]:
    start, end = _bounds(date_from, date_to)
    ratings = DossierRating.objects.filter(rated_at__gte=start, rated_at__lt=end)
    return ratings.filter(stars__gte=SATISFIED_STARS).count(), ratings.count()


def _bounds(date_from, date_to):
    def start(day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    return start(date_from), start(date_to + datetime.timedelta(days=1))


MEASURES = (
    Measure(
        "services_full_process",
        _("Share of procedures offered as full-process online services"),
        _("Procedures in use that are full-process online, of all the procedures in use (today)."),
        _full_process_services,
        monthly=False,
    ),
    Measure(
        "dossiers_online_province",
        _("Share of provincial-level dossiers received online"),
        _("Dossiers of provincial-level procedures received online, of all those received."),
        _online_at(Level.PROVINCE),
    ),
    Measure(
        "dossiers_online_commune",
        _("Share of commune-level dossiers received online"),
        _("Dossiers of commune-level procedures received online, of all those received."),
        _online_at(Level.COMMUNE),
    ),
    Measure(
        "documents_electronic",
        _("Share of incoming documents exchanged electronically"),
        _("Incoming documents that arrived over the electronic exchange, of all incoming documents."),
        _documents_electronic,
    ),
    Measure(
        "fees_paid_online",
        _("Share of fee-bearing dossiers paid online"),
        _("Dossiers whose fees were paid through the online gateway, of the dossiers whose fees were paid."),
        _paid_online,
    ),
    Measure(
        "satisfaction",
        _("Share of applicants satisfied"),
        _("Ratings of 4 or 5 stars, of the ratings applicants gave (Decision 766/QĐ-TTg)."),
        _satisfaction,
    ),
)
BY_KEY = {measure.key: measure for measure in MEASURES}
CHOICES = [(measure.key, measure.title) for measure in MEASURES]


def value(key: str, date_from: datetime.date, date_to: datetime.date) -> tuple[float | None, int, int]:
    """(share in %, numerator, denominator) of the measure over the period (None without data)."""
    part, whole = BY_KEY[key].count(date_from, date_to)
    return (round(100 * part / whole, 1) if whole else None), part, whole
