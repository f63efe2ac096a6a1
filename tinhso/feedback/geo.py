"""Where a report is: inside the province, and which open reports are close to it.

The province's shape is the GeoJSON file of the ``PROVINCE_OUTLINE`` setting (a FeatureCollection
with a MultiPolygon "area" and a MultiLineString "border"), by default the one shipped for Đồng Tháp,
built by ``manage.py vendor_map_assets`` from Natural Earth's admin-1 shapes (the former Đồng Tháp
and Tiền Giang, merged on 1 July 2025). The same file is drawn on the maps. Natural Earth's lines are
generalised: along the Tiền river the shipped outline lies up to 16 km inside the real border (Lai
Vung, Sa Đéc), so a point counts as inside up to ``PROVINCE_OUTLINE_TOLERANCE_M`` metres (20 km)
beyond the outline. The check refuses pins far away (another province, a swapped latitude and
longitude), never a real place of the province. A ``PROVINCE_BOUNDARY`` setting (a list of
(latitude, longitude) points) replaces the file with that one polygon.
"""

import json
import math
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from django.conf import settings

DEFAULT_PROVINCE_OUTLINE = (
    Path(__file__).resolve().parent / "static" / "feedback" / "outlines" / "province.geojson"
)
DEFAULT_TOLERANCE_M = 20_000
EARTH_RADIUS_M = 6_371_000


@lru_cache(maxsize=4)
def _outline_file(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def province_outline() -> dict:
    """The province as a GeoJSON FeatureCollection (area and border), coordinates (lng, lat)."""
    boundary = getattr(settings, "PROVINCE_BOUNDARY", None)
    if boundary:
        ring = [[float(lng), float(lat)] for lat, lng in boundary]
        ring.append(ring[0])
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"role": "area"},
                    "geometry": {"type": "MultiPolygon", "coordinates": [[ring]]},
                },
                {
                    "type": "Feature",
                    "properties": {"role": "border"},
                    "geometry": {"type": "MultiLineString", "coordinates": [ring]},
                },
            ],
        }
    return json.loads(
        _outline_file(str(getattr(settings, "PROVINCE_OUTLINE", "") or DEFAULT_PROVINCE_OUTLINE))
    )


def _rings() -> list[list[tuple[float, float]]]:
    """Every ring of the province's area, as (lat, lng) points."""
    area = next(f for f in province_outline()["features"] if f["properties"].get("role") == "area")
    return [
        [(lat, lng) for lng, lat in ring] for polygon in area["geometry"]["coordinates"] for ring in polygon
    ]


def _inside(lat: float, lng: float, rings) -> bool:
    """Ray casting over all rings (even-odd, so holes and several polygons work)."""
    inside = False
    for points in rings:
        for (lat1, lng1), (lat2, lng2) in zip(points, points[1:] + points[:1], strict=True):
            if (lat1 > lat) != (lat2 > lat):
                crossing = lng1 + (lat - lat1) * (lng2 - lng1) / (lat2 - lat1)
                if lng < crossing:
                    inside = not inside
    return inside


def _distance_to_rings_m(lat: float, lng: float, rings) -> float:
    """Distance in metres from the point to the nearest edge (local flat projection)."""
    kx = 111_320 * math.cos(math.radians(lat))
    ky = 110_540
    best = math.inf
    for points in rings:
        for (lat1, lng1), (lat2, lng2) in zip(points, points[1:] + points[:1], strict=True):
            ax, ay = (lng1 - lng) * kx, (lat1 - lat) * ky
            bx, by = (lng2 - lng) * kx, (lat2 - lat) * ky
            dx, dy = bx - ax, by - ay
            length = dx * dx + dy * dy
            t = 0.0 if length == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length))
            best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def in_province(lat: float, lng: float) -> bool:
    """Whether (lat, lng) lies inside the province, or within the outline's tolerance of it."""
    rings = _rings()
    if _inside(lat, lng, rings):
        return True
    tolerance = getattr(settings, "PROVINCE_OUTLINE_TOLERANCE_M", DEFAULT_TOLERANCE_M)
    return _distance_to_rings_m(lat, lng, rings) <= tolerance


def province_centre() -> tuple[float, float]:
    """A point inside the province near its middle (where the maps open): on the middle latitude
    of its bounding box, the middle of the widest stretch that lies inside."""
    rings = _rings()
    points = [point for ring in rings for point in ring]
    lat = (min(p[0] for p in points) + max(p[0] for p in points)) / 2
    crossings = sorted(
        lng1 + (lat - lat1) * (lng2 - lng1) / (lat2 - lat1)
        for ring in rings
        for (lat1, lng1), (lat2, lng2) in zip(ring, ring[1:] + ring[:1], strict=True)
        if (lat1 > lat) != (lat2 > lat)
    )
    west, east = max(zip(crossings[::2], crossings[1::2], strict=True), key=lambda pair: pair[1] - pair[0])
    return lat, (west + east) / 2


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
