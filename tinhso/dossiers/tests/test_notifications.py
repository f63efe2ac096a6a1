"""Notifications: email through a real SMTP server (aiosmtpd), SMS through an HTTP provider."""

import email
import json
import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.utils import translation

from tinhso.dossiers import actions
from tinhso.dossiers.sms import LogSmsProvider, SmsError, get_provider
from tinhso.dossiers.tasks import STATUS_CHANGED, notify_applicant

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.messages = []
        self.connections = set()  # the client's address of each connection a message came over
        self.attempts = 0
        self.answer = "250 Message accepted for delivery"
        self.closing = False  # answer the next MAIL with "421 closing", as Postfix after its timeout

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.closing:
            self.closing = False
            return "421 Timeout, closing connection"
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.answer.startswith("250"):
            self.messages.append(envelope)
            self.connections.add(session.peer)
        return self.answer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(settings, **options):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "Tỉnh số <no-reply@dongthap.example.vn>"
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp(settings):
    with smtp_server(settings) as inbox:
        yield inbox


@pytest.fixture
def impatient_smtp(settings):
    """A server that closes a connection left idle for 0.2 s."""
    with smtp_server(settings, timeout=0.2) as inbox:
        yield inbox


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


def test_notifications_share_one_smtp_connection(smtp, submitted):
    assert notify_applicant.enqueue(submitted.pk, STATUS_CHANGED).status == "SUCCESSFUL"
    assert len(smtp.messages) == 2
    assert len(smtp.connections) == 1


def test_a_connection_the_server_closed_is_opened_again(impatient_smtp, submitted):
    time.sleep(0.5)
    assert notify_applicant.enqueue(submitted.pk, STATUS_CHANGED).status == "SUCCESSFUL"
    assert len(impatient_smtp.messages) == 2
    assert len(impatient_smtp.connections) == 2


def test_a_server_closing_with_421_gets_the_message_over_a_new_connection(smtp, submitted):
    smtp.closing = True
    assert notify_applicant.enqueue(submitted.pk, STATUS_CHANGED).status == "SUCCESSFUL"
    assert len(smtp.messages) == 2
    assert len(smtp.connections) == 2


def test_a_refused_message_fails_the_task_and_the_next_one_is_delivered(smtp, sms_gateway, submitted):
    smtp.answer = "554 Transaction failed"
    result = notify_applicant.enqueue(submitted.pk, STATUS_CHANGED)
    assert result.status == "FAILED"
    assert result.errors[0].exception_class_path == "smtplib.SMTPDataError"
    assert smtp.attempts == 2  # the submission's message, then this one once: no second try
    assert len(sms_gateway.received) == 1  # the submission's SMS only, as before
    smtp.answer = "250 OK"
    assert notify_applicant.enqueue(submitted.pk, STATUS_CHANGED).status == "SUCCESSFUL"
    assert len(smtp.messages) == 2


def test_a_status_change_is_told_from_one_query(submitted, mailoutbox, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert notify_applicant.call(submitted.pk, STATUS_CHANGED) == ["email", "sms"]
    with translation.override("vi"):
        status = submitted.status_label
    message = mailoutbox[-1]
    assert message.subject == f"Hồ sơ {submitted.code}: {status}"
    assert "Nguyễn Văn An" in message.body and "Thủ tục đăng ký khai sinh" in message.body


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
