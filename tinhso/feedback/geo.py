"""Where a report is: inside the province, and which open reports are close to it.

The project has no boundary data, so the province is a bounding polygon (``PROVINCE_BOUNDARY``
setting, a list of (latitude, longitude) points). The default is an approximate polygon of the
Đồng Tháp province formed on 1 July 2025 from the former Đồng Tháp (10°07'–10°58' N,
105°12'–105°58' E, the provincial plan as published on dongthap.gov.vn) and the former Tiền
Giang (about 10°12'–10°36' N, 105°49'–106°48' E): it accepts every point of the province and
some of the neighbouring land, never Hồ Chí Minh City, Cần Thơ or anything farther.
"""

import math
from decimal import Decimal, InvalidOperation

from django.conf import settings

DEFAULT_PROVINCE_BOUNDARY = [
    (10.97, 105.18),
    (10.97, 105.97),
    (10.61, 105.97),
    (10.61, 106.81),
    (10.19, 106.81),
    (10.19, 105.97),
    (10.11, 105.97),
    (10.11, 105.18),
]
EARTH_RADIUS_M = 6_371_000


def province_boundary() -> list[tuple[float, float]]:
    return [
        (float(lat), float(lng))
        for lat, lng in getattr(settings, "PROVINCE_BOUNDARY", None) or DEFAULT_PROVINCE_BOUNDARY
    ]


def in_province(lat: float, lng: float) -> bool:
    """Ray casting: whether (lat, lng) lies inside the province's polygon."""
    points = province_boundary()
    inside = False
    for (lat1, lng1), (lat2, lng2) in zip(points, points[1:] + points[:1], strict=True):
        if (lat1 > lat) != (lat2 > lat):
            crossing = lng1 + (lat - lat1) * (lng2 - lng1) / (lat2 - lat1)
            if lng < crossing:
                inside = not inside
    return inside


def province_centre() -> tuple[float, float]:
    points = province_boundary()
    return (
        (min(p[0] for p in points) + max(p[0] for p in points)) / 2,
        (min(p[1] for p in points) + max(p[1] for p in points)) / 2,
    )


def parse_coordinate(value, low: int, high: int) -> Decimal | None:
    """A decimal in [low, high] with at most 6 decimals kept, or None when it is not a number."""
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or not low <= number <= high:
        return None
    return number.quantize(Decimal("0.000001"))


def distance_m(lat1, lng1, lat2, lng2) -> float:
    """Great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    dphi = phi2 - phi1
    dlambda = math.radians(float(lng2) - float(lng1))
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bounding_box(lat, lng, radius_m: float) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(min_lat, max_lat, min_lng, max_lng) of a square that holds the circle."""
    dlat = radius_m / 111_320
    dlng = radius_m / (111_320 * max(math.cos(math.radians(float(lat))), 0.01))
    q = Decimal("0.000001")
    return (
        Decimal(float(lat) - dlat).quantize(q),
        Decimal(float(lat) + dlat).quantize(q),
        Decimal(float(lng) - dlng).quantize(q),
        Decimal(float(lng) + dlng).quantize(q),
    )
