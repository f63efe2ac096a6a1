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

No package ships the boundaries of the communes formed on 1 July 2025. Which commune a pin is in
is judged from one reference point per commune and its area (``COMMUNE_POINTS``, by default the
file shipped for Đồng Tháp, see its "about"): ``nearer_commune`` names another commune when the pin
is much nearer to its point than to the chosen commune's and far from the latter.
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
DEFAULT_COMMUNE_POINTS = Path(__file__).resolve().parent / "data" / "commune_points.json"
# A pin counts as far from its commune beyond max(this, 1.5 × the radius of a disc of the commune's
# area) from the commune's point, and as much nearer to another when less than half as far from it.
NEAR_COMMUNE_M = 2_000
MUCH_NEARER = 2


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
    if _distance_to_rings_m(lat, lng, rings) <= tolerance:
        return True
    # The outline's generalisation leaves out more than its tolerance in places (Phong Hòa, on
    # the Hậu river, lies 20.7 km beyond it): near a commune's point is inside too.
    points = commune_points().values()
    return any(distance_m(lat, lng, p_lat, p_lng) <= _near_m(area) for p_lat, p_lng, area in points)


@lru_cache(maxsize=4)
def _commune_file(path: str) -> dict[str, tuple[float, float, float]]:
    communes = json.loads(Path(path).read_text(encoding="utf-8"))["communes"]
    return {code: (*row["point"], row.get("area_km2") or 0.0) for code, row in communes.items()}


def _near_m(area_km2: float) -> float:
    return max(NEAR_COMMUNE_M, 1.5 * math.sqrt(area_km2 * 1_000_000 / math.pi))


def commune_points() -> dict[str, tuple[float, float, float]]:
    """Commune code → (latitude, longitude, area in km²); ``COMMUNE_POINTS`` "" turns them off.
    The shipped points are Đồng Tháp's, like the shipped outline: another province's outline
    (``PROVINCE_OUTLINE``, ``PROVINCE_BOUNDARY``) without its own points has none."""
    path = getattr(settings, "COMMUNE_POINTS", None)
    other_province = getattr(settings, "PROVINCE_BOUNDARY", None) or getattr(settings, "PROVINCE_OUTLINE", "")
    if path == "" or (path is None and other_province):
        return {}
    return _commune_file(str(path or DEFAULT_COMMUNE_POINTS))


def nearer_commune(lat: float, lng: float, code: str) -> str | None:
    """The code of the commune whose point is much nearer to (lat, lng) than that of the commune
    ``code``, when the pin is also far from the latter; None when the pin fits the commune or
    either has no point."""
    points = commune_points()
    if code not in points:
        return None
    chosen_lat, chosen_lng, area_km2 = points[code]
    distance = distance_m(lat, lng, chosen_lat, chosen_lng)
    if distance <= _near_m(area_km2):
        return None
    nearest, nearest_distance = min(
        ((other, distance_m(lat, lng, p_lat, p_lng)) for other, (p_lat, p_lng, _area) in points.items()),
        key=lambda pair: pair[1],
    )
    return nearest if nearest != code and nearest_distance * MUCH_NEARER < distance else None


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
