"""The leaders' page: every number equals the length of the list it opens and an independent
count of the records; the scope follows the statistics permission, across agencies and roles."""

import datetime
import re
from collections import Counter
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.agencies.models import AgencyKind
from tinhso.documents.models import Delivery, IncomingDocument
from tinhso.dossiers.models import Dossier, DossierRating
from tinhso.feedback.models import OPEN_STATES, Rating, Report
from tinhso.ioc import actions
from tinhso.ioc.indicators import RED, dashboard, due_soon_dossiers, trend
from tinhso.ioc.models import Target
from tinhso.ioc.wallboard import token_for
from tinhso.statistics.report import OPEN, one_stop_report
from tinhso.testing import signed_in
from tinhso.worktime.calendar import add_working_days

pytestmark = pytest.mark.django_db

# The most statements the operations centre's figures may take, scope and trend aside.
FIGURES_STATEMENTS = 40
# A statement counting rows of a table: an aggregate (COUNT of its column) or ``.count()``.
COUNTING = re.compile(r'SELECT COUNT\("(\w+)"|SELECT COUNT\(\*\) AS "__count" FROM "(\w+)"')


def listed(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


def page_of(client, agency=None):
    response = client.get("/dieu-hanh/" + (f"?agency={agency.pk}" if agency else ""))
    assert response.status_code == 200
    return response.context["d"]


def expected(agency, now) -> dict:
    """The indicators recounted on the records, one by one, without the page's queries."""

    def under(a):
        return agency is None or (a is not None and a.path.startswith(agency.path))

    dossiers = [d for d in Dossier.objects.select_related("receiving_agency") if under(d.receiving_agency)]
    received: list[Any] = [d for d in dossiers if d.received_at is not None]
    today = timezone.localdate(now)
    reports: list[Any] = [
        r for r in Report.objects.select_related("assigned_agency") if under(r.assigned_agency)
    ]
    month = timezone.make_aware(datetime.datetime.combine(today.replace(day=1), datetime.time.min))
    answered: list[Any] = [r for r in reports if r.answered_at and r.answered_at >= month]
    rated = {
        rating.answer.report_id: rating.stars
        for rating in Rating.objects.select_related("answer")
        if rating.created_at >= month and any(r.pk == rating.answer.report_id for r in reports)
    }
    incoming = [i for i in IncomingDocument.objects.select_related("agency") if under(i.agency)]
    state = IncomingDocument.State

    def late(i):
        return i.state != state.REFUSED and (i.registered_at or now) > add_working_days(i.arrived_at, 1)

    resolved: list[Any] = [d for d in received if d.finished_at and d.finished_at >= month]
    stars = [r.stars for r in DossierRating.objects.filter(rated_at__gte=month) if r.dossier in dossiers]
    return {
        "satisfaction": round(100 * sum(1 for s in stars if s >= 4) / len(stars), 1) if stars else None,
        "average_days": round(
            sum((d.finished_at - d.received_at).total_seconds() for d in resolved) / len(resolved) / 86400, 1
        )
        if resolved
        else None,
        "received_today": sum(1 for d in received if timezone.localdate(d.received_at) == today),
        "received_month": sum(1 for d in received if d.received_at >= month),
        "in_progress": sum(1 for d in received if d.status in OPEN),
        "overdue": sum(1 for d in received if d.status in OPEN and d.due_at < now),
        "due_soon": sum(
            1 for d in received if d.status in OPEN and now <= d.due_at < add_working_days(now, 2)
        ),
        "fb_new": sum(1 for r in reports if r.received_at >= month),
        "fb_open": sum(1 for r in reports if r.state in OPEN_STATES),
        "fb_overdue": sum(1 for r in reports if r.state in OPEN_STATES and r.due_at < now),
        "fb_on_time_rate": round(
            100 * sum(1 for r in answered if r.answered_at <= r.due_at) / len(answered), 1
        )
        if answered
        else None,
        "fb_satisfaction": round(100 * sum(1 for s in rated.values() if s >= 4) / len(rated), 1)
        if rated
        else None,
        "doc_open": sum(1 for i in incoming if i.state in (state.PENDING, state.REGISTERED, state.ASSIGNED)),
        "doc_overdue": sum(1 for i in incoming if i.state == state.ASSIGNED and i.handling_due_at < now),
        "doc_failed": sum(
            1
            for d in Delivery.objects.select_related("document__agency")
            if under(d.document.agency) and d.transport in ("failed", "dead")
        ),
        "doc_late_ack": sum(1 for i in incoming if late(i)),
        "doc_unsent": sum(
            1
            for d in Delivery.objects.select_related("document__agency")
            if under(d.document.agency)
            and d.transport == "queued"
            and d.created_at < now - datetime.timedelta(hours=1)
        ),
    }


@pytest.mark.parametrize("scope", ["province", "ward_pc"])
def test_every_number_equals_its_list_and_an_independent_count(client, world, scope):
    agency = None if scope == "province" else world[scope]
    signed_in(client, world["province_leader"])
    data = page_of(client, agency)
    values = {tile["key"]: tile["value"] for tile in data["tiles"]}
    for key, value in expected(agency, data["computed_at"]).items():
        assert values[key] == value, key
    opened = 0
    for tile in data["tiles"]:
        if tile["url"] and not tile["url"].endswith("#index-766"):
            assert listed(client, tile["url"]) == tile["value"], tile["key"]
            opened += tile["value"]
        for part in tile["parts"]:
            assert listed(client, part["url"]) == part["value"], tile["key"]
    assert opened > 10  # the data set gives the numbers something to count
    assert sum(row["count"] for row in data["procedures"]) == values["overdue"]
    for row in data["procedures"] + data["communes"] + data["rising"]:
        assert listed(client, row["url"]) == row.get("count", row.get("now"))


def test_a_ward_sees_only_its_records(client, world):
    signed_in(client, world["province_leader"])
    province, ward = page_of(client), page_of(client, world["ward_pc"])
    province_values = {t["key"]: t["value"] for t in province["tiles"]}
    ward_values = {t["key"]: t["value"] for t in ward["tiles"]}
    assert (province_values["overdue"], ward_values["overdue"]) == (3, 2)
    assert (province_values["fb_overdue"], ward_values["fb_overdue"]) == (2, 1)
    assert (province_values["doc_overdue"], ward_values["doc_overdue"]) == (2, 1)
    assert {d.receiving_agency.parent_id for d in ward["overdue_list"]} == {world["ward_pc"].pk}


def test_exceptions_come_first_and_follow_the_thresholds(client, world):
    signed_in(client, world["province_leader"])
    data = page_of(client)
    statuses = [tile["status"] for tile in data["exceptions"]]
    assert statuses == sorted(statuses, key=lambda s: s != RED) and "overdue" in [
        t["key"] for t in data["exceptions"]
    ]
    actions.set_threshold(world["admin"], "overdue", 100, 200)
    tile = next(t for t in page_of(client)["tiles"] if t["key"] == "overdue")
    assert tile["status"] == "ok" and (tile["amber"], tile["red"]) == (100.0, 200.0)
    response = client.get("/dieu-hanh/")
    assert "Trong ngưỡng" in response.content.decode() or "Within its level" in response.content.decode()


def test_reports_by_commune_and_category_on_the_map_and_the_rising_categories(client, world):
    """Each commune row has its point (the map's marker), its categories adding up to it, each
    count opening its list; a category rises by the levels of ``fb_rising``, set as data."""
    signed_in(client, world["province_leader"])
    response = client.get("/dieu-hanh/")
    data = response.context["d"]
    page = response.content.decode()
    assert "data-map-list" in page and 'id="ioc-communes-table"' in page and "leaflet/leaflet.js" in page
    rows = {row["commune"]: row for row in data["communes"]}
    assert set(rows) == {"Phường Mỹ Tho", "Phường Cao Lãnh"}
    my_tho = rows["Phường Mỹ Tho"]
    assert (my_tho["lat"], my_tho["lng"]) == (
        "10.35010",
        "106.37500",
    ) and f'data-lat="{my_tho["lat"]}"' in page
    for row in rows.values():
        assert sum(part["count"] for part in row["categories"]) == row["count"]
        for part in row["categories"]:
            assert listed(client, part["url"]) == part["count"]
    assert [
        (row["category"], row["now"], row["before"], row["rise"], row["status"]) for row in data["rising"]
    ] == [
        ("Hư hỏng đường giao thông", 3, 0, 300.0, RED),
        ("Đèn chiếu sáng", 3, 0, 300.0, RED),
    ]
    # One report on lights in the same days of last month: +200%.
    lights = Report.objects.filter(category__name="Đèn chiếu sáng").first()
    last_month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    Report.objects.create(
        category=lights.category,
        description="Đèn đường tắt cả đêm.",
        commune=lights.commune,
        assigned_agency=lights.assigned_agency,
        received_at=timezone.make_aware(datetime.datetime.combine(last_month, datetime.time(0, 1))),
        due_at=timezone.now(),
        state=lights.state,
    )
    actions.set_threshold(world["admin"], "fb_rising", 250, 400)
    rising = page_of(client)["rising"]
    assert [(row["category"], row["rise"], row["status"]) for row in rising] == [
        ("Hư hỏng đường giao thông", 300.0, "amber")
    ]
    with pytest.raises(ValidationError):
        actions.set_threshold(world["admin"], "fb_rising", 400, 250)


def test_the_overdue_list_is_the_worst_first(world):
    now = timezone.now()
    rows = list(
        Dossier.objects.filter(received_at__isnull=False, status__in=OPEN, due_at__lt=now).order_by("due_at")
    )
    from tinhso.ioc.indicators import dashboard

    assert dashboard(None, now)["overdue_list"] == rows
    assert due_soon_dossiers(None, now).count() == 1


@pytest.mark.parametrize(
    ("who", "agency", "status"),
    [
        ("leader", "ward_pc", 200),
        ("leader", "other_pc", 403),
        ("leader", "province_root", 403),
        ("leader", "unknown", 403),
        ("leader", "text", 403),
        ("leader", "huge", 403),
        ("leader", "superscript", 403),
        ("clerk", None, 403),
        ("province_leader", "other_pc", 200),
    ],
)
def test_permissions_across_agencies_and_roles(client, world, who, agency, status):
    world["province_root"] = world["agencies"]["province"]
    query = {
        None: "",
        "unknown": "?agency=999999",
        "text": "?agency=abc",
        "huge": "?agency=" + "9" * 30,
        "superscript": "?agency=%C2%B2",
    }.get(agency)
    if query is None:
        query = f"?agency={world[agency].pk}"
    signed_in(client, world[who])
    assert client.get("/dieu-hanh/" + query).status_code == status
    assert client.get("/dieu-hanh/danh-sach/fb_open/" + query).status_code == status


def test_a_ward_leader_lands_on_their_ward_and_the_office_viewer_on_the_province(client, world):
    signed_in(client, world["leader"])
    assert page_of(client)["agency"] == world["ward_pc"]
    root = world["agencies"]["province"]
    office = factories.make_agency(
        "H20.01", "Văn phòng UBND tỉnh Đồng Tháp", AgencyKind.PC_OFFICE, root.unit, root
    )
    viewer = factories.make_officer(office, "theodoi.vp", Role.DASHBOARD_VIEWER)
    signed_in(client, viewer)
    response = client.get("/dieu-hanh/")
    assert response.context["d"]["agency"] is None
    assert "Toàn tỉnh" in response.content.decode() or "The whole province" in response.content.decode()


def test_lists_refuse_unknown_figures_and_filters(client, world):
    signed_in(client, world["province_leader"])
    assert client.get("/dieu-hanh/danh-sach/khong-co/").status_code == 404
    assert client.get("/dieu-hanh/danh-sach/fb_new/?category=abc").status_code == 404
    assert client.get("/dieu-hanh/danh-sach/fb_new/?commune=999999").status_code == 404
    assert client.get("/dieu-hanh/danh-sach/fb_new/?commune=" + "9" * 40).status_code == 404


def test_document_subjects_only_for_those_who_may_read_them(client, world):
    signed_in(client, world["province_leader"])
    body = client.get("/dieu-hanh/danh-sach/doc_open/").content.decode()
    assert "Về việc báo cáo tình hình cải cách hành chính" not in body
    signed_in(client, world["leader"])
    body = client.get(f"/dieu-hanh/danh-sach/doc_open/?agency={world['ward_pc'].pk}").content.decode()
    assert "Về việc báo cáo tình hình cải cách hành chính" in body


def test_a_province_with_no_data_yet_shows_no_data_without_error(client, db):
    """Bad input of the issue: a period with no data. Every rate is "no data" (never a division by
    zero), no tile is red, the wallboard, the scorecard and the API answer as well."""
    tree = factories.make_province()
    root = tree["agencies"]["province"]
    leader = factories.make_officer(root, "lanhdao.tinh", Role.LEADER)
    admin = factories.make_officer(root, "admin.tinh", Role.PROVINCE_ADMIN)
    for measure in ("fees_paid_online", "satisfaction", "dossiers_online_commune", "documents_electronic"):
        actions.save_target(
            admin,
            Target(
                name=f"Chỉ tiêu {measure}",
                legal_source="Nghị quyết 12/NQ-HĐND ngày 10/07/2025",
                measure=measure,
                target_value=90,
                target_date=datetime.date(2026, 12, 31),
            ),
        )
    signed_in(client, leader)
    response = client.get("/dieu-hanh/")
    assert response.status_code == 200
    tiles = {tile["key"]: tile for tile in response.context["d"]["tiles"]}
    for key in ("on_time_rate", "online_rate", "satisfaction", "fb_on_time_rate", "average_days"):
        assert (tiles[key]["value"], tiles[key]["status"]) == (None, "none"), key
    assert all(tile["value"] in (0, None) for tile in tiles.values() if tile["key"] != "index_766")
    assert not [tile for tile in response.context["d"]["exceptions"] if tile["status"] == RED]
    body = response.content.decode()
    assert "Chưa có dữ liệu trong kỳ" in body or "No data for the period" in body
    cards = client.get("/dieu-hanh/chi-tieu/").context["s"]["measured"]
    assert [(card["value"], card["status"]) for card in cards] == [(None, "none")] * 4
    link = actions.issue_wallboard_link(admin, "Phòng điều hành", None, 30)
    client.logout()
    assert client.get(f"/dieu-hanh/man-hinh/{token_for(link)}/").status_code == 200


@pytest.mark.parametrize("scope", ["province", "ward_pc"])
def test_the_figures_of_an_area_are_counted_together(world, scope, django_assert_max_num_queries):
    """The feedback figures are counted in one statement, the documents' in one per table, the
    data-sharing calls' in one (the 95th percentile reuses their count): the whole page's
    figures in at most 40 statements (FIGURES_STATEMENTS), whatever the number of figures."""
    agency = None if scope == "province" else world[scope]
    with django_assert_max_num_queries(FIGURES_STATEMENTS) as captured:
        data = dashboard(agency)
    counted = Counter(
        found.group(1) or found.group(2)
        for query in captured.captured_queries
        if (found := COUNTING.match(query["sql"]))
    )
    assert counted["feedback_report"] == 1
    assert counted["documents_incomingdocument"] == counted["documents_delivery"] == 1
    assert counted["lgsp_exchange"] <= 2  # the calls with the failed ones, then the slow ones (if any)
    assert {tile["key"] for tile in data["tiles"]} >= {"fb_new", "doc_open", "lgsp_calls"}


@pytest.mark.parametrize("scope", ["province", "ward_pc"])
def test_the_trend_is_each_months_one_stop_report_read_in_one_statement(
    world, scope, django_assert_max_num_queries
):
    """The twelve months come from the monthly rollup in one statement and match the one-stop
    report of each month (whole months, and this month so far)."""
    agency = None if scope == "province" else world[scope]
    today = timezone.localdate()
    with django_assert_max_num_queries(1):
        rows = trend(agency, today)
    assert len(rows) == 12 and rows[-1]["month"] == today.replace(day=1)
    assert sum(row["received"] for row in rows) > 0
    for row in rows:
        end = min(
            (row["month"] + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1), today
        )
        report = one_stop_report(agency, date_from=row["month"], date_to=end)
        assert (row["received"], row["resolved"], row["on_time"], row["online"]) == (
            report["received"]["total"],
            report["resolved"]["total"],
            report["rates"]["on_time"],
            report["rates"]["online"],
        ), row["month"]


def test_the_figures_are_computed_once_a_minute_per_scope_and_shared_by_its_viewers(
    client, world, django_assert_max_num_queries
):
    """A second viewer of the same scope within the minute reads the figures computed for the
    first (no dossier, feedback or document is counted again) and none of the first viewer's
    page; another scope, or the same scope for a viewer who may choose other scopes, is computed
    for itself; a level set by the administrator shows at once."""
    from django.core.cache import cache

    from tinhso.agencies.models import Agency
    from tinhso.ioc.views import DASHBOARD_CACHE_SECONDS
    from tinhso.statistics.rules import visible_agencies

    assert DASHBOARD_CACHE_SECONDS <= 60
    root = world["agencies"]["province"]
    office = factories.make_agency(
        "H20.01", "Văn phòng UBND tỉnh Đồng Tháp", AgencyKind.PC_OFFICE, root.unit, root
    )
    viewer = factories.make_officer(office, "theodoi.vp", Role.DASHBOARD_VIEWER)
    signed_in(client, world["province_leader"])
    first = client.get("/dieu-hanh/")
    figures = first.context["d"]
    signed_in(client, viewer)
    with django_assert_max_num_queries(12) as captured:
        second = client.get("/dieu-hanh/")
    read = " ".join(query["sql"] for query in captured.captured_queries)
    assert not re.search(r'FROM "(dossiers_dossier|feedback_report|documents_\w+|lgsp_exchange)"', read)
    shown = second.content.decode()
    assert "d" not in second.context  # nothing computed for the second viewer
    assert f"{timezone.localtime(figures['computed_at']):%H:%M}" in shown
    assert all(f'href="{escape(tile["url"])}"' in shown for tile in figures["tiles"] if tile["url"])
    assert world["province_leader"].full_name not in shown.replace(viewer.full_name, "")
    assert 'name="csrfmiddlewaretoken"' not in shown.split('<select name="agency"')[1]

    # The ward's page as the province leader drew it lists every scope; the ward leader, who may
    # choose fewer, gets the ward's page drawn with their own list.
    ward = f"/dieu-hanh/?agency={world['ward_pc'].pk}"
    signed_in(client, world["province_leader"])
    assert client.get(ward).context["d"]["agency"] == world["ward_pc"]
    signed_in(client, world["leader"])
    own = client.get(ward)
    assert own.context["d"]["agency"] == world["ward_pc"]
    listed = own.content.decode().split('id="ioc-agency"')[1].split("</select>")[0]
    assert listed.count("<option") == visible_agencies(world["leader"]).count() < Agency.objects.count()

    signed_in(client, world["province_leader"])
    actions.set_threshold(world["admin"], "overdue", 100, 200)
    tile = next(t for t in page_of(client)["tiles"] if t["key"] == "overdue")
    assert (tile["amber"], tile["red"]) == (100.0, 200.0)

    cache.clear()  # as when the minute has passed
    assert page_of(client)["computed_at"] > figures["computed_at"]
