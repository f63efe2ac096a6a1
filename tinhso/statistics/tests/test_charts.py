"""The glance section of the statistics page: headline numbers and server-side SVG charts."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone, translation

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.statistics.charts import number
from tinhso.statistics.rollup import drain
from tinhso.statistics.tests.conftest import finish, walk_in
from tinhso.statistics.tests.test_pages_api import period
from tinhso.testing import signed_in

pytestmark = pytest.mark.django_db


def chart(text: str, name: str) -> ET.Element:
    return ET.fromstring(re.search(rf'<svg class="chart" id="{name}".*?</svg>', text, re.S).group())


@pytest.fixture
def page(client, leader, officer, other_officer, desk, other_desk, procedure):
    first = walk_in(officer, desk, procedure)
    walk_in(officer, desk, procedure, "Phan Văn Trị")
    walk_in(other_officer, other_desk, procedure)
    finish(first)
    drain()
    signed_in(client, leader)
    return client.get("/thong-ke/", {"agency": desk.parent.pk, "include_children": "on", **period()})


def test_headline_numbers_and_the_overdue_link(page):
    text = page.content.decode()
    facts = dict(re.findall(r"<div><dt>(.*?)</dt><dd>(.*?)</dd></div>", text))
    assert re.match(r'<a href="/thong-ke/ho-so/received/\?[^"]*agency=[^"]*">2<', facts["Đã tiếp nhận"])
    assert re.match(r'<a href="/thong-ke/ho-so/resolved/\?[^"]*agency=[^"]*">1<', facts["Đã giải quyết"])
    assert facts["Tỷ lệ đúng hạn"] == "100%"
    assert re.match(r'<a href="/thong-ke/qua-han/\?[^"]*agency=', facts["Đang quá hạn"])
    assert ">0<" in facts["Đang quá hạn"]


def test_the_month_chart_has_two_bars_a_month_with_their_values(page):
    svg = chart(page.content.decode(), "chart-months")
    assert svg.get("role") == "group" and svg.get("aria-labelledby") == "chart-months-name"
    assert all(
        link.get("aria-label") and link.get("href").startswith("/thong-ke/ho-so/") for link in svg.iter("a")
    )
    assert svg.get("viewBox").startswith("0 0 360 ")
    received = [rect for rect in svg.iter("rect") if rect.get("class") == "bar-received"]
    resolved = [rect for rect in svg.iter("rect") if rect.get("class") == "bar-resolved"]
    assert len(received) == len(resolved) == 1
    month = timezone.localdate().strftime("%m/%Y")
    assert received[0].find("title").text == f"{month} — Đã tiếp nhận: 2"
    assert resolved[0].find("title").text == f"{month} — Đã giải quyết: 1"
    assert float(resolved[0].get("height")) == float(received[0].get("height")) / 2


def test_the_agency_chart_ranks_the_agencies_in_scope(page):
    svg = chart(page.content.decode(), "chart-agencies")
    titles = [group.find("title").text for group in svg.iter("g")]
    agencies = page.context["index"]["agencies"]
    assert titles == [f"{agencies[0]['agency']}: 100%"]
    assert 'id="chart-agencies-table"' in page.content.decode()


def test_the_766_chart_shows_each_group_against_its_maximum(page):
    svg = chart(page.content.decode(), "chart-groups")
    groups = page.context["index"]["total"]["groups"]
    titles = [group.find("title").text for group in svg.iter("g")]
    assert len(titles) == len(groups) == 5
    assert titles[1] == f"2. {groups[1]['name']}: 20 / 20"
    assert svg.get("aria-describedby") == "index-766-table"


def test_numbers_are_written_the_vietnamese_way():
    with translation.override("vi"):
        assert number(95.5) == "95,5"
        assert number(1234) == "1.234"
        assert number(97.96) == "98"
    with translation.override("en"):
        assert number(95.5) == "95.5"


def test_an_officer_without_the_statistics_permission_sees_no_charts(client, desk):
    signed_in(client, factories.make_officer(desk, "motcua.khac", Role.ONE_STOP_OFFICER))
    response = client.get("/thong-ke/", period())
    assert response.status_code == 403
