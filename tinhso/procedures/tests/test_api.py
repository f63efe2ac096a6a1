from jsonschema import Draft202012Validator

from tinhso.procedures.models import Procedure


def test_list_search_and_filters(client, catalogue):
    body = client.get("/api/v1/procedures/", {"q": "dang ky khai sinh"}).json()
    assert body["items"][0]["code"] == "1.001193"
    first = body["items"][0]
    assert first["field"] == {"code": "ho-tich", "name": "Hộ tịch"}
    assert first["level"] == "commune"
    assert first["online_level"] == "full"
    assert first["online_level_label"] == "trực tuyến toàn trình"
    assert (
        first["processing_time"]["text"]
        == "trong ngày (tiếp nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo)"
    )
    assert first["is_free"] is False  # trích lục copies cost 8.000 đ
    body = client.get("/api/v1/procedures/", {"agency": "H20.10", "limit": 1}).json()
    assert body["count"] == 2 and len(body["items"]) == 1
    body = client.get("/api/v1/procedures/", {"level": "province", "online_level": "partial"}).json()
    assert body["count"] > 0
    assert all(item["level"] == "province" and item["online_level"] == "partial" for item in body["items"])


def test_bad_filter_is_a_structured_error(client, catalogue):
    response = client.get("/api/v1/procedures/", {"level": "district"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_fields(client, catalogue):
    body = client.get("/api/v1/procedures/fields").json()
    by_code = {item["code"]: item for item in body}
    assert by_code["ho-tich"] == {"code": "ho-tich", "name": "Hộ tịch", "procedure_count": 9}
    assert by_code["ly-lich-tu-phap"]["procedure_count"] == 2


def test_detail(client, catalogue):
    body = client.get("/api/v1/procedures/DT-004").json()
    assert body["is_demo_code"] is True
    assert sorted(body["agencies"], key=lambda agency: agency["code"]) == [
        {"code": "H20.13", "name": "Trung tâm Phục vụ hành chính công tỉnh Đồng Tháp"},
        {"code": "H20.14", "name": "Công an tỉnh Đồng Tháp"},
    ]
    stored = Procedure.objects.get(code="DT-004")
    fee = stored.fees.order_by("position", "pk").first()
    assert body["fees"][0] == {
        "id": fee.pk,
        "name": "Phí cung cấp thông tin lý lịch tư pháp",
        "amount": 200000,
        "amount_text": "200.000 đ",
        "kind": "fixed",
        "unit": "lần",
        "note": (
            "Thông tư 244/2016/TT-BTC, Điều 4: 200.000 đồng/lần/người; sinh viên, người có công với cách"
            " mạng, thân nhân liệt sĩ: 100.000 đồng/lần/người (chọn trên tờ khai). Miễn cho người thuộc"
            " các trường hợp tại Điều 5 (chọn trên tờ khai)."
        ),
    }
    assert body["documents"][0]["template_url"] is None
    assert (
        body["documents"][0]["id"]
        == Procedure.objects.get(code="DT-004").documents.order_by("position", "pk").first().pk
    )
    assert body["processing_time"]["unit"] == "days"
    assert body["submission"]["online"] is True
    assert body["legacy_online_level"] == 4
    assert body["eform"]["pages"][0]["title"] == "Người được cấp Phiếu"
    commune = client.get("/api/v1/procedures/1.001193").json()
    assert commune["agencies"] == []
    assert commune["implemented_by"] == ["Ủy ban nhân dân các xã, phường"]


def test_unknown_code_is_a_structured_404(client, catalogue):
    response = client.get("/api/v1/procedures/9.999999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_detail_answers_as_the_openapi_document_says(client, catalogue):
    """The procedure's agencies and documents have their own components (they once collapsed into
    the agencies API's AgencyOut and the dossiers API's DocumentOut, and the answer broke its schema)."""
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/procedures/{code}"]["get"]

    def validator(status):
        schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
        return Draft202012Validator({**schema, "components": document["components"]})

    for code in Procedure.objects.values_list("code", flat=True):
        response = client.get(f"/api/v1/procedures/{code}")
        assert response.status_code == 200
        errors = [error.message for error in validator(200).iter_errors(response.json())]
        assert errors == [], (code, errors)
    missing = client.get("/api/v1/procedures/1.999999")
    assert missing.status_code == 404
    validator(404).validate(missing.json())
