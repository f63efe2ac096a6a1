"""The catalogue through CKAN's Action API, read by CKAN's own client (``ckanapi``) against a
live server, and the paging a CKAN harvester relies on."""

import json

import ckanapi
import pytest

from tinhso.opendata import actions

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ckan(live_server, published):
    return ckanapi.RemoteCKAN(live_server.url, user_agent="tinhso-tests/1.0")


def test_the_ckan_client_lists_and_shows_the_published_datasets_only(ckan, published):
    assert ckan.action.status_show()["ckan_version"].startswith("2.")
    assert ckan.action.package_list() == ["danh-ba-co-quan", "ho-so-theo-thang", "thu-tuc-hanh-chinh"]
    package = ckan.action.package_show(id="ho-so-theo-thang")
    assert package["id"] == str(published["ho-so-theo-thang"].uuid)
    assert ckan.action.package_show(id=package["id"])["name"] == "ho-so-theo-thang"
    assert (
        package["organization"]["name"] == "h20"
        and package["organization"]["title"] == "Ủy ban nhân dân tỉnh Đồng Tháp"
    )
    assert [tag["name"] for tag in package["tags"]] == ["hồ sơ", "thống kê"]
    [resource] = package["resources"]
    assert (
        resource["format"] == "CSV" and resource["datastore_active"] and resource["url"].endswith("/v1.csv")
    )
    assert ckan.action.resource_show(id=resource["id"])["package_id"] == package["id"]
    assert ckan.action.resource_show(id=resource["id"].replace("-", "").upper())["id"] == resource["id"]
    with pytest.raises(ckanapi.NotFound):
        ckan.action.resource_show(id="00000000-0000-0000-0000-000000000000")
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="ho-so-phuong-my-tho")  # not published
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="khong-co")


def test_package_search_with_the_clients_queries(ckan):
    everything = ckan.action.package_search(
        rows=10, facet="true", **{"facet.field": json.dumps(["tags", "organization"])}
    )
    assert everything["count"] == 3
    assert everything["facets"]["organization"] == {"h20": 3}
    assert everything["search_facets"]["tags"]["items"][0]["count"] == 1
    # Free text, accents and case ignored, in Vietnamese or English.
    assert [p["name"] for p in ckan.action.package_search(q="thu tuc")["results"]] == ["thu-tuc-hanh-chinh"]
    assert [p["name"] for p in ckan.action.package_search(q="DOSSIERS")["results"]] == ["ho-so-theo-thang"]
    assert [p["name"] for p in ckan.action.package_search(q="title:giai quyet")["results"]] == [
        "ho-so-theo-thang"
    ]
    assert ckan.action.package_search(fq='title:"danh ba"')["count"] == 1
    assert ckan.action.package_search(q="text:thống kê")["count"] == 1
    assert ckan.action.package_search(fq="organization:h20 OR organization:h21")["count"] == 3
    assert ckan.action.package_search(fq="-organization:h20")["count"] == 0
    assert (
        ckan.action.package_search(fq='(organization:h20 OR organization:h21) -tags:"cơ quan"')["count"] == 2
    )
    assert ckan.action.package_search(fq='tags:"thống kê"')["count"] == 1
    assert ckan.action.package_search(fq="res_format:CSV +dataset_type:dataset")["count"] == 3
    assert ckan.action.package_search(fq="metadata_modified:[2020-01-01T00:00:00Z TO *]")["count"] == 3
    assert ckan.action.package_search(fq="metadata_modified:[2099-01-01T00:00:00Z TO *]")["count"] == 0
    assert ckan.action.package_search(fq="metadata_modified:[* TO NOW]")["count"] == 3
    names = [p["name"] for p in ckan.action.package_search(sort="name desc")["results"]]
    assert names == sorted(names, reverse=True)
    with pytest.raises(ckanapi.SearchQueryError):
        ckan.action.package_search(fq="secret_field:1")
    with pytest.raises(ckanapi.SearchQueryError):
        ckan.action.package_search(sort="nonsense asc")
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.package_search(rows="many")


def test_a_harvester_pages_through_the_catalogue_by_id(ckan):
    """The CKAN harvester asks ``sort=id asc`` page after page until a page is empty, and gives up
    when two pages are the same."""
    seen, start = [], 0
    while True:
        page = ckan.action.package_search(rows=2, start=start, sort="id asc")["results"]
        if not page:
            break
        seen += [package["id"] for package in page]
        start += 2
    assert len(seen) == 3 and seen == sorted(seen)


def test_organisations_tags_and_licences(ckan):
    assert ckan.action.organization_list() == ["h20"]
    [organization] = ckan.action.organization_list(all_fields=True)
    assert organization["package_count"] == 3 and organization["id"] == "H20"
    shown = ckan.action.organization_show(id="h20", include_datasets=True)
    assert len(shown["packages"]) == 3
    with pytest.raises(ckanapi.NotFound):
        ckan.action.organization_show(id="h20-201-01")  # publishes nothing yet
    assert "thống kê" in ckan.action.tag_list() and ckan.action.tag_list(query="thong") == ["thống kê"]
    assert {licence["id"] for licence in ckan.action.license_list()} >= {"cc-by", "odc-odbl"}
    assert ckan.action.group_list() == []


def test_datastore_search_reads_the_newest_version(ckan, published):
    resource = ckan.action.package_show(id="ho-so-theo-thang")["resources"][0]["id"]
    found = ckan.action.datastore_search(resource_id=resource)
    assert found["total"] == 2
    assert [field["id"] for field in found["fields"]][:3] == ["_id", "thang", "ma_co_quan"]
    assert found["fields"][4]["info"]["label"] == "Hồ sơ tiếp nhận"
    assert found["records"][0]["_id"] == 1 and found["records"][0]["tiep_nhan"] == 17
    one = ckan.action.datastore_search(resource_id=resource, filters={"ma_co_quan": "H20.202.01"})
    assert [row["ten_co_quan"] for row in one["records"]] == [
        "Trung tâm Phục vụ hành chính công phường Cao Lãnh"
    ]
    assert ckan.action.datastore_search(resource_id=resource, q="cao lanh")["total"] == 1
    ordered = ckan.action.datastore_search(
        resource_id=resource, sort="tiep_nhan asc", fields="ma_co_quan,tiep_nhan"
    )
    assert ordered["records"] == [
        {"ma_co_quan": "H20.202.01", "tiep_nhan": 7},
        {"ma_co_quan": "H20.201.01", "tiep_nhan": 17},
    ]
    paged = ckan.action.datastore_search(resource_id=resource, limit=1, offset=1, records_format="lists")
    assert paged["records"] == [
        [
            2,
            "2026-11",
            "H20.202.01",
            "Trung tâm Phục vụ hành chính công phường Cao Lãnh",
            7,
            0,
            0,
            7,
            0,
            0,
            0,
            0,
        ]
    ]
    assert "offset=2" in paged["_links"]["next"]
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.datastore_search(resource_id=resource, filters={"mat_khau": "x"})
    with pytest.raises(ckanapi.NotFound):
        ckan.action.datastore_search(resource_id=str(published["ward"].resources.get().uuid))
    assert ckan.action.datastore_info(id=resource)["meta"]["count"] == 2


def test_the_activity_stream_tells_what_happened(ckan, published, people):
    actions.update_dataset(people["admin"], published["ho-so-theo-thang"], notes="Cập nhật hằng tháng")
    kinds = [
        activity["activity_type"] for activity in ckan.action.package_activity_list(id="ho-so-theo-thang")
    ]
    assert kinds == ["changed", "published", "new_version", "created"]


def test_bad_requests_get_ckans_error_envelope(client, published):
    unknown = client.get("/api/3/action/package_delete")
    assert unknown.status_code == 400 and unknown.json()["success"] is False
    broken = client.post("/api/3/action/package_search", data=b"\x00{", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["error"]["__type"] == "Bad Request"
    listed = client.post("/api/3/action/package_search", data="[1]", content_type="application/json")
    assert listed.status_code == 400
    huge = client.get("/api/3/action/package_search", {"rows": "9" * 400})
    assert huge.status_code == 200 and huge.json()["result"]["count"] == 3
    negative = client.get("/api/3/action/package_search", {"start": "-1"})
    assert negative.status_code == 409 and negative.json()["error"]["__type"] == "Validation Error"
    missing = client.get("/api/3/action/datastore_search", {"resource_id": "not-a-uuid"})
    assert missing.status_code == 404 and missing.json()["error"]["__type"] == "Not Found Error"
    assert client.put("/api/3/action/package_list").status_code == 405
    answered = client.get("/api/action/package_list").json()
    assert answered["success"] and answered["help"].startswith("http")


@pytest.mark.parametrize(
    "fq",
    [
        "metadata_modified:[2026-13-45T00:00:00Z TO *]",
        "metadata_modified:[yesterday TO *]",
        "organization:(h20",
        "(organization:h20",
    ],
)
def test_a_malformed_search_is_a_search_query_error_not_a_crash(client, published, fq):
    answered = client.get("/api/3/action/package_search", {"fq": fq})
    assert answered.status_code == 400 and answered.json()["error"]["__type"] == "Search Query Error"


def test_a_keyword_in_decomposed_unicode_still_matches(client, published):
    import unicodedata

    fq = "tags:" + unicodedata.normalize("NFD", '"thống kê"')
    assert client.get("/api/3/action/package_search", {"fq": fq}).json()["result"]["count"] == 1
