"""The feedback map without any outside server: Leaflet and the outlines are served by the platform,
the province's shape decides which pins are accepted, and the province's own tiles are optional."""

import json
from itertools import pairwise
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from tinhso.feedback import actions, geo
from tinhso.feedback.management.commands.vendor_map_assets import outer_border
from tinhso.feedback.models import Report


def test_leaflet_and_pmtiles_are_served_by_the_platform_with_their_licence():
    for name in [
        "leaflet/leaflet.js",
        "leaflet/leaflet.css",
        "leaflet/images/marker-icon.png",
        "pmtiles/pmtiles.js",
    ]:
        assert finders.find(name), name
    assert "BSD" in Path(finders.find("leaflet/LICENSE")).read_text(encoding="utf-8")


def test_country_outline_holds_the_whole_country():
    country = json.loads(Path(finders.find("feedback/outlines/country.geojson")).read_text(encoding="utf-8"))
    assert country["properties"]["country_a2"] == "VN" and country["geometry"]["type"] == "MultiPolygon"
    points = [p for polygon in country["geometry"]["coordinates"] for ring in polygon for p in ring]
    lngs, lats = [p[0] for p in points], [p[1] for p in points]
    assert min(lats) < 9 and max(lats) > 23 and min(lngs) < 103 and max(lngs) > 109


def test_province_outline_is_served_as_geojson(client):
    response = client.get("/phan-anh/ban-do/ranh-gioi-tinh.geojson")
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    assert "max-age=3600" in response["Cache-Control"]
    roles = {f["properties"]["role"]: f["geometry"]["type"] for f in response.json()["features"]}
    assert roles == {"area": "MultiPolygon", "border": "MultiLineString"}


@pytest.mark.parametrize(
    "lat, lng, inside",
    [
        (10.3605, 106.3569, True),  # Mỹ Tho
        (10.4597, 105.6335, True),  # Cao Lãnh
        (10.7769, 106.7009, False),  # Hồ Chí Minh City
        (10.0452, 105.7469, False),  # Cần Thơ
        (11.20, 105.25, False),  # Cambodia (Prey Veng), beyond the tolerance
        (21.0285, 105.8542, False),  # Hà Nội
    ],
)
def test_in_province_follows_the_real_outline(lat, lng, inside):
    assert geo.in_province(lat, lng) is inside


def test_maps_open_on_a_point_inside_the_province():
    lat, lng = geo.province_centre()
    assert geo._inside(lat, lng, geo._rings())


def test_tolerance_accepts_a_pin_just_beyond_the_generalised_line():
    rings = geo._rings()
    lat, lng = max(rings[0], key=lambda point: point[0])  # the northernmost point of the outline
    just_north = lat + 0.009  # about a kilometre
    assert not geo._inside(just_north, lng, rings)
    assert geo.in_province(just_north, lng)
    with override_settings(PROVINCE_OUTLINE_TOLERANCE_M=100):
        assert not geo.in_province(just_north, lng)


@pytest.mark.parametrize(
    "place, lat, lng",
    [
        ("Phường Sa Đéc", 10.2900, 105.7629),
        ("Xã Lai Vung", 10.2500, 105.6500),
        ("Phường Mỹ Tho", 10.3600, 106.3600),
        ("Phường Cao Lãnh", 10.4600, 105.6300),
        ("Phường Gò Công", 10.3600, 106.6700),
    ],
)
def test_real_places_of_the_province_are_accepted(place, lat, lng):
    """The generalised outline cuts off the south bank towns: the tolerance keeps them in."""
    assert geo.in_province(lat, lng), place


@pytest.mark.parametrize(
    "place, lat, lng",
    [
        ("TP. Hồ Chí Minh", 10.7769, 106.7009),
        ("Cần Thơ", 10.0452, 105.7469),
        ("Phnom Penh", 11.5564, 104.9282),
    ],
)
def test_places_of_other_provinces_are_refused(place, lat, lng):
    assert not geo.in_province(lat, lng), place


@override_settings(PROVINCE_BOUNDARY=[(1, 1), (1, 2), (2, 2), (2, 1)], PROVINCE_OUTLINE_TOLERANCE_M=0)
def test_province_boundary_setting_replaces_the_outline(client):
    assert geo.in_province(1.5, 1.5) and not geo.in_province(10.3605, 106.3569)
    assert geo.province_centre() == (1.5, 1.5)
    area = client.get("/phan-anh/ban-do/ranh-gioi-tinh.geojson").json()["features"][0]
    assert area["geometry"]["coordinates"][0][0][:2] == [[1.0, 1.0], [2.0, 1.0]]


def test_a_pin_outside_the_province_is_refused_with_a_clear_message(place):
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        actions.validate_location("11.20", "105.25", "", place["my_tho"])
    assert refused.value.message_dict["latitude"] == ["Vị trí này nằm ngoài địa bàn tỉnh."]
    assert not Report.objects.exists()


def test_the_drawn_border_leaves_out_the_edges_two_former_provinces_share():
    west = [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]
    east = [[[1, 0], [2, 0], [2, 1], [1, 1], [1, 0]]]
    lines = outer_border([west, east])
    edges = {frozenset(map(tuple, pair)) for line in lines for pair in pairwise(line)}
    assert frozenset({(1, 0), (1, 1)}) not in edges
    assert len(edges) == 6


@pytest.mark.parametrize(
    "setting, attribute", [("MAP_TILE_URL", "data-tile-url"), ("MAP_PMTILES_URL", "data-pmtiles-url")]
)
def test_the_provinces_own_tiles_are_used_when_configured(client, place, setting, attribute):
    url = "/ban-do/tinh.pmtiles" if setting == "MAP_PMTILES_URL" else "/ban-do/{z}/{x}/{y}.png"
    with override_settings(**{setting: url}):
        page = client.get("/phan-anh/gui/").content.decode()
    assert f'{attribute}="{url}"' in page
    assert ("pmtiles/pmtiles.js" in page) is (setting == "MAP_PMTILES_URL")


def test_the_map_pages_point_to_the_outlines(client, place):
    for path in ["/phan-anh/", "/phan-anh/gui/"]:
        page = client.get(path).content.decode()
        assert 'data-province-url="/phan-anh/ban-do/ranh-gioi-tinh.geojson"' in page
        assert "feedback/outlines/country" in page and "leaflet/leaflet.js" in page


def test_every_commune_of_the_province_has_a_point_inside_the_province():
    points = geo.commune_points()
    assert len(points) == 102 and points["28261"][:2] == (10.3501, 106.375)
    assert all(geo.in_province(lat, lng) for lat, lng, _area in points.values())


def test_a_pin_much_nearer_to_another_commune_names_it():
    # At the point of Gò Công, 32 km from Mỹ Tho's; 1 km from Mỹ Tho's point fits Mỹ Tho.
    assert geo.nearer_commune(10.3501, 106.67, "28261") == "28306"
    assert geo.nearer_commune(10.3591, 106.375, "28261") is None
    # Between two neighbours, nearer to neither by half: no question asked.
    assert geo.nearer_commune(10.3655, 106.3830, "28261") is None
    assert geo.nearer_commune(10.3501, 106.67, "99999") is None


@override_settings(COMMUNE_POINTS="")
def test_without_commune_points_no_commune_is_questioned():
    assert geo.nearer_commune(10.3501, 106.67, "28261") is None


def test_a_pin_in_another_commune_is_refused_until_the_citizen_confirms(place, submit):
    """The pin at Cao Lãnh with Mỹ Tho chosen: refused with the commune to choose instead, nothing
    stored; confirmed, the report keeps the commune the citizen chose."""
    far = {"latitude": "10.439900", "longitude": "105.624000", "commune": place["my_tho"]}
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        submit(**far)
    assert refused.value.message_dict["commune"] == [
        "Vị trí đánh dấu ở xa Phường Mỹ Tho và gần Phường Cao Lãnh. Hãy chọn Phường Cao Lãnh, hoặc xác "
        "nhận nơi này thuộc Phường Mỹ Tho."
    ]
    assert not Report.objects.exists()
    assert submit(**far, confirm_commune=True).commune == place["my_tho"]
    assert submit(**{**far, "commune": place["cao_lanh"]}).commune == place["cao_lanh"]
