"""Every Open311 GeoReport v2 endpoint in JSON and XML, against the spec's shapes (schemas
written here from the spec), and the spec's errors."""

import xml.etree.ElementTree as ET

import jsonschema
import pytest
from django.contrib.auth.models import AnonymousUser

from tinhso.feedback.models import Open311ApiKey, Report

NULLABLE_STRING = {"type": ["string", "null"]}
ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
SERVICE = {
    "type": "object",
    "required": ["service_code", "service_name", "metadata", "type"],
    "properties": {
        "service_code": {"type": "string"},
        "service_name": {"type": "string"},
        "description": NULLABLE_STRING,
        "metadata": {"type": "boolean"},
        "type": {"enum": ["realtime", "batch", "blackbox"]},
        "keywords": NULLABLE_STRING,
        "group": NULLABLE_STRING,
    },
}
DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string"},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variable", "code", "datatype", "required"],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": {"type": "string"},
                    "datatype": {
                        "enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
                    },
                    "required": {"type": "boolean"},
                    "order": {"type": ["integer", "null"]},
                    "values": {
                        "type": "array",
                        "items": {"type": "object", "required": ["key", "name"]},
                    },
                },
            },
        },
    },
}
DATETIME = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$"}
REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    "properties": {
        "service_request_id": {"type": "string"},
        "status": {"enum": ["open", "closed"]},
        "status_notes": NULLABLE_STRING,
        "service_name": NULLABLE_STRING,
        "service_code": {"type": "string"},
        "description": {"type": ["string", "null"], "maxLength": 4000},
        "agency_responsible": NULLABLE_STRING,
        "service_notice": NULLABLE_STRING,
        "requested_datetime": DATETIME,
        "updated_datetime": {"anyOf": [DATETIME, {"type": "null"}]},
        "expected_datetime": {"anyOf": [DATETIME, {"type": "null"}]},
        "address": NULLABLE_STRING,
        "address_id": NULLABLE_STRING,
        "zipcode": NULLABLE_STRING,
        "lat": {"type": ["number", "null"]},
        "long": {"type": ["number", "null"]},
        "media_url": NULLABLE_STRING,
    },
}
CREATED = {
    "type": "array",
    "items": {
        "type": "object",
        "anyOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
        "properties": {
            "service_request_id": {"type": "string"},
            "token": {"type": "string"},
            "service_notice": NULLABLE_STRING,
            "account_id": NULLABLE_STRING,
        },
    },
}
REQUEST_ELEMENTS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}

BASE = "/open311/v2/"


@pytest.fixture
def api_key(place):
    _key, plain = Open311ApiKey.issue("Ứng dụng Đồng Tháp Smart")
    return plain


def get_json(client, path, expect=200, **params):
    response = client.get(BASE + path + ".json", params)
    assert response.status_code == expect, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def get_xml(client, path, expect=200, **params):
    response = client.get(BASE + path + ".xml", params)
    assert response.status_code == expect, response.content
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)


def test_discovery(client, place):
    data = get_json(client, "discovery")
    assert set(data) == {"changeset", "contact", "key_service", "endpoints"}
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["formats"] == ["text/xml", "application/json"]
    root = get_xml(client, "discovery")
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]


def test_services_and_definitions(client, place):
    data = get_json(client, "services")
    jsonschema.validate(data, {"type": "array", "items": SERVICE})
    assert {s["service_code"] for s in data} == {"hu-hong-duong", "rac-thai"}
    root = get_xml(client, "services")
    assert root.tag == "services"
    road = next(s for s in root.findall("service") if s.findtext("service_code") == "hu-hong-duong")
    assert road.findtext("service_name") == "Hư hỏng đường giao thông" and road.findtext("metadata") == "true"
    assert {c.tag for c in road} == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }

    definition = get_json(client, "services/hu-hong-duong")
    jsonschema.validate(definition, DEFINITION)
    codes = [a["code"] for a in definition["attributes"]]
    assert codes == ["commune", "muc_do"]
    assert {"key": "28261", "name": "Phường Mỹ Tho"} in definition["attributes"][0]["values"]
    root = get_xml(client, "services/hu-hong-duong")
    assert root.tag == "service_definition"
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("code") == "commune" and attribute.findtext("required") == "true"
    assert attribute.find("values/value/key") is not None


def test_unknown_service_code_is_404(client, place):
    errors = get_json(client, "services/khong-co", expect=404)
    jsonschema.validate(errors, ERRORS)
    assert errors[0]["code"] == 404
    root = get_xml(client, "services/khong-co", expect=404)
    assert root.tag == "errors" and root.findtext("error/code") == "404"


def post(client, fmt, **data):
    return client.post(BASE + f"requests.{fmt}", data)


def valid_post(api_key, **extra):
    data = {
        "api_key": api_key,
        "service_code": "hu-hong-duong",
        "lat": "10.3605",
        "long": "106.3569",
        "address_string": "Đường Ấp Bắc, Mỹ Tho",
        "attribute[commune]": "28261",
        "attribute[muc_do]": "cao",
        "description": "Ổ gà sâu trên đường Ấp Bắc.",
        "email": "an.nguyen@example.vn",
        "first_name": "An",
        "last_name": "Nguyễn Văn",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_request_token_and_get(client, place, api_key, fmt):
    response = post(client, fmt, **valid_post(api_key))
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert report.channel == "open311" and report.attributes == {"muc_do": "cao"}
    if fmt == "json":
        created = response.json()
        jsonschema.validate(created, CREATED)
        token = created[0]["token"]
        assert created[0]["service_request_id"] == report.code
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "service_requests" and root.findtext("request/service_request_id") == report.code
        token = root.findtext("request/token")

    if fmt == "json":
        by_token = get_json(client, f"tokens/{token}")
        assert by_token == [{"service_request_id": report.code, "token": token}]
    else:
        assert get_xml(client, f"tokens/{token}").findtext("request/service_request_id") == report.code
    get_json(client, "tokens/00000000-0000-0000-0000-000000000000", expect=404)
    get_xml(client, "tokens/not-a-token", expect=404)

    # Not yet moderated: the request is known, without its description or place.
    single = get_json(client, f"requests/{report.code}")
    jsonschema.validate(single, {"type": "array", "items": REQUEST})
    assert single[0]["status"] == "open" and single[0]["description"] is None and single[0]["lat"] is None
    root = get_xml(client, f"requests/{report.code}")
    assert {child.tag for child in root.find("request")} == REQUEST_ELEMENTS


def test_get_requests_lists_published_with_filters(client, place, answered, submit):
    waiting = submit(description="Chưa kiểm duyệt")
    data = get_json(client, "requests")
    jsonschema.validate(data, {"type": "array", "items": REQUEST})
    assert [r["service_request_id"] for r in data] == [answered.code]
    item = data[0]
    assert (item["status"] == "closed" and item["status_notes"].startswith("Đã trả lời")) or item[
        "status_notes"
    ]
    assert item["lat"] == 10.3605 and item["agency_responsible"] == "Ủy ban nhân dân phường Mỹ Tho"
    assert item["requested_datetime"].endswith("+07:00")

    assert get_json(client, "requests", status="open") == []
    assert len(get_json(client, "requests", status="closed")) == 1
    assert get_json(client, "requests", service_code="rac-thai") == []
    assert get_json(client, "requests", start_date="2020-01-01T00:00:00+07:00", end_date="2020-03-01") == []
    both = get_json(client, "requests", service_request_id=f"{answered.code},{waiting.code}")
    assert {r["service_request_id"] for r in both} == {answered.code, waiting.code}

    root = get_xml(client, "requests")
    assert root.tag == "service_requests"
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [answered.code]
    assert {child.tag for child in root.find("request")} == REQUEST_ELEMENTS


def test_request_errors(client, place, api_key):
    for fmt in ("json", "xml"):
        missing = post(client, fmt, **valid_post(""))
        wrong = post(client, fmt, **valid_post("sai-khoa"))
        unknown = post(client, fmt, **valid_post(api_key, service_code="khong-co"))
        outside = post(client, fmt, **valid_post(api_key, lat="10.7769", long="106.7009"))
        not_number = post(client, fmt, **valid_post(api_key, lat="mười"))
        nowhere = post(client, fmt, **valid_post(api_key, lat="", long="", address_string=""))
        too_long = post(client, fmt, **valid_post(api_key, description="a" * 5000))
        assert [r.status_code for r in (missing, wrong, unknown, outside, not_number, nowhere, too_long)] == [
            403,
            403,
            400,
            400,
            400,
            400,
            400,
        ]
    assert not Report.objects.exists()
    jsonschema.validate(post(client, "json", **valid_post("")).json(), ERRORS)
    errors = get_json(client, "requests", expect=400, start_date="2025-12-08", end_date="2025-12-01")
    assert errors[0]["code"] == 400
    assert get_xml(client, "requests", expect=400, start_date="hôm qua").findtext("error/code") == "400"
    get_json(client, "requests", expect=400, service_code="khong-co")
    get_json(client, "requests", expect=400, status="pending")
    get_json(client, "requests/PA-000000-000000", expect=404)
    get_xml(client, "requests/PA-000000-000000", expect=404)


def test_script_tags_are_escaped_in_json_and_xml(client, place, api_key):
    text = '<script>alert("x")</script> Đèn hỏng & tối'
    post(client, "json", **valid_post(api_key, description=text))
    from tinhso.feedback import actions

    report = Report.objects.get()
    actions.moderate(place["router"], report, text, True)
    raw = client.get(BASE + f"requests/{report.code}.json").content.decode()
    assert "<script>" not in raw and "\\u003cscript\\u003e" in raw
    assert client.get(BASE + f"requests/{report.code}.json").json()[0]["description"] == text
    xml = client.get(BASE + f"requests/{report.code}.xml").content.decode()
    assert "<script>" not in xml and "&lt;script&gt;" in xml
    assert ET.fromstring(xml).findtext("request/description") == text


def test_officers_open_route_and_answer_a_report_filed_through_open311(client, place, api_key, login):
    """An Open311 report has no reporter account: its contact details come from the request."""
    assert post(client, "json", **valid_post(api_key)).status_code == 201
    report = Report.objects.get()
    assert report.reporter is None
    officer_page = f"/phan-anh/can-bo/{report.code}/"
    login(client, place["router"])
    page = client.get(officer_page)
    assert page.status_code == 200
    assert "An Nguyễn Văn" in page.content.decode() and "an.nguyen@example.vn" in page.content.decode()
    client.post(officer_page + "assign/", {"agency": place["pc_my_tho"].pk})
    login(client, place["officer"])
    assert client.get(officer_page).status_code == 200
    client.post(officer_page + "start/")
    client.post(officer_page + "answer/", {"text": "Đã vá ổ gà trên đường Ấp Bắc."})
    login(client, place["leader"])
    assert client.get(officer_page).status_code == 200
    client.post(officer_page + "approve/", {"public_description": "Ổ gà đường Ấp Bắc"})
    report.refresh_from_db()
    assert report.state == "answered" and report.published
    assert get_json(client, f"requests/{report.code}")[0]["status"] == "closed"


def test_officers_open_an_anonymous_visitors_report_without_contact_details(client, place, submit, login):
    report = submit(user=AnonymousUser(), contact_name="")
    assert report.reporter is None and not report.anonymous
    login(client, place["router"])
    page = client.get(f"/phan-anh/can-bo/{report.code}/")
    assert page.status_code == 200
    assert "không cung cấp tên" in page.content.decode()
