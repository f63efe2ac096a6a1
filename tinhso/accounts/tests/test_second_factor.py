"""Enrolment codes, recovery codes, resets and alerts of the second factor (issue 16, finding 1)."""

import datetime
import io
import re

import pyotp
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from tinhso.accounts import actions
from tinhso.accounts.models import EnrolmentCode, RecoveryCode, User
from tinhso.accounts.tasks import alert_recipients
from tinhso.accounts.views import PENDING_SECRET_KEY
from tinhso.audit.models import AuditEntry

from .conftest import PASSWORD, HttpsClient, current_code, wrong_code

pytestmark = pytest.mark.django_db

ENROL = "/tai-khoan/xac-thuc-hai-buoc/dang-ky/"
VERIFY = "/tai-khoan/xac-thuc-hai-buoc/"
LOCKED_TEXT = "Tài khoản tạm thời bị khóa do đăng nhập sai quá nhiều lần."
INVALID_ENROLMENT = "Mã đăng ký không hợp lệ"


def sign_in(client, username):
    return client.post("/tai-khoan/dang-nhap/", {"username": username, "password": PASSWORD})


def enrolment_page(client, username):
    sign_in(client, username)
    client.get(ENROL)
    return client.session[PENDING_SECRET_KEY]


def enrol_directly(admin, officer):
    """An officer enrolled through the actions; returns (secret, recovery codes)."""
    secret = pyotp.random_base32()
    codes = actions.enable_totp(
        officer, secret, current_code(secret), enrolment_code=actions.issue_enrolment_code(admin, officer)
    )
    return secret, codes


def signed_in_with_totp(username, secret, offset=1):
    client = HttpsClient()
    sign_in(client, username)
    assert client.post(VERIFY, {"code": current_code(secret, offset)}).status_code == 302
    return client


def audit(user):
    return list(
        AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )


class TestEnrolment:
    def test_the_password_alone_cannot_choose_the_authenticator(self, client, officers):
        """Trust on first use: whoever first signed in with an officer's password enrolled."""
        secret = enrolment_page(client, "motcua.mytho")
        response = client.post(ENROL, {"code": current_code(secret)})
        assert response.status_code == 400
        assert '<a href="#id_enrolment_code">Vui lòng nhập thông tin này.</a>' in response.content.decode()
        response = client.post(ENROL, {"code": current_code(secret), "enrolment_code": "ABCD-EFGH-JKLM"})
        assert response.status_code == 400
        assert INVALID_ENROLMENT in response.content.decode()
        officer = User.objects.get(pk=officers["officer_a"].pk)
        assert not officer.totp_enabled
        assert officer.second_factor_failures == 1
        with pytest.raises(ValidationError):
            actions.enable_totp(officer, secret, current_code(secret))
        assert not User.objects.get(pk=officer.pk).totp_enabled

    def test_an_enrolment_code_works_once_for_its_officer_only(self, client, officers):
        code = actions.issue_enrolment_code(officers["admin_a"], officers["officer_a"])
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
        stored = EnrolmentCode.objects.get(user=officers["officer_a"])
        assert code.replace("-", "") not in stored.code_hash
        assert stored.issued_by == officers["admin_a"]
        assert stored.expires_at == pytest.approx(
            timezone.now() + datetime.timedelta(hours=72), abs=datetime.timedelta(seconds=60)
        )
        # Another officer cannot use it.
        other = officers["officer_b"]
        secret = pyotp.random_base32()
        with pytest.raises(ValidationError):
            actions.enable_totp(other, secret, current_code(secret), enrolment_code=code)
        assert User.objects.get(pk=other.pk).second_factor_failures == 1

        secret = enrolment_page(client, "motcua.mytho")
        done = client.post(ENROL, {"code": current_code(secret), "enrolment_code": code})
        assert done.status_code == 200
        assert EnrolmentCode.objects.get(pk=stored.pk).used_at is not None
        assert "accounts.totp_enabled" in audit(officers["officer_a"])
        # Reset, the old code cannot be used again.
        actions.reset_second_factor(officers["admin_a"], officers["officer_a"])
        with pytest.raises(ValidationError):
            actions.enable_totp(officers["officer_a"], secret, current_code(secret, 1), enrolment_code=code)

    def test_an_expired_or_replaced_code_is_refused(self, officers):
        admin, officer = officers["admin_a"], officers["officer_a"]
        first = actions.issue_enrolment_code(admin, officer)
        second = actions.issue_enrolment_code(admin, officer)
        secret = pyotp.random_base32()
        with pytest.raises(ValidationError):
            actions.enable_totp(officer, secret, current_code(secret), enrolment_code=first)
        EnrolmentCode.objects.filter(used_at__isnull=True).update(expires_at=timezone.now())
        with pytest.raises(ValidationError):
            actions.enable_totp(officer, secret, current_code(secret), enrolment_code=second)
        assert not User.objects.get(pk=officer.pk).totp_enabled

    def test_guessing_enrolment_codes_locks_the_account(self, client, officers, settings):
        secret = enrolment_page(client, "motcua.mytho")
        for _ in range(settings.LOGIN_MAX_FAILURES - 1):
            client.post(ENROL, {"code": current_code(secret), "enrolment_code": "AAAA-AAAA-AAAA"})
        last = client.post(
            ENROL, {"code": current_code(secret), "enrolment_code": "AAAA-AAAA-AAAA"}, follow=True
        )
        assert LOCKED_TEXT in last.content.decode()
        assert "_auth_user_id" not in client.session
        officer = User.objects.get(pk=officers["officer_a"].pk)
        assert officer.is_locked()
        # Even a valid code is refused during the lock.
        code = actions.issue_enrolment_code(officers["admin_a"], officer)
        with pytest.raises(ValidationError):
            actions.enable_totp(officer, secret, current_code(secret), enrolment_code=code)

    def test_who_may_issue_a_code(self, officers, citizen):
        admin_a, officer_a, officer_b = officers["admin_a"], officers["officer_a"], officers["officer_b"]
        with pytest.raises(PermissionDenied):
            actions.issue_enrolment_code(admin_a, officer_b)  # another commune
        with pytest.raises(PermissionDenied):
            actions.issue_enrolment_code(officer_a, officer_b)
        with pytest.raises(PermissionDenied):
            actions.issue_enrolment_code(admin_a, admin_a)
        with pytest.raises(ValidationError):
            actions.issue_enrolment_code(officers["province_admin"], citizen)
        assert not EnrolmentCode.objects.exists()
        assert actions.issue_enrolment_code(officers["province_admin"], officer_b)
        _secret, _codes = enrol_directly(admin_a, officer_a)
        with pytest.raises(ValidationError):
            actions.issue_enrolment_code(admin_a, officer_a)  # already enrolled: reset first

    def test_the_first_administrator_gets_a_code_on_the_console(self, officers):
        out = io.StringIO()
        call_command("issue_enrolment_code", "quantri.tinh", stdout=out)
        code = out.getvalue().strip()
        admin = officers["province_admin"]
        secret = pyotp.random_base32()
        actions.enable_totp(admin, secret, current_code(secret), enrolment_code=code)
        assert User.objects.get(pk=admin.pk).totp_enabled
        entry = AuditEntry.objects.get(action="accounts.issue_enrolment_code")
        assert entry.actor_id is None and entry.data["from_console"] is True


class TestRecoveryCodes:
    def test_ten_codes_each_usable_once_instead_of_the_app(self, officers):
        _secret, codes = enrol_directly(officers["admin_a"], officers["officer_a"])
        assert len(codes) == len(set(codes)) == 10
        stored = set(
            RecoveryCode.objects.filter(user=officers["officer_a"]).values_list("code_hash", flat=True)
        )
        assert not any(code.replace("-", "") in "".join(stored) for code in codes)

        client = HttpsClient()
        sign_in(client, "motcua.mytho")
        assert client.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
        assert client.get("/tai-khoan/").status_code == 200
        again = HttpsClient()
        sign_in(again, "motcua.mytho")
        assert again.post(VERIFY, {"code": codes[0]}).status_code == 400
        assert again.get("/tai-khoan/").status_code == 302
        assert RecoveryCode.objects.filter(user=officers["officer_a"], used_at__isnull=False).count() == 1

    def test_wrong_recovery_codes_count_with_wrong_totp_codes(self, officers, settings):
        secret, _codes = enrol_directly(officers["admin_a"], officers["officer_a"])
        client = HttpsClient()
        sign_in(client, "motcua.mytho")
        for _ in range(settings.LOGIN_MAX_FAILURES - 1):
            assert client.post(VERIFY, {"code": "abcde-fghjk"}).status_code == 400
        assert LOCKED_TEXT in client.post(VERIFY, {"code": wrong_code(secret)}, follow=True).content.decode()
        assert User.objects.get(pk=officers["officer_a"].pk).is_locked()


class TestAdministration:
    def test_reset_forgets_the_authenticator_and_is_audited(self, officers):
        _secret, _codes = enrol_directly(officers["admin_a"], officers["officer_a"])
        with pytest.raises(PermissionDenied):
            actions.reset_second_factor(officers["officer_b"], officers["officer_a"])
        officer = actions.reset_second_factor(officers["admin_a"], officers["officer_a"])
        assert not officer.totp_enabled and officer.totp_secret == ""
        assert not RecoveryCode.objects.filter(user=officer).exists()
        assert audit(officer)[-1] == "accounts.totp_reset"
        client = HttpsClient()
        sign_in(client, "motcua.mytho")
        assert client.get("/tai-khoan/")["Location"].startswith(ENROL)

    def test_agency_admin_page_issues_codes_shown_once_and_resets(self, officers):
        admin_secret, _codes = enrol_directly(officers["province_admin"], officers["admin_a"])
        client = signed_in_with_totp("quantri.mytho", admin_secret)
        page = client.get("/tai-khoan/can-bo/").content.decode()
        assert "Nguyễn Văn An" in page and "Phạm Minh Tuấn" not in page
        officer = officers["officer_a"]
        issued = client.post(f"/tai-khoan/can-bo/{officer.pk}/cap-ma-dang-ky/")
        assert issued.status_code == 200
        code = re.search(r'class="secret">([A-Z0-9-]+)<', issued.content.decode()).group(1)
        assert EnrolmentCode.objects.get(user=officer).issued_by == officers["admin_a"]
        assert code not in client.get("/tai-khoan/can-bo/").content.decode()
        assert client.post(f"/tai-khoan/can-bo/{officers['officer_b'].pk}/cap-ma-dang-ky/").status_code == 404
        assert client.get(f"/tai-khoan/can-bo/{officer.pk}/cap-ma-dang-ky/").status_code == 405

        secret = pyotp.random_base32()
        actions.enable_totp(officer, secret, current_code(secret), enrolment_code=code)
        assert client.post(f"/tai-khoan/can-bo/{officer.pk}/dat-lai/").status_code == 302
        assert not User.objects.get(pk=officer.pk).totp_enabled

    def test_officers_cannot_open_the_page(self, officers):
        secret, _codes = enrol_directly(officers["admin_a"], officers["officer_a"])
        client = signed_in_with_totp("motcua.mytho", secret)
        assert client.get("/tai-khoan/can-bo/").status_code == 403
        target = officers["officer_b"]
        assert client.post(f"/tai-khoan/can-bo/{target.pk}/cap-ma-dang-ky/").status_code == 403
        assert not EnrolmentCode.objects.filter(user=target).exists()

    def test_unlock(self, officers):
        _secret, _codes = enrol_directly(officers["admin_a"], officers["officer_a"])
        User.objects.filter(pk=officers["officer_a"].pk).update(
            locked_until=timezone.now() + datetime.timedelta(hours=1), second_factor_failures=7
        )
        with pytest.raises(PermissionDenied):
            actions.unlock_account(officers["officer_b"], officers["officer_a"])
        officer = actions.unlock_account(officers["admin_a"], officers["officer_a"])
        assert not officer.is_locked() and officer.second_factor_failures == 0
        assert audit(officer)[-1] == "accounts.unlock"

    def test_django_admin_issues_a_code_on_the_answer_page(self, client, officers):
        admin = officers["province_admin"]
        secret = pyotp.random_base32()
        code = actions.issue_enrolment_code(None, admin, from_console=True)
        actions.enable_totp(admin, secret, current_code(secret), enrolment_code=code)
        User.objects.filter(pk=admin.pk).update(is_staff=True)
        client = signed_in_with_totp("quantri.tinh", secret)
        response = client.post(
            "/quan-tri/accounts/user/",
            {"action": "issue_enrolment_code", "_selected_action": [officers["officer_b"].pk]},
        )
        assert response.status_code == 200
        code = re.search(r'class="secret">([A-Z0-9-]+)<', response.content.decode()).group(1)
        secret_b = pyotp.random_base32()
        actions.enable_totp(officers["officer_b"], secret_b, current_code(secret_b), enrolment_code=code)
        assert User.objects.get(pk=officers["officer_b"].pk).totp_enabled

    def test_the_alert_goes_to_the_officer_and_their_administrators(self, officers):
        User.objects.filter(pk=officers["officer_a"].pk).update(email="an.nv@dongthap.example.vn")
        User.objects.filter(pk=officers["admin_a"].pk).update(email="nhung.lth@dongthap.example.vn")
        User.objects.filter(pk=officers["province_admin"].pk).update(email="bao.tq@dongthap.example.vn")
        User.objects.filter(pk=officers["officer_b"].pk).update(email="tuan.pm@dongthap.example.vn")
        assert alert_recipients(User.objects.get(pk=officers["officer_a"].pk)) == [
            "an.nv@dongthap.example.vn",
            "bao.tq@dongthap.example.vn",
            "nhung.lth@dongthap.example.vn",
        ]


def test_a_second_factor_lock_queues_the_alert_once(officers, settings, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from tinhso.accounts import signin

    secret, _codes = enrol_directly(officers["admin_a"], officers["officer_a"])
    with django_capture_on_commit_callbacks(execute=True):
        results = [
            signin.check_second_factor(officers["officer_a"], wrong_code(secret)).status
            for _ in range(settings.LOGIN_MAX_FAILURES + 3)
        ]
    assert results == [signin.INVALID] * (settings.LOGIN_MAX_FAILURES - 1) + [signin.LOCKED] * 4
    queued = DBTaskResult.objects.filter(task_path__endswith="notify_second_factor_locked")
    assert [row.args_kwargs["args"] for row in queued] == [[officers["officer_a"].pk]]
    assert audit(officers["officer_a"]).count("accounts.locked") == 1
    assert audit(officers["officer_a"]).count("accounts.second_factor_failed") == settings.LOGIN_MAX_FAILURES
