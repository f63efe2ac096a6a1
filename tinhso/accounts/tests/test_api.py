import datetime
import json

import pyotp
import pytest
from django.utils import timezone

from tinhso.accounts.models import ApiToken, SignInThrottle, User, hash_token

from .conftest import PASSWORD, current_code, make_officer, wrong_code

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token"


def post_token(client, body):
    return client.post(TOKEN_URL, json.dumps(body), content_type="application/json")


def test_citizen_gets_a_token_and_reads_me(client, citizen, settings):
    response = post_token(
        client, {"username": "087195001234", "password": PASSWORD, "name": "Ứng dụng di động"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.API_TOKEN_TTL_HOURS * 3600
    stored = ApiToken.objects.get(user=citizen)
    assert stored.token_hash == hash_token(body["access_token"])
    assert body["access_token"] not in stored.token_hash
    assert stored.name == "Ứng dụng di động"

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    data = me.json()
    assert data["full_name"] == "Võ Thị Thu Trang"
    assert data["cccd"] == "0871******34"
    assert data["phone"] == "+84912345678"
    assert data["memberships"] == []
    stored.refresh_from_db()
    assert stored.last_used_at is not None


def test_officer_needs_a_valid_totp(client, agencies):
    from tinhso.accounts.models import Role

    secret = pyotp.random_base32()
    make_officer(
        "motcua.api", "Đinh Công Lý", [(agencies["desk_a"], Role.ONE_STOP_OFFICER)], totp_secret=secret
    )
    missing = post_token(client, {"username": "motcua.api", "password": PASSWORD})
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "totp_required"
    assert "mã 6 chữ số" in missing.json()["error"]["message"]

    code = current_code(secret)
    ok = post_token(client, {"username": "motcua.api", "password": PASSWORD, "totp": code})
    assert ok.status_code == 200
    replay = post_token(client, {"username": "motcua.api", "password": PASSWORD, "totp": code})
    assert replay.status_code == 401
    assert replay.json()["error"] == {
        "code": "invalid_totp",
        "message": "Mã xác thực không đúng hoặc đã được dùng.",
    }

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {ok.json()['access_token']}"}).json()
    assert me["kind"] == "officer"
    assert me["memberships"][0]["agency"]["code"] == "H22.50.1"
    assert me["memberships"][0]["role"] == "one_stop_officer"
    assert me["memberships"][0]["role_label"] == "Cán bộ một cửa"


def test_officer_without_totp_is_told_to_enroll(client, officers):
    response = post_token(client, {"username": "motcua.mytho", "password": PASSWORD, "totp": "123456"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "totp_not_enrolled"
    assert not ApiToken.objects.exists()


def test_bad_credentials(client, citizen):
    for username in ["087195001234", "khong.ton.tai"]:
        response = post_token(client, {"username": username, "password": "Sai-mật-khẩu"})
        assert response.status_code == 401
        assert response.json() == {
            "error": {"code": "invalid_credentials", "message": "Tên đăng nhập hoặc mật khẩu không đúng."}
        }


def test_wrong_passwords_throttle_the_address_on_the_api(client, citizen, settings):
    for i in range(settings.LOGIN_MAX_FAILURES - 1):
        assert post_token(client, {"username": "087195001234", "password": f"Sai-{i}"}).status_code == 401
    throttled = post_token(client, {"username": "087195001234", "password": "Sai-cuối"})
    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "too_many_attempts"
    assert "từ kết nối này" in throttled.json()["error"]["message"]
    assert 0 < int(throttled["Retry-After"]) <= settings.LOGIN_LOCK_MINUTES * 60
    right = post_token(client, {"username": "087195001234", "password": PASSWORD})
    assert right.status_code == 429
    assert not ApiToken.objects.exists()
    # The owner, from their own address, is not kept out.
    owner = client.post(
        TOKEN_URL,
        json.dumps({"username": "087195001234", "password": PASSWORD}),
        content_type="application/json",
        REMOTE_ADDR="198.51.100.7",
    )
    assert owner.status_code == 200


def test_unknown_and_existing_usernames_get_the_same_api_answers(client, citizen, settings):
    def answers(username, address):
        responses = [
            client.post(
                TOKEN_URL,
                json.dumps({"username": username, "password": f"Sai-{i}"}),
                content_type="application/json",
                REMOTE_ADDR=address,
            )
            for i in range(settings.LOGIN_MAX_FAILURES + 2)
        ]
        return [
            (response.status_code, response.json(), response.has_header("Retry-After"))
            for response in responses
        ]

    assert answers("087195001234", "203.0.113.1") == answers("079201004567", "203.0.113.2")


def test_sixty_wrong_codes_with_the_right_password_lock_the_officer(client, agencies, settings, mailoutbox):
    """The test of the issue: 60 wrong codes on the API, each with the right password, were
    never locked. Now the fifth locks the account, audited, and the next ones are refused."""
    from tinhso.accounts.models import Role
    from tinhso.accounts.tasks import notify_second_factor_locked

    secret = pyotp.random_base32()
    officer = make_officer(
        "motcua.api", "Đinh Công Lý", [(agencies["desk_a"], Role.ONE_STOP_OFFICER)], totp_secret=secret
    )
    User.objects.filter(pk=officer.pk).update(email="ly.dc@dongthap.example.vn")
    wrong = wrong_code(secret)
    statuses = [
        post_token(client, {"username": "motcua.api", "password": PASSWORD, "totp": wrong}).status_code
        for _ in range(60)
    ]
    assert statuses == [401] * (settings.LOGIN_MAX_FAILURES - 1) + [423] * (61 - settings.LOGIN_MAX_FAILURES)
    officer.refresh_from_db()
    assert officer.is_locked()
    assert officer.second_factor_failures == settings.LOGIN_MAX_FAILURES
    assert officer.locked_until == pytest.approx(
        timezone.now() + datetime.timedelta(minutes=settings.LOGIN_LOCK_MINUTES),
        abs=datetime.timedelta(seconds=60),
    )
    right = post_token(client, {"username": "motcua.api", "password": PASSWORD, "totp": current_code(secret)})
    assert right.status_code == 423
    assert not ApiToken.objects.exists()
    # A wrong password is told nothing about the lock.
    assert post_token(client, {"username": "motcua.api", "password": "Sai-mật-khẩu"}).status_code == 401

    # The next wrong code after the lock ends locks for twice as long.
    User.objects.filter(pk=officer.pk).update(locked_until=timezone.now() - datetime.timedelta(seconds=1))
    assert (
        post_token(client, {"username": "motcua.api", "password": PASSWORD, "totp": wrong}).status_code == 423
    )
    officer.refresh_from_db()
    assert officer.locked_until == pytest.approx(
        timezone.now() + datetime.timedelta(minutes=2 * settings.LOGIN_LOCK_MINUTES),
        abs=datetime.timedelta(seconds=60),
    )

    # Alerted: the officer and the administrators of their agencies are e-mailed.
    assert notify_second_factor_locked.call(officer.pk) == 1
    assert mailoutbox[-1].to == ["ly.dc@dongthap.example.vn"]
    assert "motcua.api" in mailoutbox[-1].subject and "khóa" in mailoutbox[-1].subject


def test_a_recovery_code_works_once_on_the_api(client, agencies):
    from tinhso.accounts import actions
    from tinhso.accounts.models import Role

    admin = make_officer("quantri.api", "Lê Văn Tám", [(agencies["a"], Role.AGENCY_ADMIN)])
    officer = make_officer("motcua.api", "Đinh Công Lý", [(agencies["desk_a"], Role.ONE_STOP_OFFICER)])
    secret = pyotp.random_base32()
    enrolment = actions.issue_enrolment_code(admin, officer)
    recovery = actions.enable_totp(officer, secret, current_code(secret), enrolment_code=enrolment)
    first = post_token(client, {"username": "motcua.api", "password": PASSWORD, "totp": recovery[3].upper()})
    assert first.status_code == 200
    again = post_token(client, {"username": "motcua.api", "password": PASSWORD, "totp": recovery[3]})
    assert again.status_code == 401
    assert User.objects.get(pk=officer.pk).second_factor_failures == 1


@pytest.mark.parametrize(
    "body",
    [json.dumps({"username": "087195001234"}), json.dumps({"username": "", "password": "x"}), "[]"],
)
def test_bad_body_is_422(client, citizen, body):
    response = client.post(TOKEN_URL, body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert not SignInThrottle.objects.exists()


def test_bearer_auth_refuses_bad_expired_and_revoked_tokens(client, citizen):
    token = post_token(client, {"username": "087195001234", "password": PASSWORD}).json()["access_token"]
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer sai"}).status_code == 401
    unauthenticated = client.get("/api/v1/me", headers={"Authorization": "Bearer sai"}).json()
    assert unauthenticated["error"]["code"] == "unauthenticated"

    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    ApiToken.objects.update(
        expires_at=timezone.now() + datetime.timedelta(hours=1), revoked_at=timezone.now()
    )
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    ApiToken.objects.update(revoked_at=None)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    User.objects.filter(pk=citizen.pk).update(is_active=False)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
