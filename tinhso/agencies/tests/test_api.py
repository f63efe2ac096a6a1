import pytest

from tinhso.accounts.actions import issue_api_token
from tinhso.agencies.models import Agency
from tinhso.audit.services import history_for

pytestmark = pytest.mark.django_db


def bearer(user):
    token, _ = issue_api_token(user, "thử nghiệm")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_list_is_public_and_searchable(client, tree):
    body = client.get("/api/v1/agencies/", {"q": "so tu phap"}).json()
    assert [item["code"] for item in body["items"]] == ["H15.21"]
    assert body["items"][0]["kind_label"] == "sở, ban, ngành"
    assert body["items"][0]["parent"]["code"] == "H15"
    by_parent = client.get("/api/v1/agencies/", {"parent": "000.00.00.H15"}).json()
    assert sorted(item["code"] for item in by_parent["items"]) == ["H15.21", "H15.50"]
    by_unit = client.get("/api/v1/agencies/", {"unit": "28261", "kind": "one_stop_desk"}).json()
    assert [item["name"] for item in by_unit["items"]] == ["Bộ phận một cửa phường Mỹ Tho"]


def test_detail_accepts_both_code_styles(client, tree):
    body = client.get("/api/v1/agencies/50.H15").json()
    assert body["code"] == "H15.50"
    assert body["legacy_code"] == "000.00.50.H15"
    assert body["unit"] == {"code": "28261", "name": "Phường Mỹ Tho"}
    assert [child["code"] for child in body["children"]] == ["H15.50.01"]


def test_bad_and_unknown_codes(client, tree):
    response = client.get("/api/v1/agencies/H15..50")
    assert response.status_code == 422
    assert "nhóm trống" in response.json()["error"]["fields"]["code"][0]
    assert client.get("/api/v1/agencies/H99").status_code == 404


def test_writing_needs_a_token_and_permission(client, tree, specialist):
    payload = {"code": "H15.21.05", "name": "Phòng Phổ biến pháp luật", "parent": "H15.21", "unit": "82"}
    assert client.post("/api/v1/agencies/", payload, content_type="application/json").status_code == 401
    response = client.post(
        "/api/v1/agencies/", payload, content_type="application/json", **bearer(specialist)
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not Agency.objects.filter(code="H15.21.05").exists()


def test_create_update_and_close_through_the_api(client, tree, justice_admin):
    headers = bearer(justice_admin)
    payload = {
        "code": "05.21.H15",
        "name": "Phòng Phổ biến, giáo dục pháp luật",
        "kind": "division",
        "parent": "H15.21",
        "unit": "82",
        "valid_from": "2025-07-01",
    }
    response = client.post("/api/v1/agencies/", payload, content_type="application/json", **headers)
    assert response.status_code == 201, response.content
    assert response.json()["code"] == "H15.21.05"
    created = Agency.objects.get(code="H15.21.05")
    assert history_for(created).get().action == "agencies.create"

    response = client.patch(
        "/api/v1/agencies/H15.21.05", {"phone": "0277 3851 234"}, content_type="application/json", **headers
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "0277 3851 234"

    response = client.post(
        "/api/v1/agencies/H15.21.05/close",
        {"valid_to": "2025-06-30"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["valid_to"] == ["Ngày kết thúc không được trước ngày bắt đầu."]
    response = client.post(
        "/api/v1/agencies/H15.21.05/close",
        {"valid_to": "2026-12-31"},
        content_type="application/json",
        **headers,
    )
    assert response.json()["valid_to"] == "2026-12-31"


def test_invalid_writes_get_structured_errors(client, tree, justice_admin):
    headers = bearer(justice_admin)
    bad_code = {"code": "H15-21-9", "name": "Phòng X", "parent": "H15.21", "unit": "82"}
    response = client.post("/api/v1/agencies/", bad_code, content_type="application/json", **headers)
    assert response.status_code == 422
    assert "chữ cái in hoa" in response.json()["error"]["fields"]["code"][0]
    unknown_unit = {"code": "H15.21.09", "name": "Phòng X", "parent": "H15.21", "unit": "99999"}
    response = client.post("/api/v1/agencies/", unknown_unit, content_type="application/json", **headers)
    assert response.json()["error"]["fields"]["unit"] == [
        "Không có cơ quan hoặc đơn vị nào mang mã 99999 còn hiệu lực."
    ]
    missing_name = {"code": "H15.21.09", "parent": "H15.21", "unit": "82"}
    response = client.post("/api/v1/agencies/", missing_name, content_type="application/json", **headers)
    assert response.status_code == 422
    assert not Agency.objects.filter(code="H15.21.09").exists()


@pytest.mark.parametrize("field", ["code", "name", "short_name", "kind", "unit", "email", "phone", "address"])
def test_a_change_to_null_is_refused_where_the_agency_needs_a_value(client, tree, justice_admin, field):
    """Found by schema fuzzing: ``{"phone": null}`` was a 500 (NOT NULL violation)."""
    agency = Agency.objects.get(code="H15.21")
    before = {f.attname: getattr(agency, f.attname) for f in Agency._meta.concrete_fields}
    response = client.patch(
        "/api/v1/agencies/H15.21", {field: None}, content_type="application/json", **bearer(justice_admin)
    )
    assert response.status_code == 422
    assert f"payload.{field}" in response.json()["error"]["fields"]
    agency.refresh_from_db()
    assert {f.attname: getattr(agency, f.attname) for f in Agency._meta.concrete_fields} == before
