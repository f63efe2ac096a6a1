"""Read-side helpers: similar reports nearby, public search, statistics."""

import datetime

from django.db.models import Count, F, Q
from django.utils import timezone

from tinhso.core.text import fold
from tinhso.feedback import geo
from tinhso.feedback.models import Report, State

DUPLICATE_RADIUS_M = 200
DUPLICATE_DAYS = 30


def similar_open_reports(category, latitude, longitude, radius_m=DUPLICATE_RADIUS_M, days=DUPLICATE_DAYS):
    """Open reports of ``category`` received in the last ``days`` days within ``radius_m`` metres,
    nearest first, as (report, distance in metres). A bounding box in SQL, then haversine."""
    if latitude is None or longitude is None:
        return []
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(latitude, longitude, radius_m)
    candidates = (
        Report.objects.open()
        .filter(
            category=category,
            received_at__gte=timezone.now() - datetime.timedelta(days=days),
            latitude__range=(min_lat, max_lat),
            longitude__range=(min_lng, max_lng),
        )
        .select_related("category", "commune")
    )
    found = [(r, geo.distance_m(latitude, longitude, r.latitude, r.longitude)) for r in candidates]
    return sorted(((r, d) for r, d in found if d <= radius_m), key=lambda pair: pair[1])


def public_reports(query="", category=None, commune=None, status="", date_from=None, date_to=None):
    """Published reports filtered as on the public page; ``query`` is accent-insensitive."""
    reports = Report.objects.published().select_related("category", "commune", "assigned_agency")
    for word in fold(query).split():
        reports = reports.filter(search_text__contains=word)
    if category:
        reports = reports.filter(category=category)
    if commune:
        reports = reports.filter(commune=commune)
    if status == "open":
        reports = reports.open()
    elif status == "answered":
        reports = reports.filter(state__in=[State.ANSWERED, State.CLOSED])
    if date_from:
        reports = reports.filter(received_at__date__gte=date_from)
    if date_to:
        reports = reports.filter(received_at__date__lte=date_to)
    return reports


GROUPS = {
    "category": ("category__service_code", "category__name"),
    "agency": ("assigned_agency__code", "assigned_agency__name"),
    "commune": ("commune__code", "commune__name"),
}


def statistics(group_by: str, date_from: datetime.date | None, date_to: datetime.date | None) -> list[dict]:
    """Per group: reports received in the period, answered, answered on time, overdue, on-time rate."""
    key, name = GROUPS[group_by]
    reports = Report.objects.all()
    if date_from:
        reports = reports.filter(received_at__date__gte=date_from)
    if date_to:
        reports = reports.filter(received_at__date__lte=date_to)
    answered = Q(answered_at__isnull=False)
    rows = (
        reports.values(key, name)
        .annotate(
            total=Count("pk"),
            answered=Count("pk", filter=answered),
            on_time=Count("pk", filter=answered & Q(answered_at__lte=F("due_at"))),
            open=Count(
                "pk", filter=Q(state__in=[State.RECEIVED, State.ASSIGNED, State.IN_PROGRESS, State.REOPENED])
            ),
            overdue=Count(
                "pk",
                filter=Q(state__in=[State.RECEIVED, State.ASSIGNED, State.IN_PROGRESS, State.REOPENED])
                & Q(due_at__lt=timezone.now()),
            ),
        )
        .order_by(key)
    )
    return [
        {
            "key": row[key],
            "name": row[name],
            "total": row["total"],
            "answered": row["answered"],
            "answered_on_time": row["on_time"],
            "open": row["open"],
            "overdue": row["overdue"],
            "on_time_rate": round(row["on_time"] / row["answered"], 4) if row["answered"] else None,
        }
        for row in rows
    ]
