"""Notifications: email through a real SMTP server (aiosmtpd), SMS through an HTTP provider."""

import datetime
import email
import io
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from tinhso.core.sms import LogSmsProvider, SmsError, get_provider
from tinhso.dossiers import actions, notifications
from tinhso.dossiers.models import Notification
from tinhso.dossiers.notifications import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    WAKE_WINDOW,
    queue_notification,
    send_batch,
    send_pending,
)
from tinhso.dossiers.status import Status, status_label

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
    protocol_version = "HTTP/1.1"  # keeps connections open, as real gateways do

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.server.received.append((self.headers.get("Authorization"), json.loads(self.rfile.read(length))))
        self.server.peers.append(self.client_address)
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def sms_gateway(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), SmsGateway)
    server.daemon_threads = True
    server.received, server.peers, server.status = [], [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_PROVIDER = "http"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_address[1]}/sms"
    settings.SMS_HTTP_TOKEN = "bi-mat"
    settings.SMS_SENDER = "DONGTHAP"
    yield server
    server.shutdown()
    server.server_close()


def test_submitting_sends_an_email_and_an_sms_once_committed(
    smtp, sms_gateway, citizen, ready_draft, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://dichvucong.dongthap.example.vn"
    with django_capture_on_commit_callbacks(execute=True):
        dossier = actions.submit_dossier(citizen, ready_draft)
        assert smtp.messages == [] and sms_gateway.received == []  # nothing before the commit
    assert len(smtp.messages) == 1
    envelope = smtp.messages[0]
    assert envelope.rcpt_tos == ["an@example.vn"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    # The submission is told its reference; the dossier code comes with reception (Decree
    # 118/2025 Art. 17(3) as amended by Decree 309/2026 Art. 8(3)).
    reference = dossier.submission_reference
    assert dossier.code is None
    assert message["Subject"].strip() == f"Hồ sơ đã được nộp, mã nộp hồ sơ {reference}"
    body = message.get_content()
    assert "Kính gửi Nguyễn Văn An" in body and "Thủ tục đăng ký khai sinh" in body
    assert f"Mã nộp hồ sơ: {reference}" in body and "Cơ quan cấp mã hồ sơ khi tiếp nhận" in body
    assert f"https://dichvucong.dongthap.example.vn/ho-so/tra-cuu/{reference}/" in body
    [(authorization, payload)] = sms_gateway.received
    assert authorization == "Bearer bi-mat"
    assert payload["to"] == "+84912345678" and payload["sender"] == "DONGTHAP"
    assert reference in payload["text"]
    notification = Notification.objects.get(dossier=dossier)
    assert (notification.kind, notification.status) == (Notification.Kind.SUBMITTED, Status.NEW)
    assert (notification.state, notification.channels, notification.attempts) == ("sent", "email,sms", 1)
    assert notification.sent_at is not None and notification.last_error == ""


def test_nothing_is_owed_for_a_change_that_rolled_back(
    smtp, citizen, ready_draft, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        actions.submit_dossier(citizen, ready_draft)
        raise RuntimeError("the request failed after the submission")
    assert callbacks == [] and smtp.messages == []
    assert not Notification.objects.exists()


def test_an_applicant_without_email_or_phone_is_owed_nothing(submitted):
    Notification.objects.all().delete()
    submitted.applicant_email = submitted.applicant_phone = ""
    queue_notification(submitted, Notification.Kind.STATUS_CHANGED)
    assert not Notification.objects.exists()


def test_every_status_change_the_applicant_did_not_see_coming_is_told(submitted, desk):
    """Withdrawal and a supplement's answer (the applicant's own acts, confirmed) and a payment
    recorded by the gateway each owe a message telling the status the dossier is now in."""
    from tinhso import testing as factories
    from tinhso.dossiers.tests.conftest import pdf_upload

    def told() -> list[int]:
        return list(Notification.objects.order_by("id").values_list("status", flat=True))

    officer = factories.make_officer(desk)
    actions.request_supplement(officer, submitted, ["Giấy chứng sinh bản rõ nét"], "")
    actions.answer_supplement_request(submitted.applicant, submitted, [pdf_upload()], "")
    assert told() == [Status.NEW, Status.SUPPLEMENT, Status.NEW]
    actions.request_payment(officer, submitted, "Lệ phí 8.000 đ")
    actions.mark_paid(None, submitted)
    actions.mark_paid(None, submitted)  # a replayed payment notice changes nothing and tells nothing
    assert told()[3:] == [Status.PAYMENT, Status.NEW]
    actions.withdraw_dossier(submitted.applicant, submitted, "Tôi nộp nhầm thủ tục")
    assert told()[5:] == [Status.WITHDRAWN]


def test_notifications_share_one_smtp_connection(smtp, submitted):
    queue_notification(submitted, Notification.Kind.STATUS_CHANGED)
    assert send_pending() == 2
    assert len(smtp.messages) == 2
    assert len(smtp.connections) == 1


def test_a_connection_the_server_closed_is_opened_again(impatient_smtp, submitted):
    assert send_pending() == 1
    time.sleep(0.5)
    queue_notification(submitted, Notification.Kind.STATUS_CHANGED)
    assert send_pending() == 1
    assert len(impatient_smtp.messages) == 2
    assert len(impatient_smtp.connections) == 2


def test_a_server_closing_with_421_gets_the_message_over_a_new_connection(smtp, submitted):
    assert send_pending() == 1
    smtp.closing = True
    queue_notification(submitted, Notification.Kind.STATUS_CHANGED)
    assert send_pending() == 1
    assert len(smtp.messages) == 2
    assert len(smtp.connections) == 2


def test_the_text_messages_of_a_batch_share_one_connection_to_the_gateway(sms_gateway, submitted):
    for _change in range(2):
        queue_notification(submitted, Notification.Kind.STATUS_CHANGED)
    assert send_pending() == 3
    assert len(sms_gateway.received) == 3
    assert len(set(sms_gateway.peers)) == 1


def fall_due(notification):
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now())


def test_a_refused_message_is_tried_again_later_without_sending_the_sms_twice(smtp, sms_gateway, submitted):
    smtp.answer = "554 Transaction failed"
    before = timezone.now()
    assert send_pending() == 1
    notification = Notification.objects.get()
    assert (notification.state, notification.attempts, notification.channels) == ("pending", 1, "sms")
    assert notification.last_error.startswith("email: SMTPDataError")
    assert notification.next_attempt_at >= before + RETRY_DELAYS[0]
    assert notification.sent_at is None
    assert send_pending() == 0  # not due yet

    smtp.answer = "250 OK"
    fall_due(notification)
    assert send_pending() == 1
    notification.refresh_from_db()
    assert (notification.state, notification.attempts, notification.channels) == ("sent", 2, "email,sms")
    assert len(smtp.messages) == 1
    assert len(sms_gateway.received) == 1


def test_a_notification_is_given_up_after_the_last_attempt(smtp, sms_gateway, submitted):
    smtp.answer = "554 Transaction failed"
    sms_gateway.status = 503
    notification = Notification.objects.get()
    delays = []
    for _attempt in range(MAX_ATTEMPTS):
        fall_due(notification)
        started = timezone.now()
        assert send_pending() == 1
        notification.refresh_from_db()
        delays.append(notification.next_attempt_at - started)
    assert (notification.state, notification.attempts, notification.channels) == ("failed", MAX_ATTEMPTS, "")
    assert "email: SMTPDataError" in notification.last_error and "sms: SmsError" in notification.last_error
    assert [delay.total_seconds() // 60 for delay in delays[:-1]] == [1, 5, 30, 120]
    fall_due(notification)
    assert send_pending() == 0
    assert smtp.attempts == MAX_ATTEMPTS and len(sms_gateway.received) == MAX_ATTEMPTS


def test_each_message_is_sent_in_its_own_transaction_and_tells_its_own_status(
    submitted, mailoutbox, django_assert_num_queries
):
    submitted.status = Status.ACCEPTED  # as the dossier stood when each change was queued
    queue_notification(submitted, Notification.Kind.STATUS_CHANGED)
    submitted.status = Status.PROCESSING
    queue_notification(submitted, Notification.Kind.STATUS_CHANGED)
    # For each: savepoint, the next due notification with its dossier, its update, release; then
    # one look that finds nothing left (a worker killed mid-batch resends at most one message).
    with django_assert_num_queries(3 * 4 + 3):
        assert send_batch() == 3
    with translation.override("vi"):
        accepted, processing = status_label(Status.ACCEPTED), status_label(Status.PROCESSING)
    subjects = [message.subject for message in mailoutbox]
    assert subjects == [
        f"Hồ sơ đã được nộp, mã nộp hồ sơ {submitted.submission_reference}",
        f"Hồ sơ {submitted.submission_reference}: {accepted}",
        f"Hồ sơ {submitted.submission_reference}: {processing}",
    ]
    assert "Nguyễn Văn An" in mailoutbox[1].body and "Thủ tục đăng ký khai sinh" in mailoutbox[1].body
    assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}


def test_the_command_sends_what_is_due(submitted, mailoutbox):
    out = io.StringIO()
    call_command("send_notifications", stdout=out)
    assert out.getvalue().strip() == "Notifications tried: 1."
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)  # the worker closes its connection after the batch
def test_a_process_wakes_the_worker_once_per_window_and_the_worker_sends(
    settings, submitted, mailoutbox, monkeypatch
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    Notification.objects.all().delete()
    mailoutbox.clear()
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(notifications.sender_waker, "_next", 0.0)
    with transaction.atomic():
        queue_notification(submitted, Notification.Kind.STATUS_CHANGED)
        assert not DBTaskResult.objects.exists()  # the wake-up waits for the commit
    for _change in range(2):
        with transaction.atomic():
            queue_notification(submitted, Notification.Kind.STATUS_CHANGED)
    [wake] = DBTaskResult.objects.all()
    assert wake.task_path == "tinhso.dossiers.notifications.send_notifications"
    deferred = wake.run_after - wake.enqueued_at
    assert WAKE_WINDOW - datetime.timedelta(seconds=0.1) < deferred <= WAKE_WINDOW
    clock[0] += WAKE_WINDOW.total_seconds()
    notifications.wake_sender()
    assert DBTaskResult.objects.count() == 2

    assert mailoutbox == []
    DBTaskResult.objects.update(run_after=timezone.now())
    call_command("db_worker", "--batch", "--queue-name", "default", verbosity=0)
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["SUCCESSFUL"] * 2
    assert len(mailoutbox) == 3
    assert set(Notification.objects.values_list("state", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent PostgreSQL connections")
def test_workers_sending_at_once_send_each_message_once(settings, submitted, mailoutbox):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    for _change in range(59):
        queue_notification(submitted, Notification.Kind.STATUS_CHANGED)
    Notification.objects.update(state=Notification.State.PENDING, attempts=0, channels="")
    mailoutbox.clear()
    barrier = threading.Barrier(4)

    def worker(_n):
        try:
            barrier.wait()
            return send_pending(batch=5)
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        tried = list(pool.map(worker, range(4)))
    assert sum(tried) == 60
    assert len(mailoutbox) == 60
    assert set(Notification.objects.values_list("state", "attempts")) == {("sent", 1)}


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
