import pytest

pytestmark = pytest.mark.django_db


def test_api_search_is_public_paginated_and_accent_insensitive(client, dong_thap):
    response = client.get("/api/v1/units/", {"q": "my tho"})
    assert response.status_code == 200
    body = response.json()
    my_tho = next(item for item in body["items"] if item["code"] == "28261")
    assert my_tho["name"] == "Phường Mỹ Tho"
    assert my_tho["division_type"] == "ward"
    assert my_tho["division_type_label"] == "phường"
    assert my_tho["level"] == 3
    assert my_tho["parent"]["name"] == "Tỉnh Đồng Tháp"
    assert my_tho["valid_from"] == "2025-07-01"
    page = client.get("/api/v1/units/", {"level": 3, "parent": "82", "limit": 10, "offset": 100}).json()
    assert page["count"] == 102
    assert len(page["items"]) == 2


def test_api_refuses_a_bad_level_with_a_structured_error(client, dong_thap):
    response = client.get("/api/v1/units/", {"level": 7})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_api_detail_with_successor(client, legacy_sample):
    current = client.get("/api/v1/units/82").json()
    assert current["name"] == "Tỉnh Đồng Tháp"
    assert current["successor"] is None
    old = client.get("/api/v1/units/82", {"on": "2025-06-30"}).json()
    assert old["name"] == "Tỉnh Tiền Giang"
    assert old["valid_to"] == "2025-06-30"
    assert old["successor"]["name"] == "Tỉnh Đồng Tháp"
    ward = client.get("/api/v1/units/28264").json()
    assert ward["name"] == "Phường 2"
    assert ward["parent"]["name"] == "Thành phố Mỹ Tho"
    assert ward["successor"]["code"] == "28261"


def test_api_unknown_code_is_404_json(client, dong_thap):
    response = client.get("/api/v1/units/99999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_search_page_lists_results_with_type_and_parent(client, dong_thap):
    response = client.get("/don-vi-hanh-chinh/", {"q": "my tho"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_q">Tên hoặc mã</label>' in html
    assert "<td>Phường Mỹ Tho</td>" in html
    assert "<td>phường</td>" in html
    assert "<td>Tỉnh Đồng Tháp</td>" in html
    assert "style=" not in html


def test_search_page_without_query_and_with_bad_level(client, dong_thap):
    assert "<td>Phường Mỹ Tho</td>" not in client.get("/don-vi-hanh-chinh/").content.decode()
    response = client.get("/don-vi-hanh-chinh/", {"q": "my tho", "level": "9"})
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
