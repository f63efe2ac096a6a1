"""Single sign-on against a small OpenID Connect provider running on 127.0.0.1.

The provider (``tinhso.accounts.oidc_local``, also the demo's national identity) speaks the real
protocol: discovery document, authorization endpoint that redirects back with a code, token
endpoint checking client secret, redirect URI and PKCE (S256), JWKS, and an RS256-signed
id_token carrying the nonce it was given.
"""

from urllib.parse import urlsplit

import pyotp
import pytest
import requests
from joserfc.jwk import RSAKey

from tinhso.accounts.models import ExternalIdentity, Role, User
from tinhso.accounts.oidc_local import LocalIdentityProvider
from tinhso.audit.models import AuditEntry

from .conftest import current_code, make_officer

CLIENT_ID = "tinhso-dong-thap"
CLIENT_SECRET = "bi-mat-cua-ung-dung_2025"


@pytest.fixture
def provider(settings):
    provider = LocalIdentityProvider(CLIENT_ID, CLIENT_SECRET).start()
    provider.next_claims = {}
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
    provider.stop()


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


@pytest.fixture
def national_identity(provider, settings):
    """The provider configured as the national identity (VNeID), vouching for the number."""
    settings.OIDC_PROVIDERS["vneid-thu"].update(
        national_identity=True, personal_number_claim="personal_number"
    )
    return provider


@pytest.mark.django_db
def test_national_identity_finds_the_citizen_by_personal_number(client, national_identity):
    citizen = User.objects.create_user(
        username="079203001234",
        password="Tinhso@2026",
        cccd="079203001234",
        full_name="Trần Thị Bé",
        kind="citizen",
    )
    claims = {"sub": "vneid-xyz", "name": "Trần Thị Bé", "personal_number": "079203001234"}
    response = single_sign_on(client, national_identity, claims)
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/"
    assert int(client.session["_auth_user_id"]) == citizen.pk
    assert ExternalIdentity.objects.get(subject="vneid-xyz").user == citizen
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_national_identity_first_visit_opens_the_account_by_number(client, national_identity):
    single_sign_on(
        client, national_identity, {"sub": "v-1", "name": "Lê Văn Tám", "personal_number": "079203001235"}
    )
    user = ExternalIdentity.objects.get(subject="v-1").user
    assert (user.username, user.cccd, user.full_name) == ("079203001235", "079203001235", "Lê Văn Tám")
    assert not user.has_usable_password()


@pytest.mark.django_db
def test_a_malformed_personal_number_is_ignored(client, national_identity):
    single_sign_on(
        client, national_identity, {"sub": "v-2", "name": "Lê Văn Tám", "personal_number": "0792030012"}
    )
    assert ExternalIdentity.objects.get(subject="v-2").user.cccd is None


@pytest.mark.django_db
def test_other_provider_does_not_match_by_number(client, provider):
    owner = User.objects.create_user(
        username="079203001234", cccd="079203001234", full_name="Trần Thị Bé", kind="citizen"
    )
    single_sign_on(client, provider, {"sub": "k-1", "name": "Kẻ khác", "personal_number": "079203001234"})
    assert ExternalIdentity.objects.get(subject="k-1").user != owner


@pytest.mark.django_db
def test_sign_in_page_labels_the_national_identity(client, national_identity):
    page = client.get("/tai-khoan/dang-nhap/").content.decode()
    assert "Đăng nhập bằng VNeID" in page and "Cổng định danh thử nghiệm" not in page


@pytest.mark.django_db
def test_a_forged_national_identity_token_opens_no_account(client, national_identity):
    owner = User.objects.create_user(
        username="079203001234", cccd="079203001234", full_name="Trần Thị Bé", kind="citizen"
    )
    national_identity.sign_with = RSAKey.generate_key(2048, parameters={"kid": "khoa-1"})
    claims = {"sub": "ke-gia-mao", "name": "Trần Thị Bé", "personal_number": "079203001234"}
    response = single_sign_on(client, national_identity, claims)
    assert response.status_code == 400
    assert not ExternalIdentity.objects.exists() and "_auth_user_id" not in client.session
    assert User.objects.get() == owner


@pytest.mark.django_db
def test_national_identity_never_links_an_officer_by_number(client, national_identity, agencies):
    officer = make_officer("motcua.sso", "Đỗ Thanh Tâm", [(agencies["a"], Role.ONE_STOP_OFFICER)])
    User.objects.filter(pk=officer.pk).update(cccd="079203001234")
    claims = {"sub": "v-9", "name": "Đỗ Thanh Tâm", "personal_number": "079203001234"}
    response = single_sign_on(client, national_identity, claims)
    assert response.status_code == 400
    assert not ExternalIdentity.objects.exists() and "_auth_user_id" not in client.session
