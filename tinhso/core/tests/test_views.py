import pytest
from django.test import override_settings


@pytest.mark.django_db
def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_home_page_is_vietnamese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="vi">' in body
    assert "Đăng nhập" in body
    assert 'name="viewport"' in body


@pytest.mark.django_db
def test_language_switch_turns_the_page_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body
    assert "Sign in" in body


@pytest.mark.django_db
def test_every_page_sends_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "http" not in policy


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/phan-anh/gui/", "/api/v1/procedures/", "/khong-ton-tai/"])
def test_every_answer_turns_off_browser_features_the_platform_does_not_use(client, path):
    features = dict(item.strip().split("=", 1) for item in client.get(path)["Permissions-Policy"].split(","))
    assert features["geolocation"] == "(self)"  # the feedback form places the report
    for feature in ("camera", "microphone", "payment", "usb", "display-capture"):
        assert features[feature] == "()"


@pytest.mark.django_db
def test_unknown_page_gets_the_vietnamese_404(client):
    response = client.get("/khong-ton-tai/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_error_views_render_in_vietnamese(rf):
    from tinhso.core import views

    request = rf.get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert "Yêu cầu không hợp lệ" in views.bad_request(request).content.decode()
    assert "Không có quyền truy cập" in views.permission_denied(request).content.decode()
    response = views.server_error(request)
    assert response.status_code == 500
    assert "Hệ thống đang gặp sự cố" in response.content.decode()


@pytest.mark.django_db
def test_openapi_document_and_browsable_docs(client):
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    spec = document.json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/auth/token" in spec["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()


@pytest.mark.django_db
def test_malformed_json_gets_a_structured_vietnamese_error(client):
    response = client.post("/api/v1/auth/token", data="{không phải json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "malformed", "message": "Nội dung yêu cầu không phải JSON hợp lệ."}
    }


def test_password_rules_speak_vietnamese():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        validate_password("ngan")
    assert "Mật khẩu quá ngắn: cần ít nhất 10 ký tự." in refused.value.messages
