"""Self-registration and password reset: codes read from the SMS log and from a real SMTP
server in the process (aiosmtpd); the same answers whether an account exists or not."""

import datetime
import email
import io
import re
import socket
from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from tinhso.accounts import actions
from tinhso.accounts.models import ApiToken, CodeRequest, OneTimeCode, User, UserKind
from tinhso.audit.models import AuditEntry

from .conftest import PASSWORD, HttpsClient, current_code, make_officer

pytestmark = pytest.mark.django_db

REGISTER = "/tai-khoan/dang-ky/ca-nhan/"
REGISTER_BUSINESS = "/tai-khoan/dang-ky/doanh-nghiep/"
REGISTER_CODE = "/tai-khoan/dang-ky/ma-xac-nhan/"
REGISTER_RESEND = "/tai-khoan/dang-ky/gui-lai-ma/"
FORGOT = "/tai-khoan/quen-mat-khau/"
RESET_CODE = "/tai-khoan/quen-mat-khau/ma-xac-nhan/"
RESET_NEW = "/tai-khoan/quen-mat-khau/mat-khau-moi/"
LOGIN = "/tai-khoan/dang-nhap/"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NEW_PASSWORD = "Cá-lóc-nướng-trui-2026"

# 087 (Đồng Tháp), 3 = woman born 2000-2099, 02 = 2002.
CCCD = "087302004567"
PERSON = {
    "identifier": CCCD,
    "full_name": "Huỳnh Thị Mỹ Duyên",
    "date_of_birth": "14/02/2002",
    "phone": "0987 654 321",
    "email": "",
    "password": PASSWORD,
    "password_again": PASSWORD,
    "consent": "on",
}


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def sms(settings, caplog):
    """The messages of the default SMS provider, which writes them to the log: (phone, text)."""
    settings.SMS_PROVIDER = "log"
    caplog.set_level("INFO", logger="tinhso.core.sms")

    def sent():
        return [
            tuple(record.getMessage().removeprefix("SMS to ").split(": ", 1))
            for record in caplog.records
            if record.name == "tinhso.core.sms"
        ]

    return sent


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Make a request and run what it left for after its commit (the messages)."""

    @contextmanager
    def committing():
        with django_capture_on_commit_callbacks(execute=True):
            yield

    def do(method, *args, **kwargs):
        with committing():
            return method(*args, **kwargs)

    return do


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def main(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")].split("csrfmiddlewaretoken")[0]


def audit(action):
    return AuditEntry.objects.filter(action=action)


def register(client, send, **changes):
    return send(client.post, REGISTER, PERSON | changes)


class TestRegistration:
    def test_a_citizen_registers_with_the_code_from_the_sms(self, client, send, sms):
        response = register(client, send)
        assert response.status_code == 302 and response["Location"] == REGISTER_CODE
        assert not User.objects.filter(username=CCCD).exists()  # nothing before the code
        [(phone, text)] = sms()
        assert phone == "+84987654321"
        assert "là mã xác nhận đăng ký tài khoản" in text
        page = client.get(REGISTER_CODE)
        assert "0987 654 321" in page.content.decode()

        wrong = client.post(REGISTER_CODE, {"code": "000000" if code_in(text) != "000000" else "111111"})
        assert wrong.status_code == 400 and "Mã không đúng. Bạn còn 4 lần nhập." in main(wrong)

        response = client.post(REGISTER_CODE, {"code": code_in(text)})
        assert response.status_code == 302 and response["Location"] == LOGIN
        user = User.objects.get(username=CCCD)
        assert user.is_active and user.kind == UserKind.CITIZEN and user.cccd == CCCD
        assert (user.full_name, user.date_of_birth, user.gender) == (
            "Huỳnh Thị Mỹ Duyên",
            datetime.date(2002, 2, 14),
            "female",
        )
        assert user.phone == "+84987654321" and user.check_password(PASSWORD)
        entry = audit("accounts.register_citizen").get(object_id=str(user.pk))
        assert entry.data["verified"] == "sms" and entry.data["consent"]["notice"] == "2026-12"
        assert entry.data["cccd"] == "0873******67"
        row = OneTimeCode.objects.get()
        assert row.used_at and row.details == {}  # the details kept for the code are erased
        assert CCCD not in row.code_hash and code_in(text) not in row.code_hash

        assert "Tài khoản của bạn đã sẵn sàng" in client.get(LOGIN).content.decode()
        signed_in = client.post(LOGIN, {"username": CCCD, "password": PASSWORD})
        assert signed_in.status_code == 302
        # The code cannot be used twice.
        assert client.get(REGISTER_CODE).status_code == 302

    def test_the_province_can_switch_self_registration_off(self, client, send, sms, settings):
        response = register(client, send)
        assert response.status_code == 302
        settings.SELF_REGISTRATION = False
        assert "/tai-khoan/dang-ky/" not in client.get(LOGIN).content.decode()
        for url in ("/tai-khoan/dang-ky/", REGISTER, REGISTER_BUSINESS, REGISTER_CODE):
            closed = client.get(url)
            assert closed.status_code == 403
            assert "không mở tài khoản bằng mật khẩu" in closed.content.decode()
        [(_phone, text)] = sms()
        refused = client.post(REGISTER_CODE, {"code": code_in(text)})
        assert refused.status_code == 403
        assert register(client, send).status_code == 403
        assert not User.objects.filter(username=CCCD).exists()
        assert OneTimeCode.objects.count() == 1
        with pytest.raises(ValidationError):
            actions.confirm_registration(OneTimeCode.objects.get().pk, code_in(text))
        assert not User.objects.filter(username=CCCD).exists()

    def test_a_business_registers_with_the_code_from_the_email(self, client, send, smtp):
        response = send(
            client.post,
            REGISTER_BUSINESS,
            {
                "identifier": "0100047516",
                "full_name": "Công ty TNHH Sen Hồng",
                "phone": "",
                "email": "KeToan@SenHong.example.vn",
                "password": PASSWORD,
                "password_again": PASSWORD,
                "consent": "on",
            },
        )
        assert response.status_code == 302
        [message] = smtp.messages
        assert message["To"] == "ketoan@senhong.example.vn"
        assert message["Subject"] == "Mã xác nhận của bạn"
        client.post(REGISTER_CODE, {"code": code_in(message.get_content())})
        user = User.objects.get(username="0100047516")
        assert user.kind == UserKind.BUSINESS and user.tax_code == "0100047516" and user.cccd is None
        assert audit("accounts.register_business").filter(object_id=str(user.pk)).exists()

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"identifier": "08730200456"}, "identifier", "gồm đúng 12 chữ số"),
            ({"date_of_birth": "14/02/1999"}, "identifier", "sinh năm 2002, không phải năm 1999"),
            ({"password": "1234567890123", "password_again": "1234567890123"}, "password", ""),
            ({"password_again": "khác-hẳn-2026"}, "password_again", "Hai mật khẩu không giống nhau."),
            ({"consent": ""}, "consent", "cần đồng ý cho xử lý dữ liệu cá nhân"),
            ({"full_name": " "}, "full_name", "Hãy nhập họ và tên."),
            ({"date_of_birth": "30/02/2002"}, "date_of_birth", "theo dạng ngày/tháng/năm"),
            ({"phone": "", "email": ""}, "phone", "Hãy cho số điện thoại di động hoặc địa chỉ thư điện tử."),
            ({"phone": "0123 456 789"}, "phone", "không phải là đầu số di động"),
        ],
    )
    def test_bad_details_are_refused_and_change_nothing(self, client, send, sms, changes, field, message):
        response = register(client, send, **changes)
        assert response.status_code == 400
        assert response.context["form"].errors[field]
        assert message in main(response)
        assert not OneTimeCode.objects.exists() and not CodeRequest.objects.exists()
        assert not User.objects.exists() and sms() == []

    def test_five_wrong_codes_end_the_code(self, client, send, sms):
        register(client, send)
        right = code_in(sms()[0][1])
        wrong = next(f"{n:06d}" for n in range(10) if f"{n:06d}" != right)
        for left in (4, 3, 2, 1):
            assert f"Bạn còn {left} lần nhập" in main(client.post(REGISTER_CODE, {"code": wrong}))
        assert "Nhập sai mã quá nhiều lần" in main(client.post(REGISTER_CODE, {"code": wrong}))
        response = client.post(REGISTER_CODE, {"code": right})
        assert response.status_code == 400 and "Nhập sai mã quá nhiều lần" in main(response)
        assert not User.objects.exists()
        assert audit("accounts.code_failed").count() == 5

    def test_an_expired_code_is_refused(self, client, send, sms):
        register(client, send)
        OneTimeCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        response = client.post(REGISTER_CODE, {"code": code_in(sms()[0][1])})
        assert response.status_code == 400 and "Mã đã hết hạn" in main(response)
        assert not User.objects.exists()

    def test_a_registered_cccd_gets_the_same_answer_and_its_owner_is_told(self, client, send, sms, citizen):
        fresh = register(client, send)
        fresh_page = main(client.get(REGISTER_CODE))
        other = HttpsClient()
        taken = register(other, send, identifier=citizen.cccd, date_of_birth="08/03/1995")
        assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
        assert main(other.get(REGISTER_CODE)) == fresh_page
        # The code went to the new person; the owner of the registered CCCD hears on their own phone.
        [(_p, code), (owner_phone, notice)] = sms()
        assert owner_phone == citizen.phone and "Bạn đã có tài khoản" in notice
        assert "+84987654321" not in [phone for phone, _t in sms()[1:]]
        # No code matches the registration of a taken number, not even the other person's.
        answer = other.post(REGISTER_CODE, {"code": code_in(code)})
        assert answer.status_code == 400 and "Mã không đúng" in main(answer)
        assert User.objects.filter(cccd=citizen.cccd).count() == 1
        assert audit("accounts.registration_started").filter(data__already_registered=True).count() == 1

    def test_one_phone_gets_at_most_five_codes_an_hour(self, client, send, sms, citizen):
        for n in range(5):
            # A taken CCCD counts like a new one: the limit does not tell them apart.
            identifier = citizen.cccd if n == 2 else f"08730200456{n}"
            response = register(
                HttpsClient(),
                send,
                identifier=identifier,
                date_of_birth=("08/03/1995" if n == 2 else "14/02/2002"),
            )
            assert response.status_code == 302
        response = register(HttpsClient(), send, identifier="087302004569")
        assert response.status_code == 400 and "Đã yêu cầu quá nhiều mã" in main(response)
        assert OneTimeCode.objects.count() == 5

    def test_one_address_gets_a_limited_number_of_codes(self, client, send, sms, settings):
        settings.CODE_MAX_PER_ADDRESS = 3
        for phone in ("0987 654 321", "0912 000 111", "0903 222 333"):
            assert register(client, send, phone=phone).status_code == 302
        response = register(client, send, phone="0934 444 555")
        assert response.status_code == 400 and "Đã yêu cầu quá nhiều mã" in main(response)
        # Another address is not held back.
        other = register(HttpsClient(REMOTE_ADDR="203.0.113.9"), send, phone="0934 444 555")
        assert other.status_code == 302

    def test_a_new_code_waits_a_minute_and_replaces_the_old_one(self, client, send, sms):
        register(client, send)
        first = code_in(sms()[0][1])
        send(client.post, REGISTER_RESEND)
        assert "Vui lòng đợi đến" in client.get(REGISTER_CODE).content.decode()
        assert len(sms()) == 1
        for sends in (2, 3):
            OneTimeCode.objects.update(sent_at=timezone.now() - datetime.timedelta(minutes=2))
            send(client.post, REGISTER_RESEND)
            assert len(sms()) == sends
        OneTimeCode.objects.update(sent_at=timezone.now() - datetime.timedelta(minutes=2))
        send(client.post, REGISTER_RESEND)
        assert "Không thể gửi thêm mã" in client.get(REGISTER_CODE).content.decode()
        assert len(sms()) == 3
        latest = code_in(sms()[-1][1])
        if first != latest:
            assert client.post(REGISTER_CODE, {"code": first}).status_code == 400
        assert client.post(REGISTER_CODE, {"code": latest}).status_code == 302
        assert User.objects.filter(username=CCCD).exists()

    def test_a_signed_in_person_is_sent_to_their_account(self, client, citizen):
        client.force_login(citizen)
        assert client.get(REGISTER)["Location"] == "/tai-khoan/"

    def test_the_sign_in_page_links_to_registration_and_reset(self, client):
        page = client.get(LOGIN).content.decode()
        assert 'href="/tai-khoan/dang-ky/">Đăng ký tài khoản</a>' in page
        assert 'href="/tai-khoan/quen-mat-khau/">Quên mật khẩu?</a>' in page
        assert client.get("/tai-khoan/bao-ve-du-lieu-ca-nhan/").status_code == 200


def reset_by_sms(client, send, username):
    return send(client.post, FORGOT, {"username": username, "channel": "sms"})


class TestPasswordReset:
    def test_by_email_link_ends_every_session(self, client, send, smtp, citizen):
        User.objects.filter(pk=citizen.pk).update(email="thutrang@example.vn")
        elsewhere = HttpsClient()
        assert elsewhere.post(LOGIN, {"username": citizen.username, "password": PASSWORD}).status_code == 302
        token, _api = actions.issue_api_token(citizen, "ứng dụng")
        bearer = {"Authorization": f"Bearer {token}"}
        assert elsewhere.get("/tai-khoan/").status_code == 200
        assert HttpsClient().get("/api/v1/me", headers=bearer).status_code == 200

        response = send(client.post, FORGOT, {"username": citizen.username, "channel": "email"})
        assert response["Location"] == "/tai-khoan/quen-mat-khau/da-gui-thu/"
        [message] = smtp.messages
        assert message["To"] == "thutrang@example.vn" and message["Subject"] == "Đặt lại mật khẩu"
        link = re.search(r"http://testserver(/tai-khoan/quen-mat-khau/\S+/)", message.get_content()).group(1)
        landing = client.get(link)
        assert landing.status_code == 302 and landing["Location"].endswith("/dat-mat-khau/")
        form = client.get(landing["Location"])
        assert form.status_code == 200 and "Đặt mật khẩu mới" in form.content.decode()
        done = client.post(landing["Location"], {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
        assert done.status_code == 302 and done["Location"] == LOGIN

        citizen.refresh_from_db()
        assert citizen.check_password(NEW_PASSWORD)
        assert elsewhere.get("/tai-khoan/")["Location"].startswith(LOGIN)  # the other session ended
        assert ApiToken.objects.get().revoked_at is not None
        assert HttpsClient().get("/api/v1/me", headers=bearer).status_code == 401
        entry = audit("accounts.password_reset").get(object_id=str(citizen.pk))
        assert entry.data == {"method": "email", "api_tokens_revoked": 1}
        # The link works once.
        assert client.get(link).status_code == 302
        assert client.get(landing["Location"]).status_code == 400

    def test_by_sms_code(self, client, send, sms, citizen):
        response = reset_by_sms(client, send, citizen.username)
        assert response["Location"] == RESET_CODE
        [(phone, text)] = sms()
        assert phone == citizen.phone and "đặt lại mật khẩu" in text
        assert client.get(RESET_NEW)["Location"] == FORGOT  # not before the code
        assert client.post(RESET_CODE, {"code": code_in(text)})["Location"] == RESET_NEW
        short = client.post(RESET_NEW, {"password": "ngắn", "password_again": "ngắn"})
        assert short.status_code == 400
        citizen.refresh_from_db()
        assert citizen.check_password(PASSWORD)
        done = client.post(RESET_NEW, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
        assert done["Location"] == LOGIN
        citizen.refresh_from_db()
        assert citizen.check_password(NEW_PASSWORD)
        assert audit("accounts.password_reset").get().data["method"] == "sms"
        assert client.get(RESET_NEW)["Location"] == FORGOT

    def test_unknown_accounts_get_the_same_answer(self, client, send, sms, smtp, citizen):
        known = reset_by_sms(client, send, citizen.username)
        known_page = main(client.get(RESET_CODE))
        other = HttpsClient()
        unknown = reset_by_sms(other, send, "087095009999")
        assert unknown["Location"] == known["Location"]
        assert main(other.get(RESET_CODE)) == known_page
        assert len(sms()) == 1  # only the real account's phone
        answer = other.post(RESET_CODE, {"code": code_in(sms()[0][1])})
        assert answer.status_code == 400 and "Mã không đúng" in main(answer)
        # By e-mail: the same page, whether the account has an address or exists.
        by_mail = [
            send(HttpsClient().post, FORGOT, {"username": name, "channel": "email"})["Location"]
            for name in (citizen.username, "087095009999")
        ]
        assert by_mail[0] == by_mail[1] and smtp.messages == []

    def test_a_new_code_gets_the_same_answer_when_the_phone_had_enough(
        self, client, send, sms, citizen, settings
    ):
        settings.CODE_MAX_PER_DESTINATION = 1
        answers = []
        for username in (citizen.username, "087095009999"):
            browser = HttpsClient()
            reset_by_sms(browser, send, username)
            OneTimeCode.objects.update(sent_at=timezone.now() - datetime.timedelta(minutes=2))
            resent = send(browser.post, "/tai-khoan/quen-mat-khau/gui-lai-ma/")
            answers.append((resent.status_code, resent["Location"], main(browser.get(RESET_CODE))))
        assert answers[0] == answers[1]
        assert "Chúng tôi đã gửi mã mới" in answers[0][2]
        assert len(sms()) == 1  # the phone's one message an hour: the first code

    def test_one_account_gets_a_limited_number_of_requests(self, client, send, sms, citizen):
        for username in (citizen.username, "087095009999"):
            for n in range(5):
                assert (
                    reset_by_sms(HttpsClient(REMOTE_ADDR=f"198.51.100.{n}"), send, username).status_code
                    == 302
                )
            refused = reset_by_sms(HttpsClient(REMOTE_ADDR="198.51.100.99"), send, username)
            assert refused.status_code == 400 and "Đã yêu cầu quá nhiều mã" in main(refused)
        assert len(sms()) == 5

    def test_an_officer_still_needs_the_second_factor(self, client, send, sms):
        officer = make_officer("motcua.mytho", "Nguyễn Văn An", totp_secret=SECRET)
        User.objects.filter(pk=officer.pk).update(phone="+84912000111")
        reset_by_sms(client, send, "motcua.mytho")
        client.post(RESET_CODE, {"code": code_in(sms()[0][1])})
        client.post(RESET_NEW, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
        response = client.post(
            LOGIN, {"username": "motcua.mytho", "password": NEW_PASSWORD, "next": "/tai-khoan/"}
        )
        assert response["Location"].startswith("/tai-khoan/xac-thuc-hai-buoc/")
        assert client.get("/tai-khoan/")["Location"].startswith("/tai-khoan/xac-thuc-hai-buoc/")
        officer.refresh_from_db()
        assert officer.totp_enabled
        verified = client.post(
            "/tai-khoan/xac-thuc-hai-buoc/", {"code": current_code(SECRET), "next": "/tai-khoan/"}
        )
        assert verified["Location"] == "/tai-khoan/"

    def test_a_locked_officer_stays_locked(self, client, send, sms):
        officer = make_officer("motcua.mytho", "Nguyễn Văn An", totp_secret=SECRET)
        until = timezone.now() + datetime.timedelta(hours=1)
        User.objects.filter(pk=officer.pk).update(phone="+84912000111", locked_until=until)
        reset_by_sms(client, send, "motcua.mytho")
        client.post(RESET_CODE, {"code": code_in(sms()[0][1])})
        client.post(RESET_NEW, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
        officer.refresh_from_db()
        assert officer.check_password(NEW_PASSWORD) and officer.locked_until == until
        response = client.post(LOGIN, {"username": "motcua.mytho", "password": NEW_PASSWORD})
        assert response.status_code == 400 and "tạm thời bị khóa" in main(response)


def test_old_codes_and_counts_are_forgotten(client, send, sms):
    register(client, send)
    register(HttpsClient(), send, identifier="087302004560", phone="0912 000 111")
    OneTimeCode.objects.filter(destination="+84912000111").update(
        expires_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    CodeRequest.objects.filter(key__startswith="to:").update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )
    out = io.StringIO()
    call_command("forget_codes", stdout=out)
    assert out.getvalue().strip() == "1 codes and 2 counts deleted."
    assert list(OneTimeCode.objects.values_list("destination", flat=True)) == ["+84987654321"]
    assert CodeRequest.objects.count() == 2  # the address's counts of today
