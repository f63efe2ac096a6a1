"""Single sign-on against a small OpenID Connect provider running on 127.0.0.1.

The provider speaks the real protocol: discovery document, authorization endpoint that
redirects back with a code, token endpoint checking client secret, redirect URI and PKCE
(S256), JWKS, and an RS256-signed id_token carrying the nonce it was given.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pyotp
import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from tinhso.accounts.models import ExternalIdentity, Role, User
from tinhso.audit.models import AuditEntry

from .conftest import current_code, make_officer

CLIENT_ID = "tinhso-dong-thap"
CLIENT_SECRET = "bi-mat-cua-ung-dung_2025"


class Provider:
    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "khoa-1", "use": "sig", "alg": "RS256"})
        self.codes = {}
        self.next_claims = {}
        self.sign_with = self.key
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def send_json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlsplit(self.path)
                if url.path == "/.well-known/openid-configuration":
                    return self.send_json(200, provider.discovery())
                if url.path == "/jwks":
                    return self.send_json(200, {"keys": [provider.key.as_dict(private=False)]})
                if url.path == "/authorize":
                    return provider.authorize(self, {k: v[0] for k, v in parse_qs(url.query).items()})
                return self.send_json(404, {"error": "not_found"})

            def do_POST(self):
                if urlsplit(self.path).path != "/token":
                    return self.send_json(404, {"error": "not_found"})
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, body = provider.token(self.headers.get("Authorization", ""), form)
                return self.send_json(status, body)

        return Handler

    def discovery(self):
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def authorize(self, handler, params):
        """The person has signed in at the provider: redirect back with a one-time code."""
        assert params["response_type"] == "code"
        assert params["client_id"] == CLIENT_ID
        assert params["code_challenge_method"] == "S256"
        assert "openid" in params["scope"].split()
        code = secrets.token_urlsafe(16)
        self.codes[code] = params
        location = f"{params['redirect_uri']}?{urlencode({'code': code, 'state': params['state']})}"
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.end_headers()

    def token(self, authorization, form):
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != f"Basic {expected}":
            return 401, {"error": "invalid_client"}
        params = self.codes.pop(form.get("code"), None)
        if params is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != params["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != params["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": params["nonce"],
            **self.next_claims,
        }
        id_token = jwt.encode({"alg": "RS256", "kid": self.sign_with.kid}, claims, self.sign_with)
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }


@pytest.fixture
def provider(settings):
    provider = Provider()
    provider.thread.start()
    settings.OIDC_PROVIDERS = {
        "vneid-thu": {
            "name": "Cổng định danh thử nghiệm",
            "issuer": provider.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": "openid profile email",
        }
    }
    yield provider
    provider.server.shutdown()
    provider.server.server_close()


def single_sign_on(client, provider, claims, next_url="/tai-khoan/"):
    """The browser's trip: our site → provider's authorize endpoint → back to our callback."""
    provider.next_claims = claims
    start = client.get("/tai-khoan/sso/vneid-thu/", {"next": next_url})
    assert start.status_code == 302, start.content
    assert start["Location"].startswith(f"{provider.issuer}/authorize?")
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == "/tai-khoan/sso/vneid-thu/callback/"
    return client.get(f"{back.path}?{back.query}")


@pytest.mark.django_db
def test_login_page_offers_the_provider(client, provider):
    assert "Cổng định danh thử nghiệm" in client.get("/tai-khoan/dang-nhap/").content.decode()


@pytest.mark.django_db
def test_first_visit_creates_a_citizen_then_matches_by_sub(client, provider):
    claims = {
        "sub": "vneid-000123",
        "name": "Ngô Thị Lan Anh",
        "email": "LanAnh@example.vn",
        "email_verified": True,
    }
    response = single_sign_on(client, provider, claims)
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/"
    identity = ExternalIdentity.objects.get(provider="vneid-thu", subject="vneid-000123")
    user = identity.user
    assert user.kind == "citizen" and user.full_name == "Ngô Thị Lan Anh"
    assert user.email == "lananh@example.vn"
    assert not user.has_usable_password()
    assert client.get("/tai-khoan/").status_code == 200
    assert "accounts.login" in AuditEntry.objects.filter(object_id=str(user.pk)).values_list(
        "action", flat=True
    )

    client.post("/tai-khoan/dang-xuat/")
    again = single_sign_on(client, provider, {"sub": "vneid-000123", "name": "Tên khác"})
    assert again.status_code == 302
    assert User.objects.filter(kind="citizen").count() == 1
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.django_db
def test_unverified_email_is_not_kept(client, provider):
    single_sign_on(client, provider, {"sub": "s-2", "name": "Bùi Văn Khánh", "email": "khanh@example.vn"})
    assert ExternalIdentity.objects.get(subject="s-2").user.email == ""


@pytest.mark.django_db
def test_officer_matched_by_sub_still_needs_totp(client, provider, agencies):
    secret = pyotp.random_base32()
    officer = make_officer("lanhdao.sso", "Mai Văn Đức", [(agencies["a"], Role.LEADER)], totp_secret=secret)
    ExternalIdentity.objects.create(user=officer, provider="vneid-thu", subject="can-bo-42")
    response = single_sign_on(client, provider, {"sub": "can-bo-42"})
    assert response["Location"].startswith("/tai-khoan/xac-thuc-hai-buoc/?")
    assert client.get("/tai-khoan/").status_code == 302
    client.post("/tai-khoan/xac-thuc-hai-buoc/", {"code": current_code(secret)})
    assert client.get("/tai-khoan/").status_code == 200


@pytest.mark.django_db
def test_id_token_signed_by_another_key_is_refused(client, provider):
    provider.sign_with = RSAKey.generate_key(2048, parameters={"kid": "khoa-1"})
    response = single_sign_on(client, provider, {"sub": "ke-gia-mao", "name": "Kẻ giả mạo"})
    assert response.status_code == 400
    assert "Đăng nhập bằng Cổng định danh thử nghiệm không thành công" in response.content.decode()
    assert not ExternalIdentity.objects.exists()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_callback_with_a_forged_state_is_refused(client, provider):
    client.get("/tai-khoan/sso/vneid-thu/")
    response = client.get("/tai-khoan/sso/vneid-thu/callback/", {"code": "abc", "state": "gia-mao"})
    assert response.status_code == 400
    assert not User.objects.exists()


@pytest.mark.django_db
def test_provider_error_and_unknown_provider(client, provider):
    client.get("/tai-khoan/sso/vneid-thu/")
    denied = client.get("/tai-khoan/sso/vneid-thu/callback/", {"error": "access_denied", "state": "x"})
    assert denied.status_code == 400
    assert client.get("/tai-khoan/sso/khong-co/").status_code == 404


@pytest.mark.django_db
def test_unreachable_provider(client, settings):
    settings.OIDC_PROVIDERS = {
        "tat": {"name": "Cổng đã tắt", "issuer": "http://127.0.0.1:9", "client_id": "x"}
    }
    response = client.get("/tai-khoan/sso/tat/")
    assert response.status_code == 502
    assert "Đăng nhập bằng Cổng đã tắt không thành công" in response.content.decode()
