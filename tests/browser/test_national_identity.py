"""A citizen signs in with the national identity (VNeID) on a phone: the button on the sign-in
page, the local VNeID's page where they say who they are, and back signed in to their own
account found by their personal identification number; with self-registration switched off the
sign-in page offers no registration."""

import pytest

from tinhso.accounts.models import ExternalIdentity, User, UserKind
from tinhso.accounts.oidc_local import PERSONAL_NUMBER_CLAIM, LocalIdentityProvider

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT_ID, CLIENT_SECRET = "tinhso-thu", "bi-mat-vneid-thu-nghiem"


@pytest.fixture
def vneid(settings):
    people = [{"sub": "vneid-an", "name": "Nguyễn Văn An", PERSONAL_NUMBER_CLAIM: "087095001234"}]
    provider = LocalIdentityProvider(CLIENT_ID, CLIENT_SECRET, people=people).start()
    settings.OIDC_PROVIDERS = {
        "vneid": {
            "name": "VNeID",
            "issuer": provider.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": "openid profile",
            "national_identity": True,
            "personal_number_claim": PERSONAL_NUMBER_CLAIM,
        }
    }
    settings.SELF_REGISTRATION = False
    yield provider
    provider.stop()


def test_a_citizen_signs_in_with_vneid_into_their_own_account(live_server, phone_page, vneid):
    citizen = User.objects.create_user(
        "087095001234",
        "Mật-khẩu-cũ-2026",
        full_name="Nguyễn Văn An",
        kind=UserKind.CITIZEN,
        cccd="087095001234",
    )
    page = phone_page
    page.goto(live_server.url + "/tai-khoan/dang-nhap/")
    assert page.get_by_role("link", name="Đăng ký tài khoản").count() == 0
    page.get_by_role("link", name="Đăng nhập bằng VNeID (định danh điện tử quốc gia)").click()
    page.wait_for_load_state()
    assert page.url.startswith(vneid.issuer + "/authorize")
    page.get_by_role("button", name="Nguyễn Văn An (087095001234)").click()
    page.wait_for_load_state()
    assert page.url == live_server.url + "/"
    page.goto(live_server.url + "/tai-khoan/")
    assert page.url == live_server.url + "/tai-khoan/" and "Nguyễn Văn An" in page.content()
    assert ExternalIdentity.objects.get(provider="vneid", subject="vneid-an").user == citizen
    assert User.objects.count() == 1
    page.goto(live_server.url + "/tai-khoan/dang-ky/")
    assert "không mở tài khoản bằng mật khẩu" in page.content()
