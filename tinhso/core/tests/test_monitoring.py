"""Errors reach a Sentry-compatible server (a province's GlitchTip) without personal data (issue 15,
finding 10): a local server that speaks Sentry's envelope endpoint receives what the SDK sends."""

import gzip
import io
import json
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import brotli
import pytest
import sentry_sdk
from django.core.handlers.wsgi import WSGIHandler
from django.test import override_settings

from tinhso.core.monitoring import init_error_reporting

PERSONAL = {
    "cccd": "001099012345",
    "phone": "0912345678",
    "email": "nguyen.van.an@example.vn",
    "full_name": "Nguyễn Văn Bình",
}


class EnvelopeServer(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), EnvelopeHandler)
        self.received: list[tuple[str, bytes]] = []
        self.arrived = threading.Event()


class EnvelopeHandler(BaseHTTPRequestHandler):
    server: EnvelopeServer

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            body = brotli.decompress(body)
        self.server.received.append((self.path, body))
        self.server.arrived.set()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def glitchtip():
    server = EnvelopeServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    init_error_reporting(f"http://publickey@127.0.0.1:{server.server_port}/42", environment="test")
    try:
        yield server
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # no DSN: reporting off again for the other tests
        server.shutdown()
        server.server_close()


def events(server: EnvelopeServer) -> list[dict]:
    """The error events in the envelopes received (header line, then item header and payload)."""
    found = []
    for _, body in server.received:
        lines = body.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                found.append(json.loads(payload))
    return found


def wsgi_post(path: str, query: str, form: dict[str, str], headers: dict[str, str]) -> int:
    """POST through the WSGI application, as gunicorn calls it (where the SDK hooks in)."""
    body = urlencode(form).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        **{"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()},
    }
    setup_testing_defaults(environ)
    environ["SERVER_NAME"] = environ["HTTP_HOST"] = "testserver"
    statuses = []
    response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    response.close()
    return int(statuses[0].split()[0])


@pytest.mark.django_db(transaction=True)
@override_settings(ROOT_URLCONF="tinhso.core.tests.failing_urls")
def test_an_unhandled_error_reaches_the_server_with_the_request_id_and_no_personal_data(glitchtip):
    status = wsgi_post(
        "/test-personal-failure/",
        f"cccd={PERSONAL['cccd']}",
        PERSONAL,
        {
            "X-Request-ID": "glitchtip-0001",
            "Authorization": "Bearer secret-api-token",
            "Cookie": "sessionid=secret-session-cookie-value",
        },
    )
    sentry_sdk.flush(timeout=10)

    assert status == HTTPStatus.INTERNAL_SERVER_ERROR
    assert glitchtip.arrived.wait(10)
    assert {path for path, _ in glitchtip.received} == {"/api/42/envelope/"}
    (event,) = events(glitchtip)
    assert event["tags"]["request_id"] == "glitchtip-0001"
    assert event["environment"] == "test"
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "Failure"
    assert exception["value"] == "no citizen [Filtered] / [Filtered] / [Filtered]"
    assert event["request"]["url"] == "http://testserver/test-personal-failure/"
    assert event["request"]["method"] == "POST"
    assert set(event["request"]["headers"]) == {"Host", "Content-Type", "X-Request-Id"}
    assert "user" not in event or set(event["user"]) <= {"id"}
    everything_sent = b"".join(body for _, body in glitchtip.received).decode()
    for secret in [*PERSONAL.values(), "secret-session-cookie-value", "secret-api-token"]:
        assert secret not in everything_sent
        assert json.dumps(secret)[1:-1] not in everything_sent  # nor escaped inside JSON


def test_personal_data_in_log_messages_is_scrubbed_from_error_events(glitchtip):
    logging.getLogger("tinhso.test").error("Lookup failed for %s at %s", PERSONAL["cccd"], PERSONAL["email"])
    sentry_sdk.flush(timeout=10)

    assert glitchtip.arrived.wait(10)
    (event,) = events(glitchtip)
    assert event["logentry"]["formatted"] == "Lookup failed for [Filtered] at [Filtered]"
    everything_sent = b"".join(body for _, body in glitchtip.received).decode()
    assert PERSONAL["cccd"] not in everything_sent and PERSONAL["email"] not in everything_sent


def test_error_reporting_is_off_without_a_dsn(settings):
    assert settings.SENTRY_DSN == ""
    assert sentry_sdk.get_client().dsn is None
