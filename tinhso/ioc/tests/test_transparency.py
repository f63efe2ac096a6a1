"""The public transparency page: anonymous, the statistics' own figures per department and
commune, no personal data, no link to a record, an accent-insensitive filter."""

import pytest
from django.utils import timezone

from tinhso.core.text import fold
from tinhso.dossiers.models import Dossier
from tinhso.statistics.index766 import index_766
from tinhso.statistics.report import one_stop_report

pytestmark = pytest.mark.django_db


def row_of(response, agency):
    return next(row for row in response.context["t"]["rows"] if row["agency"] == agency.name)


def test_anonymous_visitors_see_the_statistics_figures_of_each_agency(client, world):
    ward = world["ward_pc"]
    today = timezone.localdate()
    month, year = today.replace(day=1), today.replace(month=1, day=1)
    response = client.get("/minh-bach/")
    assert response.status_code == 200
    row = row_of(response, ward)
    for period, start in (("month", month), ("year", year)):
        report = one_stop_report(ward, date_from=start, date_to=today)
        assert row[period] == {
            "received": report["received"]["total"],
            "resolved": report["resolved"]["total"],
            "on_time": report["rates"]["on_time"],
            "online": report["rates"]["online"],
            "index_766": index_766(ward, date_from=start, date_to=today)["total"]["share"],
        }
    # Recounted on the records: five dossiers received at the ward's desk, one resolved.
    assert row["month"]["received"] == 5
    assert row["month"]["resolved"] == 1
    assert row_of(response, world["other_pc"])["month"]["received"] == 1


def test_the_whole_province_comes_first_whatever_the_filter(client, world):
    """The issue asks for the province's service index: the province's own figures (every
    agency, the province's one-stop centre included) above the agencies, kept when filtering."""
    today = timezone.localdate()
    year = today.replace(month=1, day=1)
    for query in ("", "?q=khong-co-co-quan-nao"):
        response = client.get("/minh-bach/" + query)
        province = response.context["t"]["province"]
        report = one_stop_report(date_from=year, date_to=today)
        assert province["year"]["received"] == report["received"]["total"] == 6
        assert province["year"]["index_766"] == index_766(date_from=year, date_to=today)["total"]["share"]
        assert "Toàn tỉnh" in response.content.decode() or "The whole province" in response.content.decode()


def test_the_page_shows_no_personal_data_and_no_link_to_a_record(client, world):
    html = client.get("/minh-bach/").content.decode()
    assert "Người nộp" not in html
    main = html[html.index('<main id="main"') : html.index("</main>")]
    assert "<a " not in main
    for dossier in Dossier.objects.all():
        assert dossier.display_code not in html


def test_only_departments_and_communes_are_listed_sorted_by_name(client, world):
    names = [row["agency"] for row in client.get("/minh-bach/").context["t"]["rows"]]
    assert world["ward_pc"].name in names
    assert world["my_tho"].name not in names  # a one-stop desk: counted in its commune
    assert world["agencies"]["province"].name not in names
    assert names == sorted(names, key=fold)


def test_the_filter_ignores_accents_and_odd_input_matches_nothing(client, world):
    ward, other = world["ward_pc"], world["other_pc"]
    plain = ward.name_folded.split()[-1].upper()
    names = [row["agency"] for row in client.get("/minh-bach/", {"q": plain}).context["t"]["rows"]]
    assert ward.name in names and other.name not in names
    for query in ("không có đơn vị này", "%", "_", "x" * 5000):
        response = client.get("/minh-bach/", {"q": query})
        assert response.status_code == 200
        assert response.context["t"]["rows"] == []
    assert client.get("/minh-bach/", {"q": "\x00"}).status_code == 400  # the site's NUL refusal


def test_the_footer_links_to_the_page(client, db):
    assert 'href="/minh-bach/"' in client.get("/").content.decode()


def test_the_page_is_in_vietnamese_with_its_english_original(client, world):
    html = client.get("/minh-bach/", headers={"accept-language": "vi"}).content.decode()
    assert "Công khai kết quả giải quyết thủ tục hành chính" in html
    assert "tháng này (" in html and "Tỷ lệ trực tuyến" in html and "Đã tiếp nhận" in html
    client.cookies["django_language"] = "en"
    assert "Public service transparency" in client.get("/minh-bach/").content.decode()


def test_anyone_may_open_it_so_the_table_is_computed_once_per_ten_minutes(
    client, world, django_assert_max_num_queries
):
    first = client.get("/minh-bach/")
    with django_assert_max_num_queries(3):  # the session-less request and the cache read only
        again = client.get("/minh-bach/", {"q": "my tho"})
    assert again.context["t"]["computed_at"] == first.context["t"]["computed_at"]
    assert row_of(again, world["ward_pc"]) == row_of(first, world["ward_pc"])


def test_a_table_cached_by_the_last_release_is_not_read(client, world):
    """The table is cached for ten minutes: after an upgrade that changes its shape, the page
    computes its own instead of failing on the old one."""
    from django.core.cache import cache

    today = timezone.localdate()
    cache.set(f"ioc:transparency:{today.isoformat()}", {"today": today, "rows": []}, 600)
    response = client.get("/minh-bach/")
    assert response.status_code == 200 and response.context["t"]["province"]["year"]["received"] == 6
