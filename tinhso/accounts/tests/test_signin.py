import datetime
import re
import threading

import pyotp
import pytest
from django.contrib.auth import authenticate
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tinhso.accounts import signin
from tinhso.accounts.models import User
from tinhso.accounts.views import PENDING_SECRET_KEY
from tinhso.audit.models import AuditEntry

from .conftest import PASSWORD, HttpsClient, current_code, make_officer

LOGIN = "/tai-khoan/dang-nhap/"
LOCKED_TEXT = "Tài khoản tạm thời bị khóa do đăng nhập sai quá nhiều lần."
INVALID_TEXT = "Tên đăng nhập hoặc mật khẩu không đúng."


def audit_actions(user):
    return list(
        AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )


def sign_in(client, username, password, next_url=""):
    return client.post(LOGIN, {"username": username, "password": password, "next": next_url})


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

    def test_next_must_stay_on_this_site(self, client, citizen):
        response = sign_in(client, "087195001234", PASSWORD, "https://evil.example/")
        assert response["Location"] == reverse("core:home")

    def test_unknown_username_gets_the_same_message_as_a_wrong_password(self, client, citizen):
        unknown = sign_in(client, "079201004567", "Sai-mật-khẩu-123").content.decode()
        wrong = sign_in(client, "087195001234", "Sai-mật-khẩu-123").content.decode()
        assert INVALID_TEXT in unknown and INVALID_TEXT in wrong
        assert LOCKED_TEXT not in unknown

    def test_ten_wrong_passwords_lock_the_account(self, client, citizen, settings):
        settings.LOGIN_MAX_FAILURES = 5
        settings.LOGIN_LOCK_MINUTES = 15
        pages = [sign_in(client, "087195001234", f"Sai-mật-khẩu-{i}") for i in range(10)]
        assert all(page.status_code == 400 for page in pages)
        for page in pages[:4]:
            assert INVALID_TEXT in page.content.decode()
        for page in pages[4:]:
            assert LOCKED_TEXT in page.content.decode()
            assert "Vui lòng thử lại sau" in page.content.decode()
        citizen.refresh_from_db()
        assert citizen.is_locked()
        assert citizen.locked_until == pytest.approx(
            timezone.now() + datetime.timedelta(minutes=15), abs=datetime.timedelta(seconds=60)
        )
        # The right password during the lock is refused too, and nobody is signed in.
        page = sign_in(client, "087195001234", PASSWORD)
        assert LOCKED_TEXT in page.content.decode()
        assert "_auth_user_id" not in client.session
        actions = audit_actions(citizen)
        assert actions.count("accounts.login_failed") == 5
        assert actions.count("accounts.locked") == 1
        assert actions.count("accounts.login_refused_locked") == 6
        assert "accounts.login" not in actions

    def test_lock_expires(self, client, citizen, settings):
        for i in range(settings.LOGIN_MAX_FAILURES):
            sign_in(client, "087195001234", f"Sai-{i}")
        User.objects.filter(pk=citizen.pk).update(locked_until=timezone.now() - datetime.timedelta(seconds=1))
        assert sign_in(client, "087195001234", PASSWORD).status_code == 302
        citizen.refresh_from_db()
        assert citizen.failed_login_count == 0 and citizen.locked_until is None

    def test_a_success_resets_the_counter(self, client, citizen, settings):
        for i in range(settings.LOGIN_MAX_FAILURES - 1):
            sign_in(client, "087195001234", f"Sai-{i}")
        assert sign_in(client, "087195001234", PASSWORD).status_code == 302
        citizen.refresh_from_db()
        assert citizen.failed_login_count == 0

    def test_inactive_account_cannot_sign_in(self, client, citizen):
        User.objects.filter(pk=citizen.pk).update(is_active=False)
        assert INVALID_TEXT in sign_in(client, "087195001234", PASSWORD).content.decode()

    def test_backend_applies_the_lockout(self, citizen, settings):
        for i in range(settings.LOGIN_MAX_FAILURES):
            assert authenticate(username="087195001234", password=f"Sai-{i}") is None
        assert authenticate(username="087195001234", password=PASSWORD) is None
        User.objects.filter(pk=citizen.pk).update(locked_until=None)
        assert authenticate(username="087195001234", password=PASSWORD) == citizen

    def test_logout_is_post_only(self, client, citizen):
        sign_in(client, "087195001234", PASSWORD)
        assert client.get("/tai-khoan/dang-xuat/").status_code == 405
        assert client.post("/tai-khoan/dang-xuat/").status_code == 302
        assert "_auth_user_id" not in client.session
        assert audit_actions(citizen)[-1] == "accounts.logout"


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_cannot_bypass_the_lock(citizen, settings):
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
    citizen.refresh_from_db()
    assert citizen.is_locked()
    assert results.count(signin.INVALID) == 2
    assert results.count(signin.LOCKED) == 6
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

        wrong = client.post(
            "/tai-khoan/xac-thuc-hai-buoc/dang-ky/", {"code": "000000", "next": "/tai-khoan/"}
        )
        if pyotp.TOTP(secret).verify("000000", valid_window=1):
            pytest.skip("000000 happens to be the current code")
        assert wrong.status_code == 400
        assert "Mã không đúng" in wrong.content.decode()
        assert not User.objects.get(pk=officers["officer_a"].pk).totp_enabled

        done = client.post(
            "/tai-khoan/xac-thuc-hai-buoc/dang-ky/", {"code": current_code(secret), "next": "/tai-khoan/"}
        )
        assert done.status_code == 302 and done["Location"] == "/tai-khoan/"
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
        code = current_code(secret)
        ok = client.post("/tai-khoan/xac-thuc-hai-buoc/", {"code": code, "next": "/tai-khoan/"})
        assert ok.status_code == 302 and ok["Location"] == "/tai-khoan/"
        assert client.get("/tai-khoan/").status_code == 200
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

    def test_wrong_codes_count_towards_the_lock(self, client, agencies, settings):
        secret = pyotp.random_base32()
        officer = make_officer("vanthu.mytho", "Trương Thị Mai", totp_secret=secret)
        sign_in(client, "vanthu.mytho", PASSWORD)
        valid = {current_code(secret, offset) for offset in (-1, 0, 1)}
        wrong = next(f"{n:06d}" for n in range(1000) if f"{n:06d}" not in valid)
        for _ in range(settings.LOGIN_MAX_FAILURES - 1):
            assert client.post("/tai-khoan/xac-thuc-hai-buoc/", {"code": wrong}).status_code == 400
        last = client.post("/tai-khoan/xac-thuc-hai-buoc/", {"code": wrong}, follow=True)
        assert LOCKED_TEXT in last.content.decode()
        assert "_auth_user_id" not in client.session
        officer.refresh_from_db()
        assert officer.is_locked()

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
