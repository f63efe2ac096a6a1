"""Notifications go out by email through a real SMTP server (aiosmtpd, in process)."""

import socket
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from tinhso.feedback.tasks import notify_report


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield inbox
    controller.stop()


def test_reporter_and_followers_are_told_of_the_answer(place, answered, smtp):
    from tinhso.feedback.actions import follow_report

    follow_report(place["province_leader"], answered)
    assert notify_report.call(answered.pk, "answered") == 2
    recipients = sorted(m["To"] for m in smtp.messages)
    assert recipients == ["hanh@dongthap.example.vn", "nguyenvanan@example.vn"]
    body = smtp.messages[0].get_payload(decode=True).decode()
    assert "Đã vá ổ gà" in body and answered.code in str(
        make_header(decode_header(smtp.messages[0]["Subject"]))
    )
