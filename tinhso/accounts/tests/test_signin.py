import base64
import datetime
import re
import threading

import pyotp
import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tinhso import settings as production_settings
from tinhso.accounts import actions, signin
from tinhso.accounts.models import SignInThrottle, User
from tinhso.accounts.views import PENDING_SECRET_KEY
from tinhso.audit.models import AuditEntry

from .conftest import PASSWORD, HttpsClient, current_code, make_officer, wrong_code

LOGIN = "/tai-khoan/dang-nhap/"
LOCKED_TEXT = "Tài khoản tạm thời bị khóa do đăng nhập sai quá nhiều lần."
THROTTLED_TEXT = "Có quá nhiều lần đăng nhập sai từ kết nối này."
INVALID_TEXT = "Tên đăng nhập hoặc mật khẩu không đúng."


def audit_actions(user):
    return list(
        AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )


STRANGER = "203.0.113.66"
OWNER = "198.51.100.7"


def sign_in(client, username, password, next_url="", **extra):
    return client.post(LOGIN, {"username": username, "password": password, "next": next_url}, **extra)


def _main(page) -> str:
    """The page's main content, without the CSRF token and other per-request parts."""
    html = page.content.decode()
    return html[html.index("<main") : html.index("</main>")].split("csrfmiddlewaretoken")[0]


@pytest.mark.django_db
class TestPassword:
    def test_page_is_in_vietnamese(self, client):
        response = client.get(LOGIN)
        assert response.status_code == 200
        assert "Tên đăng nhập hoặc số căn cước công dân" in response.content.decode()

    def test_citizen_signs_in_with_cccd(self, client, citizen):
        response = sign_in(client, "087195001234", PASSWORD, "/tai-khoan/")
        assert response.status_code == 302
        assert response["Location"] == "/tai-khoan/"
        page = client.get("/tai-khoan/").content.decode()
        assert "Võ Thị Thu Trang" in page
        assert "0871******34" in page
        assert "087195001234" not in page
        assert audit_actions(citizen) == ["accounts.login"]

    def test_passwords_are_stored_with_rfc_9106s_argon2id_and_older_hashes_change_at_sign_in(
        self, client, citizen, settings
    ):
        settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS
        django_default = Argon2PasswordHasher()
        citizen.password = django_default.encode(PASSWORD, django_default.salt())
        citizen.save(update_fields=["password"])
        assert "$m=102400,t=2,p=8$" in citizen.password

        assert sign_in(client, "087195001234", "Sai-mật-khẩu-123").status_code == 400
        citizen.refresh_from_db()
        assert "$m=102400,t=2,p=8$" in citizen.password  # a wrong password changes nothing

        assert sign_in(client, "087195001234", PASSWORD).status_code == 302
        citizen.refresh_from_db()
        algorithm, variety, version, parameters, salt, digest = citizen.password.split("$")
        assert (algorithm, variety, version, parameters) == ("argon2", "argon2id", "v=19", "m=65536,t=3,p=4")
        assert len(base64.b64decode(salt + "==")) >= 16  # 128-bit salt, 256-bit tag (RFC 9106 §4)
        assert len(base64.b64decode(digest + "==")) == 32
        assert citizen.check_password(PASSWORD)
        assert not citizen.check_password("Sai-mật-khẩu-123")

        client.post("/tai-khoan/dang-xuat/")
        assert sign_in(client, "087195001234", PASSWORD).status_code == 302

    def test_next_must_stay_on_this_site(self, client, citizen):
        response = sign_in(client, "087195001234", PASSWORD, "https://evil.example/")
        assert response["Location"] == reverse("core:home")

    def test_unknown_username_gets_the_same_message_as_a_wrong_password(self, client, citizen):
        unknown = sign_in(client, "079201004567", "Sai-mật-khẩu-123").content.decode()
        wrong = sign_in(client, "087195001234", "Sai-mật-khẩu-123").content.decode()
        assert INVALID_TEXT in unknown and INVALID_TEXT in wrong
        assert LOCKED_TEXT not in unknown

    def test_wrong_passwords_throttle_the_address_not_the_account(self, client, citizen, settings):
        """Five wrong passwords used to lock any citizen (usernames are CCCD numbers) for
        everyone: now only the address they came from waits, and the owner signs in elsewhere."""
        settings.LOGIN_MAX_FAILURES = 5
        settings.LOGIN_THROTTLE_SECONDS = 30
        pages = [
            sign_in(client, "087195001234", f"Sai-mật-khẩu-{i}", REMOTE_ADDR=STRANGER) for i in range(10)
        ]
        assert all(page.status_code == 400 for page in pages)
        for page in pages[:4]:
            assert INVALID_TEXT in page.content.decode()
        for page in pages[4:]:
            assert THROTTLED_TEXT in page.content.decode()
            assert LOCKED_TEXT not in page.content.decode()
        # The right password from the stranger's address is refused too, and nobody is signed in.
        page = sign_in(client, "087195001234", PASSWORD, REMOTE_ADDR=STRANGER)
        assert THROTTLED_TEXT in page.content.decode()
        assert "_auth_user_id" not in client.session
        citizen.refresh_from_db()
        assert not citizen.is_locked()
        # Attempts past the limit are refused without checking the password.
        assert audit_actions(citizen).count("accounts.login_failed") == 5
        owner = sign_in(HttpsClient(), "087195001234", PASSWORD, REMOTE_ADDR=OWNER)
        assert owner.status_code == 302

    def test_the_delays_grow_up_to_the_lock_time(self, client, citizen, settings):
        settings.LOGIN_MAX_FAILURES = 3
        settings.LOGIN_THROTTLE_SECONDS = 30
        settings.LOGIN_LOCK_MINUTES = 15
        key = signin._throttle_keys("087195001234", RequestFactory().get("/", REMOTE_ADDR=STRANGER))[0][0]
        delays = []
        for i in range(9):
            SignInThrottle.objects.filter(key=key).update(locked_until=None)
            sign_in(client, "087195001234", f"Sai-{i}", REMOTE_ADDR=STRANGER)
            row = SignInThrottle.objects.get(key=key)
            delays.append(
                round((row.locked_until - row.last_failure_at).total_seconds()) if row.locked_until else 0
            )
        assert delays == [0, 0, 30, 60, 120, 240, 480, 900, 900]
        # The owner's right password from their own address is never refused.
        assert sign_in(HttpsClient(), "087195001234", PASSWORD, REMOTE_ADDR=OWNER).status_code == 302

    def test_the_wait_ends(self, client, citizen, settings):
        for i in range(settings.LOGIN_MAX_FAILURES):
            sign_in(client, "087195001234", f"Sai-{i}")
        assert THROTTLED_TEXT in sign_in(client, "087195001234", PASSWORD).content.decode()
        SignInThrottle.objects.update(locked_until=timezone.now() - datetime.timedelta(seconds=1))
        assert sign_in(client, "087195001234", PASSWORD).status_code == 302

    def test_a_success_resets_the_pair_but_not_the_address(self, client, citizen, settings):
        for i in range(settings.LOGIN_MAX_FAILURES - 1):
            sign_in(client, "087195001234", f"Sai-{i}")
        assert sign_in(client, "087195001234", PASSWORD).status_code == 302
        client.post("/tai-khoan/dang-xuat/")
        for i in range(settings.LOGIN_MAX_FAILURES - 1):
            assert INVALID_TEXT in sign_in(client, "087195001234", f"Sai-lại-{i}").content.decode()
        assert SignInThrottle.objects.get(key="ip:127.0.0.1").failures == 2 * (
            settings.LOGIN_MAX_FAILURES - 1
        )

    def test_spraying_usernames_from_one_address_is_throttled(self, client, citizen, settings):
        settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 20
        usernames = ["087195001234"] + [f"0871950{n:05d}" for n in range(29)]
        answers = [sign_in(client, username, "Tinhso@2026", REMOTE_ADDR=STRANGER) for username in usernames]
        assert [THROTTLED_TEXT in answer.content.decode() for answer in answers] == [False] * 19 + [True] * 11
        assert (
            THROTTLED_TEXT in sign_in(client, "087195001234", PASSWORD, REMOTE_ADDR=STRANGER).content.decode()
        )
        assert sign_in(HttpsClient(), "087195001234", PASSWORD, REMOTE_ADDR=OWNER).status_code == 302

    def test_unknown_and_existing_usernames_get_the_same_answers(self, client, citizen, settings):
        def answers(username, address):
            pages = [sign_in(HttpsClient(), username, f"Sai-{i}", REMOTE_ADDR=address) for i in range(8)]
            return [(page.status_code, re.sub(r"\d\d:\d\d.*?\d{4}", "", _main(page))) for page in pages]

        assert answers("087195001234", "203.0.113.1") == answers("079201004567", "203.0.113.2")

    def test_inactive_account_cannot_sign_in(self, client, citizen):
        User.objects.filter(pk=citizen.pk).update(is_active=False)
        assert INVALID_TEXT in sign_in(client, "087195001234", PASSWORD).content.decode()

    def test_backend_applies_the_throttle(self, citizen, settings):
        for i in range(settings.LOGIN_MAX_FAILURES):
            assert authenticate(username="087195001234", password=f"Sai-{i}") is None
        assert authenticate(username="087195001234", password=PASSWORD) is None
        SignInThrottle.objects.all().delete()
        assert authenticate(username="087195001234", password=PASSWORD) == citizen

    def test_logout_is_post_only(self, client, citizen):
        sign_in(client, "087195001234", PASSWORD)
        assert client.get("/tai-khoan/dang-xuat/").status_code == 405
        assert client.post("/tai-khoan/dang-xuat/").status_code == 302
        assert "_auth_user_id" not in client.session
        assert audit_actions(citizen)[-1] == "accounts.logout"


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_cannot_bypass_the_throttle(citizen, settings):
    settings.LOGIN_MAX_FAILURES = 3
    results = []
    barrier = threading.Barrier(8)

    def attempt(i):
        barrier.wait()
        try:
            results.append(signin.check_password("087195001234", f"Sai-song-song-{i}").status)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(signin.INVALID) == 2
    assert results.count(signin.THROTTLED) == 6
    assert audit_actions(citizen).count("accounts.login_failed") == 3


@pytest.mark.django_db
class TestOfficerTwoFactor:
    def test_officer_without_totp_must_enroll_and_cannot_go_elsewhere(self, client, officers):
        response = sign_in(client, "motcua.mytho", PASSWORD, "/tai-khoan/")
        assert response.status_code == 302
        assert response["Location"].startswith("/tai-khoan/xac-thuc-hai-buoc/dang-ky/")
        # Every other page sends them back to the enrollment, with the page as "next".
        blocked = client.get("/tai-khoan/")
        assert blocked.status_code == 302
        assert blocked["Location"] == "/tai-khoan/xac-thuc-hai-buoc/dang-ky/?next=%2Ftai-khoan%2F"
        assert client.get("/quan-tri/").status_code == 302

        page = client.get(blocked["Location"])
        assert page.status_code == 200
        html = page.content.decode()
        assert 'src="data:image/svg+xml' in html
        secret = client.session[PENDING_SECRET_KEY]
        assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html

        assert "Mã đăng ký" in html
        enrolment_code = actions.issue_enrolment_code(officers["admin_a"], officers["officer_a"])
        wrong = client.post(
            "/tai-khoan/xac-thuc-hai-buoc/dang-ky/",
            {"code": "000000", "enrolment_code": enrolment_code, "next": "/tai-khoan/"},
        )
        if pyotp.TOTP(secret).verify("000000", valid_window=1):
            pytest.skip("000000 happens to be the current code")
        assert wrong.status_code == 400
        assert "Mã không đúng" in wrong.content.decode()
        assert not User.objects.get(pk=officers["officer_a"].pk).totp_enabled

        done = client.post(
            "/tai-khoan/xac-thuc-hai-buoc/dang-ky/",
            {"code": current_code(secret), "enrolment_code": enrolment_code.lower(), "next": "/tai-khoan/"},
        )
        assert done.status_code == 200
        recovery = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", done.content.decode())
        assert len(recovery) == 10
        assert 'href="/tai-khoan/"' in done.content.decode()
        officer = User.objects.get(pk=officers["officer_a"].pk)
        assert officer.totp_enabled and officer.totp_secret == secret
        account = client.get("/tai-khoan/").content.decode()
        assert "Bộ phận Một cửa xã Mỹ Thọ" in account and "Cán bộ một cửa" in account
        assert "accounts.totp_enabled" in audit_actions(officer)

    def test_enrolled_officer_gives_a_code_once(self, client, agencies):
        secret = pyotp.random_base32()
        officer = make_officer("lanhdao.mytho", "Huỳnh Văn Lợi", totp_secret=secret)
        response = sign_in(client, "lanhdao.mytho", PASSWORD, "/tai-khoan/")
        assert response["Location"] == "/tai-khoan/xac-thuc-hai-buoc/?next=%2Ftai-khoan%2F"
        assert client.get("/tai-khoan/")["Location"].startswith("/tai-khoan/xac-thuc-hai-buoc/?")
        # Until the code is given, the code page offers no back-office links (they would only
        # lead back to it).
        assert 'class="backoffice-nav"' not in client.get("/tai-khoan/xac-thuc-hai-buoc/").content.decode()
        code = current_code(secret)
        ok = client.post("/tai-khoan/xac-thuc-hai-buoc/", {"code": code, "next": "/tai-khoan/"})
        assert ok.status_code == 302 and ok["Location"] == "/tai-khoan/"
        account = client.get("/tai-khoan/")
        assert account.status_code == 200 and 'class="backoffice-nav"' in account.content.decode()
        assert audit_actions(officer)[-1] == "accounts.login"

        # The same code cannot be used again in its time step, by anyone.
        other = HttpsClient()
        sign_in(other, "lanhdao.mytho", PASSWORD)
        replay = other.post("/tai-khoan/xac-thuc-hai-buoc/", {"code": code})
        assert replay.status_code == 400
        assert "Mã không đúng hoặc đã được dùng" in replay.content.decode()
        assert other.get("/tai-khoan/").status_code == 302
        # The next step's code is fine.
        assert (
            other.post("/tai-khoan/xac-thuc-hai-buoc/", {"code": current_code(secret, 1)}).status_code == 302
        )

    def test_wrong_codes_lock_the_account_and_a_right_password_does_not_reset_them(
        self, client, agencies, settings
    ):
        """12 wrong codes over 3 sign-ins used to pass: each right password reset the count."""
        secret = pyotp.random_base32()
        officer = make_officer("vanthu.mytho", "Trương Thị Mai", totp_secret=secret)
        wrong = wrong_code(secret)
        for _attempt in range(settings.LOGIN_MAX_FAILURES - 1):
            other = HttpsClient()
            assert sign_in(other, "vanthu.mytho", PASSWORD).status_code == 302
            assert other.post("/tai-khoan/xac-thuc-hai-buoc/", {"code": wrong}).status_code == 400
        sign_in(client, "vanthu.mytho", PASSWORD)
        last = client.post("/tai-khoan/xac-thuc-hai-buoc/", {"code": wrong}, follow=True)
        assert LOCKED_TEXT in last.content.decode()
        assert "_auth_user_id" not in client.session
        officer.refresh_from_db()
        assert officer.is_locked()
        assert officer.second_factor_failures == settings.LOGIN_MAX_FAILURES
        # During the lock even the right password and code are refused.
        refused = sign_in(HttpsClient(), "vanthu.mytho", PASSWORD)
        assert LOCKED_TEXT in refused.content.decode()
        assert audit_actions(officer).count("accounts.locked") == 1

    def test_code_format_is_checked(self, client, agencies):
        make_officer("chuyenvien.mytho", "Lý Văn Sáu", totp_secret=pyotp.random_base32())
        sign_in(client, "chuyenvien.mytho", PASSWORD)
        response = client.post("/tai-khoan/xac-thuc-hai-buoc/", {"code": "12a45"})
        assert "Hãy nhập 6 chữ số hiển thị trên ứng dụng." in response.content.decode()

    def test_static_and_logout_stay_reachable(self, client, officers):
        sign_in(client, "motcua.mytho", PASSWORD)
        assert client.post("/tai-khoan/dang-xuat/").status_code == 302
        assert "_auth_user_id" not in client.session


@pytest.mark.django_db
class TestCitizenTwoFactor:
    def test_citizen_enables_uses_and_disables_totp(self, client, citizen):
        sign_in(client, "087195001234", PASSWORD)
        page = client.get("/tai-khoan/").content.decode()
        assert "Bật xác thực hai bước" in page
        client.get("/tai-khoan/xac-thuc-hai-buoc/dang-ky/")
        secret = client.session[PENDING_SECRET_KEY]
        client.post("/tai-khoan/xac-thuc-hai-buoc/dang-ky/", {"code": current_code(secret)})
        citizen.refresh_from_db()
        assert citizen.totp_enabled

        client.post("/tai-khoan/dang-xuat/")
        response = sign_in(client, "087195001234", PASSWORD)
        assert response["Location"].startswith("/tai-khoan/xac-thuc-hai-buoc/")
        client.post("/tai-khoan/xac-thuc-hai-buoc/", {"code": current_code(secret, 1)})
        assert client.get("/tai-khoan/").status_code == 200

        # Turning it off needs a fresh code; a used one is refused.
        refused = client.post(
            "/tai-khoan/xac-thuc-hai-buoc/tat/", {"code": current_code(secret, 1)}, follow=True
        )
        assert "Mã không đúng" in refused.content.decode()
        citizen.refresh_from_db()
        assert citizen.totp_enabled
        step = pyotp.TOTP(secret).timecode(timezone.now())
        User.objects.filter(pk=citizen.pk).update(totp_last_step=step - 2)
        client.post("/tai-khoan/xac-thuc-hai-buoc/tat/", {"code": current_code(secret)})
        citizen.refresh_from_db()
        assert not citizen.totp_enabled

    def test_officers_cannot_turn_totp_off(self, client, agencies):
        secret = pyotp.random_base32()
        officer = make_officer("motcua.ba", "Châu Thị Ba", totp_secret=secret)
        sign_in(client, "motcua.ba", PASSWORD)
        client.post("/tai-khoan/xac-thuc-hai-buoc/", {"code": current_code(secret)})
        response = client.post(
            "/tai-khoan/xac-thuc-hai-buoc/tat/", {"code": current_code(secret, 1)}, follow=True
        )
        assert "Cán bộ bắt buộc phải giữ xác thực hai bước." in response.content.decode()
        officer.refresh_from_db()
        assert officer.totp_enabled
        assert not re.search(r"Tắt xác thực hai bước", client.get("/tai-khoan/").content.decode())
