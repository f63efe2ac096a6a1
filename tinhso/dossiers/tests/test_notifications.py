"""Notifications: email through a real SMTP server (aiosmtpd), SMS through an HTTP provider."""

import email
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller

from tinhso.dossiers import actions
from tinhso.dossiers.sms import LogSmsProvider, SmsError, get_provider

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
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
    settings.DEFAULT_FROM_EMAIL = "Tỉnh số <no-reply@dongthap.example.vn>"
    yield inbox
    controller.stop()


class SmsGateway(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.server.received.append((self.headers.get("Authorization"), json.loads(self.rfile.read(length))))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def sms_gateway(settings):
    server = HTTPServer(("127.0.0.1", 0), SmsGateway)
    server.received, server.status = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_PROVIDER = "http"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_address[1]}/sms"
    settings.SMS_HTTP_TOKEN = "bi-mat"
    settings.SMS_SENDER = "DONGTHAP"
    yield server
    server.shutdown()
    server.server_close()


def test_submitting_sends_an_email_and_an_sms(smtp, sms_gateway, citizen, ready_draft, settings):
    settings.SITE_URL = "https://dichvucong.dongthap.example.vn"
    dossier = actions.submit_dossier(citizen, ready_draft)
    assert len(smtp.messages) == 1
    envelope = smtp.messages[0]
    assert envelope.rcpt_tos == ["an@example.vn"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"].strip() == f"Hồ sơ {dossier.code} đã được nộp"
    body = message.get_content()
    assert "Kính gửi Nguyễn Văn An" in body and "Thủ tục đăng ký khai sinh" in body
    assert f"https://dichvucong.dongthap.example.vn/ho-so/tra-cuu/{dossier.code}/" in body
    [(authorization, payload)] = sms_gateway.received
    assert authorization == "Bearer bi-mat"
    assert payload["to"] == "+84912345678" and payload["sender"] == "DONGTHAP"
    assert dossier.code in payload["text"]


def test_the_sms_provider_reports_failures(sms_gateway):
    sms_gateway.status = 500
    with pytest.raises(SmsError):
        get_provider().send("+84912345678", "Hồ sơ đã được nộp")


def test_the_default_provider_only_logs(settings, caplog):
    settings.SMS_PROVIDER = "log"
    provider = get_provider()
    assert isinstance(provider, LogSmsProvider)
    with caplog.at_level("INFO"):
        provider.send("+84912345678", "Hồ sơ đã được nộp")
    assert "+84912345678" in caplog.text
