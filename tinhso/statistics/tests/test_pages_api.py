"""The report page, its XLSX export, the permission rule and the JSON API."""

from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tinhso import testing as factories
from tinhso.accounts.models import Role
from tinhso.core.tests.test_openapi import answer_validator
from tinhso.dossiers.models import Dossier
from tinhso.statistics.rollup import drain
from tinhso.statistics.tests.conftest import token_for, walk_in
from tinhso.testing import signed_in

pytestmark = pytest.mark.django_db
API = "/api/v1/statistics/one-stop"


@pytest.fixture
def data(officer, other_officer, desk, other_desk, procedure):
    walk_in(officer, desk, procedure)
    walk_in(officer, desk, procedure, "Phan Văn Trị")
    walk_in(other_officer, other_desk, procedure)
    drain()


def period():
    today = timezone.localdate()
    return {"date_from": today.replace(day=1).strftime("%d/%m/%Y"), "date_to": today.strftime("%d/%m/%Y")}


def test_leader_sees_the_report_of_their_agency(client, leader, desk, data):
    signed_in(client, leader)
    response = client.get("/thong-ke/", {"agency": desk.parent.pk, "include_children": "on", **period()})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Tiếp nhận mới" in text and "Ủy ban nhân dân phường Mỹ Tho" in text
    assert response.context["report"]["received"]["total"] == 2
    assert response.context["report"]["received"]["direct"] == 2


def test_officer_of_another_agency_is_refused(client, other_desk, desk, data):
    viewer = factories.make_officer(other_desk.parent, "lanhdao.caolanh", Role.LEADER)
    signed_in(client, viewer)
    response = client.get("/thong-ke/", {"agency": desk.parent.pk, **period()})
    assert response.status_code == 200 and not response.context["body"]
    assert "Hãy chọn một lựa chọn hợp lệ" in response.content.decode()
    assert client.get(API, {"agency": desk.parent.code}, **token_for(viewer)).status_code == 403
    signed_in(client, factories.make_officer(desk, "motcua.khac", Role.ONE_STOP_OFFICER))
    assert client.get("/thong-ke/").status_code == 403


def test_the_procedures_offered_are_those_of_the_chosen_field(client, leader, desk, data):
    procedure = Dossier.objects.filter(receiving_agency=desk).first().procedure
    signed_in(client, leader)
    query = {"agency": desk.parent.pk, "include_children": "on", **period()}

    def offered(response):
        return [value for value, _label in response.context["form"].fields["procedure"].widget.choices]

    first = client.get("/thong-ke/", query)
    assert offered(first) == [""]
    assert "Chọn lĩnh vực trước" in first.context["form"]["procedure"].help_text
    chosen = client.get("/thong-ke/", {**query, "field": procedure.field_id, "procedure": procedure.pk})
    field_procedures = procedure.field.procedures.values_list("pk", flat=True)
    assert set(offered(chosen)) == {"", *field_procedures}
    assert chosen.context["report"]["received"]["total"] == 2
    # A procedure without its field (as the operations centre's links name it) is counted and is the
    # one procedure offered; a field no number can be is an error, not a 500.
    alone = client.get("/thong-ke/", {**query, "procedure": procedure.pk})
    assert offered(alone) == ["", procedure.pk]
    assert alone.context["report"]["received"]["total"] == 2
    huge = client.get("/thong-ke/", {**query, "field": "9" * 30})
    assert huge.status_code == 200 and not huge.context["body"]


def test_bad_dates_are_explained_in_vietnamese(client, leader, desk, data):
    signed_in(client, leader)
    response = client.get(
        "/thong-ke/", {"agency": desk.parent.pk, "date_from": "31/12/2026", "date_to": "2026-01-01"}
    )
    text = response.content.decode()
    assert not response.context["body"]
    assert "Nhập một ngày hợp lệ" in text


def test_xlsx_export_reads_back(client, leader, desk, data):
    signed_in(client, leader)
    response = client.get(
        "/thong-ke/", {"agency": desk.pk, "include_children": "on", "export": "xlsx", **period()}
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["Tiếp nhận mới"] == 2
    assert values["— trực tiếp"] == 2
    assert values["Quyết định 766 — mức độ hài lòng (%)"] == "chưa có dữ liệu"
    assert "Trung tâm Phục vụ hành chính công phường Mỹ Tho" in values["Cơ quan"]


def test_api_for_the_province_and_one_agency(client, desk, data):
    admin = factories.make_officer(desk, "quantri.tinh", Role.PROVINCE_ADMIN)
    headers = token_for(admin)
    whole = client.get(API, **headers).json()
    assert whole["agency"] is None and whole["received"]["total"] == 3
    one = client.get(API, {"agency": desk.code, "include_children": "false"}, **headers).json()
    assert one["received"] == {"total": 2, "online": 0, "direct": 2, "postal": 0}
    assert one["indicators_766"]["satisfaction"] is None
    assert (
        client.get("/api/v1/statistics/dossiers", {"agency": desk.code}, **headers).json()["received"][
            "total"
        ]
        == 2
    )
    assert client.get(API, {"agency": "H99.999"}, **headers).status_code == 404
    assert client.get(API, {"from": "2026-02-01", "to": "2026-01-01"}, **headers).status_code == 422
    assert client.get(API).status_code == 401


def test_the_office_dashboard_viewer_sees_the_whole_province_with_dated_labels(client, province, desk, data):
    """Issue 20 finding 9: "Toàn tỉnh" for the dashboard viewer of the provincial People's
    Committee's office (theodoi.vp in the demo), date fields labelled as dates, agencies by name."""
    from tinhso.agencies.models import Agency, AgencyKind

    root = province["agencies"]["province"]
    office = Agency.objects.create(
        code="H20.01",
        name="Văn phòng Ủy ban nhân dân tỉnh Đồng Tháp",
        kind=AgencyKind.PC_OFFICE,
        parent=root,
        unit=root.unit,
        valid_from=root.valid_from,
    )
    viewer = factories.make_officer(office, "theodoi.vp", Role.DASHBOARD_VIEWER)
    signed_in(client, viewer)
    response = client.get("/thong-ke/", period())
    assert response.status_code == 200
    assert response.context["report"]["agency"] is None
    assert response.context["report"]["received"]["total"] == 3
    text = response.content.decode()
    assert "Từ ngày" in text and "Đến ngày" in text and "Bên giao" not in text and "Bên nhận" not in text
    names = [agency.name for agency in response.context["form"].fields["agency"].queryset]
    assert names == sorted(names) and len(names) == Agency.objects.count()
    assert client.get(API, **token_for(viewer)).status_code == 200

    # A dashboard viewer of a commune's office is not province-wide.
    signed_in(client, factories.make_officer(desk.parent, "theodoi.mytho", Role.DASHBOARD_VIEWER))
    response = client.get("/thong-ke/", period())
    assert not response.context["body"] and response.context["form"].errors


def test_the_overdue_count_opens_the_overdue_dossiers(client, leader, desk, other_desk, data):
    from tinhso.dossiers.models import Dossier

    late = Dossier.objects.filter(receiving_agency=desk).order_by("pk").first()
    Dossier.objects.filter(pk=late.pk).update(due_at=timezone.now() - timezone.timedelta(days=2))
    Dossier.objects.filter(receiving_agency=other_desk).update(
        due_at=timezone.now() - timezone.timedelta(days=2)
    )
    signed_in(client, leader)
    query = {"agency": desk.parent.pk, "include_children": "on", **period()}
    response = client.get("/thong-ke/", query)
    assert response.context["report"]["in_progress"]["overdue"] == 1
    links = [
        url
        for _label, _value, url, _parts in response.context["rows"]
        if url.startswith("/thong-ke/qua-han/?")
    ]
    assert len(links) == 1
    listing = client.get(links[0])
    assert listing.status_code == 200
    assert [d.code for d in listing.context["page"]] == [late.code]
    assert late.code in listing.content.decode()

    # Another agency's leader cannot list them.
    signed_in(client, factories.make_officer(other_desk.parent, "lanhdao.caolanh", Role.LEADER))
    refused = client.get("/thong-ke/qua-han/", query)
    assert refused.status_code == 302 and late.code not in refused.content.decode()


def test_the_766_index_on_the_page_in_the_workbook_and_in_the_api(client, leader, desk, other_desk, data):
    """Three dossiers received today at two desks, in progress and not yet due: 2.1 is 100%
    for each; the rows the platform has no data for say why."""
    signed_in(client, leader)
    response = client.get("/thong-ke/", {"agency": desk.parent.pk, "include_children": "on", **period()})
    index = response.context["index"]
    rows = {row["code"]: row for group in index["total"]["groups"] for row in group["indicators"]}
    assert (rows["2.1"]["numerator"], rows["2.1"]["denominator"], rows["2.1"]["points"]) == (2, 2, 20.0)
    assert [card["agency"] for card in index["agencies"]] == [desk.name], "only the leader's desk"
    text = response.content.decode()
    assert "Bộ chỉ số chất lượng phục vụ theo Quyết định 766/QĐ-TTg" in text
    assert "Hồ sơ xử lý trước hạn, đúng hạn" in text and "Xếp hạng các cơ quan" in text
    assert "Chưa có dữ liệu: Phản ánh, kiến nghị về quy định hành chính" in text

    workbook = client.get(
        "/thong-ke/", {"agency": desk.parent.pk, "include_children": "on", "export": "xlsx", **period()}
    )
    sheet = load_workbook(BytesIO(workbook.content))["Chỉ số 766"]
    lines = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0] is not None}
    assert lines["2.1"][1:6] == ("Hồ sơ xử lý trước hạn, đúng hạn", 100.0, None, 20.0, 20)
    assert lines["5.2"][4] is None and lines["5.2"][6].startswith("chưa có dữ liệu: ")
    # full-process 0/2 online (0 of 12), digitised 0/2 (0 of 4), satisfaction 100% (6 of 6)
    assert lines[1][:5] == (1, desk.name, 26.0, 42, 61.9), "rank 1: the desk"

    admin = factories.make_officer(desk, "quantri.tinh", Role.PROVINCE_ADMIN)
    headers = token_for(admin)
    api = client.get("/api/v1/statistics/index-766", **headers).json()
    assert api["agency"] is None and api["total"]["max_points"] == 100
    assert sorted(card["agency_code"] for card in api["agencies"]) == sorted([desk.code, other_desk.code])
    api_rows = {row["code"]: row for group in api["total"]["groups"] for row in group["indicators"]}
    assert api_rows["2.1"]["denominator"] == 3 and api_rows["1.1"]["no_data"]
    one = client.get("/api/v1/statistics/index-766", {"agency": desk.code}, **headers).json()
    assert [card["agency_code"] for card in one["agencies"]] == [desk.code]
    outsider = factories.make_officer(other_desk.parent, "lanhdao.caolanh", Role.LEADER)
    refused = client.get("/api/v1/statistics/index-766", {"agency": desk.code}, **token_for(outsider))
    assert refused.status_code == 403
    bad = client.get("/api/v1/statistics/index-766", {"from": "2026-02-01", "to": "2026-01-01"}, **headers)
    assert bad.status_code == 422
    assert client.get("/api/v1/statistics/index-766").status_code == 401


@pytest.mark.parametrize("path", ["/one-stop", "/dossiers", "/index-766"])
def test_api_declares_the_404_of_an_unknown_agency_field_or_procedure(client, desk, path):
    """Found by schema fuzzing: the 404 was answered but not in the OpenAPI document."""
    document = client.get("/api/v1/openapi.json").json()
    headers = token_for(factories.make_officer(desk, "quantri.tinh", Role.PROVINCE_ADMIN))
    queries = [{"agency": "null"}] + ([] if path == "/index-766" else [{"field": "x"}, {"procedure": "x"}])
    for query in queries:
        response = client.get(f"/api/v1/statistics{path}", query, **headers)
        assert response.status_code == 404, query
        answer_validator(document, f"/api/v1/statistics{path}", "get", 404).validate(response.json())


def test_a_report_is_computed_once_a_minute_per_query_and_shared_by_those_who_may_see_it(
    client, province, leader, other_desk, desk, data, django_assert_max_num_queries
):
    """A second leader asking for the same report within the minute reads the form and report
    drawn for the first (no dossier or rollup is read again); a viewer who may choose other
    agencies, or asks another query, gets their own; a viewer who may not see the agency is
    refused even while its report is kept."""
    import re

    from django.core.cache import cache

    from tinhso.agencies.models import Agency, AgencyKind
    from tinhso.statistics.views import REPORT_CACHE_SECONDS

    assert REPORT_CACHE_SECONDS <= 60
    query = {"agency": desk.parent.pk, "include_children": "on", **period()}
    signed_in(client, leader)
    first = client.get("/thong-ke/", query)
    assert first.context["report"]["received"]["total"] == 2
    computed = timezone.localtime(first.context["computed_at"])
    deputy = factories.make_officer(desk.parent, "phochutich.mytho", Role.LEADER)
    signed_in(client, deputy)
    with django_assert_max_num_queries(12) as captured:
        second = client.get("/thong-ke/", query)
    read = " ".join(statement["sql"] for statement in captured.captured_queries)
    assert not re.search(r'FROM "(dossiers_\w+|statistics_\w+)"', read)
    assert "report" not in second.context
    page = second.content.decode()
    assert f"Tính lúc {computed:%H:%M}" in page and "Tiếp nhận mới" in page
    assert second.context["body"] == first.context["body"]
    assert 'name="csrfmiddlewaretoken"' not in second.context["body"]
    drawn = [template.name for template in second.templates]
    assert "django/forms/widgets/select.html" not in drawn  # the form is part of what is kept
    assert "django/forms/widgets/select.html" in [template.name for template in first.templates]

    # A viewer who may choose other agencies gets a form of their own, with their choices.
    root = province["agencies"]["province"]
    office = factories.make_agency("H20.01", "Văn phòng UBND tỉnh", AgencyKind.PC_OFFICE, root.unit, root)
    signed_in(client, factories.make_officer(office, "theodoi.vp", Role.DASHBOARD_VIEWER))
    province_wide = client.get("/thong-ke/", query)
    assert province_wide.context["report"]["received"]["total"] == 2
    offered = province_wide.content.decode().split('name="agency"')[1].split("</select>")[0]
    assert offered.count("<option") == Agency.objects.count() + 1  # and "the whole province"
    signed_in(client, deputy)

    without_children = client.get("/thong-ke/", {**query, "include_children": ""})
    assert without_children.context["report"]["received"]["total"] == 0  # the desk is its child

    stranger = factories.make_officer(other_desk.parent, "lanhdao.caolanh", Role.LEADER)
    signed_in(client, stranger)
    refused = client.get("/thong-ke/", query)
    assert refused.status_code == 200 and not refused.context["body"]
    assert "Hãy chọn một lựa chọn hợp lệ" in refused.content.decode()

    cache.clear()  # as when the minute has passed
    signed_in(client, leader)
    assert client.get("/thong-ke/", query).context["computed_at"] >= first.context["computed_at"]
