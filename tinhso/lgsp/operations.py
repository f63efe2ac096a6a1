"""Reading the operational records (X-Road's operational monitoring, PR-OPMON) and the health of
each service (X-Road's health data: last successful and unsuccessful request, and the counts and
durations of the last period), for the province administrator's page, the API and the
operations centre; and the exchanges about one person, for their account page."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Max, Min, Q, QuerySet
from django.utils import timezone

from tinhso.lgsp.models import Exchange, Service, Subsystem

DURATION = ExpressionWrapper(F("response_out_ts") - F("request_in_ts"), output_field=DurationField())


def _ms(value: datetime.timedelta | None) -> int | None:
    return None if value is None else round(value.total_seconds() * 1000)


def health(period: datetime.timedelta = datetime.timedelta(hours=1)) -> list[dict[str, Any]]:
    """One row per service of the catalogue, over ``period`` up to now."""
    since = timezone.now() - period
    last: dict[str, dict[str, Any]] = {
        row["service_code"]: dict(row)
        for row in Exchange.objects.exclude(service_code="")
        .values("service_code")
        .annotate(
            last_success=Max("request_in_ts", filter=Q(succeeded=True)),
            last_failure=Max("request_in_ts", filter=Q(succeeded=False)),
        )
    }
    recent: dict[str, dict[str, Any]] = {
        row["service_code"]: dict(row)
        for row in Exchange.objects.filter(request_in_ts__gte=since)
        .exclude(service_code="")
        .values("service_code")
        .annotate(
            successes=Count("id", filter=Q(succeeded=True)),
            failures=Count("id", filter=Q(succeeded=False)),
            min_duration=Min(DURATION),
            avg_duration=Avg(DURATION),
            max_duration=Max(DURATION),
            avg_response_size=Avg("response_size"),
        )
    }
    rows = []
    for service in Service.objects.select_related("subsystem__member").order_by("code"):
        seen: dict[str, Any] = last.get(service.code, {})
        period_row: dict[str, Any] = recent.get(service.code, {})
        rows.append(
            {
                "service": service,
                "last_success": seen.get("last_success"),
                "last_failure": seen.get("last_failure"),
                "successes": period_row.get("successes", 0),
                "failures": period_row.get("failures", 0),
                "min_ms": _ms(period_row.get("min_duration")),
                "avg_ms": _ms(period_row.get("avg_duration")),
                "max_ms": _ms(period_row.get("max_duration")),
            }
        )
    return rows


def records(since: datetime.datetime, until: datetime.datetime, client: str = "") -> QuerySet[Exchange]:
    """The operational records of a time window (the log's bodies and headers left out)."""
    found = Exchange.objects.filter(request_in_ts__gte=since, request_in_ts__lt=until).defer(
        "request_headers", "response_headers", "request_body", "response_body"
    )
    return found.filter(client=client) if client else found


def latest(count: int) -> QuerySet[Exchange]:
    return Exchange.objects.order_by("-sequence").defer(
        "request_headers", "response_headers", "request_body", "response_body"
    )[:count]


def exchanges_about(cccd: str, issues: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Which system called which service about the person with identity number ``cccd``, for
    which dossier: the calls they made themselves (``X-Road-UserId`` is the number, with or
    without the country prefix VN) and the calls an officer made for one of their dossiers
    (``X-Road-Issue`` is one of ``issues``, the person's dossier codes)."""
    if not cccd:
        return []
    rows = list(
        Exchange.objects.filter(Q(user_id__in=[cccd, f"VN{cccd}"]) | Q(issue__in=[i for i in issues if i]))
        .order_by("-request_in_ts")
        .values("request_in_ts", "client", "service", "service_code", "issue", "succeeded")[:200]
    )
    names = {}
    for subsystem in Subsystem.objects.select_related("member"):
        names[subsystem.identifier] = f"{subsystem.member.name} ({subsystem.name})"
    titles = {
        service.identifier: service.title for service in Service.objects.select_related("subsystem__member")
    }
    return [
        {
            "at": row["request_in_ts"],
            "caller": names.get(row["client"], row["client"]),
            "service": titles.get(row["service"], row["service_code"]),
            "issue": row["issue"],
            "succeeded": row["succeeded"],
        }
        for row in rows
    ]
