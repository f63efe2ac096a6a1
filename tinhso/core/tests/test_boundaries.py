"""Hostile input is refused at the boundary: NUL bytes, out-of-range pagination; errors under /api/
and Open311 are structured whatever their status, a database outage answers 503."""

import datetime
import json

import pytest
from django.db import connection
from django.test import Client, override_settings

from tinhso.accounts.middleware import SECOND_FACTOR_SESSION_KEY
from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.agencies.models import Agency, AgencyKind
from tinhso.units.models import AdministrativeUnit, DivisionType, Level

START = datetime.date(2025, 7, 1)

NUL_IN_PATH = [
    "/thu-tuc/%00/",
    "/thu-tuc/%00/mau/1/",
    "/ho-so/%00/",
    "/ho-so/%00/da-nop/",
    "/ho-so/tra-cuu/%00/",
    "/ho-so/nop/%00/",
    "/phan-anh/%00/",
    "/phan-anh/da-gui/%00/",
    "/phan-anh/can-bo/%00/",
    "/thanh-toan/ho-so/%00/",
    "/thanh-toan/bien-lai/%00/",
    "/thanh-toan/sandbox/paymentv2/%00/",
    "/bieu-mau/ho-so/%00/mau-1.pdf",
    "/api/v1/units/%00",
    "/api/v1/agencies/%00",
    "/api/v1/procedures/%00",
    "/api/v1/dossiers/%00",
    "/api/v1/payments/%00",
    "/open311/v2/requests/%00.json",
    "/open311/v2/services/%00.xml",
]
NUL_IN_QUERY = [
    "/thu-tuc/?q=%00",
    "/thu-tuc/?agency=%00",
    "/phan-anh/?q=%00&category=%00",
    "/don-vi-hanh-chinh/?q=%00",
    "/ho-so/tra-cuu/?code=%00&phone=%00",
    "/mot-cua/?q=%00&status=%00",
    "/phan-anh/can-bo/dieu-phoi/?q=%00",
    "/thong-ke/?agency=%00&from=%00",
    "/thanh-toan/vnpay/ipn?vnp_TxnRef=%00&vnp_SecureHash=%00",
    "/thanh-toan/vnpay/ket-qua?vnp_TxnRef=%00",
    "/api/v1/units/?q=%00",
    "/api/v1/agencies/?q=%00",
    "/api/v1/procedures/?q=%00&agency=%00",
    "/api/v1/dossiers/track?code=%00&phone=%00",
    "/api/v1/feedback/stats?group_by=%00",
    "/api/v1/statistics/dossiers?agency=%00",
    "/api/v1/mot-cua/dossiers?q=%00",
    "/open311/v2/requests.json?service_code=%00&status=%00",
    "/open311/v2/requests.xml?service_request_id=%00",
    "/?%00=1",
]
NUL_IN_FORM = [
    ("/tai-khoan/dang-nhap/", {"username": "\x00", "password": "x"}),
    ("/phan-anh/gui/", {"description": "Ổ gà\x00", "address": "\x00"}),
    ("/ho-so/tra-cuu/", {"code": "\x00", "phone": "0912345678"}),
    ("/open311/v2/requests.json", {"api_key": "\x00", "service_code": "hu-hong-duong"}),
    ("/mot-cua/tiep-nhan-truc-tiep/", {"procedure": "\x00"}),
    ("/xac-thuc-ket-qua/kiem-tra/", {"code": "\x00"}),
]
NUL_IN_JSON = [
    ("/api/v1/auth/token", {"username": "\x00", "password": "x"}),
    ("/api/v1/auth/token", {"username": "087095001234", "password": "x", "totp": "\x00"}),
    ("/api/v1/dossiers/", {"procedure": "\x00", "answers": {"ho_ten": "\x00"}}),
    ("/api/v1/agencies/", {"code": "H20.99", "name": "Sở\x00"}),
    ("/thanh-toan/sandbox/merchant_webapi/api/transaction", {"vnp_TxnRef": "\x00"}),
]


@pytest.fixture
def officer_client(db):
    """A one-stop officer of the province, signed in with the second factor done."""
    province = AdministrativeUnit.objects.create(
        code="82",
        name="Tỉnh Đồng Tháp",
        level=Level.PROVINCE,
        division_type=DivisionType.PROVINCE,
        valid_from=START,
    )
    agency = Agency.objects.create(
        code="H20.13",
        name="Trung tâm Phục vụ hành chính công",
        kind=AgencyKind.SERVICE_CENTRE,
        unit=province,
        valid_from=START,
    )
    user = User.objects.create_user(
        "motcua.tinh", "Mật-khẩu-Đồng-Tháp-2026", full_name="Lê Thị Thu Trang", kind=UserKind.OFFICER
    )
    Membership.objects.create(user=user, agency=agency, role=Role.ONE_STOP_OFFICER, valid_from=START)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    session = client.session
    session[SECOND_FACTOR_SESSION_KEY] = user.pk
    session.save()
    return client


def assert_refused(response, path):
    assert response.status_code == 400, (path, response.status_code, response.content[:300])
    if path.startswith("/api/"):
        assert response.json()["error"]["code"] == "bad_request"
    elif path.startswith("/open311/"):
        if ".xml" in path:
            assert response.content.startswith(b"<?xml") and b"<code>400</code>" in response.content
        else:
            assert response.json() == [{"code": 400, "description": response.json()[0]["description"]}]
    else:
        assert response["Content-Type"].startswith("text/html")
        assert "Yêu cầu không hợp lệ" in response.content.decode()


@pytest.mark.parametrize("path", NUL_IN_PATH + NUL_IN_QUERY)
def test_a_nul_byte_in_the_path_or_query_is_refused_with_400(officer_client, path):
    assert_refused(officer_client.get(path), path.split("?")[0])


@pytest.mark.parametrize(("path", "data"), NUL_IN_FORM)
def test_a_nul_byte_in_a_form_field_is_refused_with_400(officer_client, path, data):
    assert_refused(officer_client.post(path, data), path)


@pytest.mark.parametrize(("path", "data"), NUL_IN_JSON)
def test_a_nul_byte_in_a_json_body_is_refused_with_400(officer_client, path, data):
    assert_refused(officer_client.post(path, json.dumps(data), content_type="application/json"), path)


def test_a_nul_byte_in_an_uploaded_file_is_data_not_an_attack(officer_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("ket-qua.pdf", b"%PDF-1.7\x00\x00binary", content_type="application/pdf")
    response = officer_client.post("/xac-thuc-ket-qua/kiem-tra/", {"file": upload})
    assert response.status_code < 500 and response.status_code != 400


@pytest.mark.django_db
def test_an_escaped_backslash_before_u0000_is_text_not_a_nul_byte():
    body = json.dumps({"username": "\\u0000", "password": "x"})
    assert "\\\\u0000" in body
    response = Client().post("/api/v1/auth/token", body, content_type="application/json")
    assert response.status_code == 401


@pytest.mark.django_db
def test_the_400_page_follows_the_chosen_language():
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.get("/thu-tuc/%00/")
    assert response.status_code == 400 and "Bad request" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"offset": "9223372036854775808"},
        {"offset": "9223372036854775807"},
        {"offset": "2147483648"},
        {"limit": "9223372036854775808"},
        {"limit": "1001"},
        {"limit": "0"},
        {"offset": "-1"},
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/units/", "/api/v1/agencies/", "/api/v1/procedures/"])
def test_pagination_out_of_bounds_is_a_structured_422(client, path, query):
    response = client.get(path, query)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == set(query)


@pytest.mark.django_db
def test_the_largest_pagination_answers_an_empty_page(client):
    response = client.get("/api/v1/units/", {"offset": 2147483647, "limit": 1000})
    assert response.status_code == 200 and response.json()["items"] == []


def test_unknown_api_paths_answer_json_404(client, db):
    response = client.get("/api/v1/khong-co")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    response = client.get("/open311/v2/khong-co.json")
    assert response.status_code == 404 and response.json()[0]["code"] == 404
    assert "Không tìm thấy trang" in client.get("/khong-co/").content.decode()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tinhso.core.tests.failing_urls")
def test_an_unexpected_error_under_the_api_is_json_500_and_a_page_elsewhere():
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/test-failure")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == {
        "code": "server_error",
        "message": "Đã có lỗi xảy ra ở phía chúng tôi. Vui lòng thử lại sau ít phút.",
    }
    page = client.get("/test-failure/")
    assert page.status_code == 500 and "Hệ thống đang gặp sự cố" in page.content.decode()


@pytest.fixture
def database_down(django_db_blocker):
    """The default connection points at a closed port (nothing listens there) for the test."""
    with django_db_blocker.unblock():
        connection.close()
        port = connection.settings_dict["PORT"]
        connection.settings_dict["PORT"] = "9"
        try:
            yield
        finally:
            connection.close()
            connection.settings_dict["PORT"] = port


@pytest.mark.parametrize(
    ("path", "machine"),
    [
        ("/api/v1/units/", True),
        ("/api/v1/procedures/1.001234", True),
        ("/open311/v2/services.json", True),
        ("/", False),
        ("/thu-tuc/", False),
    ],
)
def test_a_database_outage_answers_503_with_retry_after(database_down, path, machine):
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 503, response.content[:300]
    assert int(response["Retry-After"]) > 0
    if machine:
        body = response.json()
        error = body["error"]["message"] if isinstance(body, dict) else body[0]["description"]
        assert "tạm thời gián đoạn" in error
    else:
        assert "Dịch vụ tạm thời gián đoạn" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/auth/token", "/thanh-toan/sandbox/merchant_webapi/api/transaction"]
)
def test_a_form_sent_to_an_endpoint_that_reads_json_is_a_400(path):
    response = Client(raise_request_exception=False).post(path, {"username": "087095001234"})
    assert response.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [("delete", "/api/v1/units/"), ("get", "/api/v1/auth/token"), ("put", "/api/v1/procedures/1.001234")],
)
def test_a_method_the_api_does_not_take_is_a_json_405(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 405 and response["Allow"]
    assert response.json()["error"] == {
        "code": "method_not_allowed",
        "message": "Phương thức này không được hỗ trợ ở đây.",
    }


@pytest.mark.django_db
def test_open311_answers_a_method_it_does_not_take_in_its_own_format(client):
    response = client.delete("/open311/v2/services.xml")
    assert response.status_code == 405 and b"<code>405</code>" in response.content
