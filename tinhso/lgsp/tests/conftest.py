"""Two systems of the province on a real gateway: a provider (a real HTTP server in a thread, the
population lookup of the Cao Lãnh service centre) and a consumer (Mỹ Tho's one-stop system),
the gateway on uvicorn in another thread. The gateway reads the database from its own threads,
so these tests commit (``transactional_db``)."""

import datetime
import hashlib
import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import ECKey

from tinhso import testing as factories
from tinhso.lgsp import actions
from tinhso.lgsp.gateway import Gateway, audience
from tinhso.lgsp.models import DataClassification, MemberClass
from tinhso.lgsp.server import config

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "Tra cứu dân cư", "version": "1"},
    "paths": {
        "/people/{id}": {"get": {"summary": "Một công dân"}},
        "/echo": {"post": {"summary": "Trả lại nội dung"}},
        "/hang": {"get": {}},
        "/garbage": {"get": {}},
    },
}


class Provider(BaseHTTPRequestHandler):
    """The provider: answers with what it received, so that tests see what the gateway sent."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _answer(self, status: int, payload: dict) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Road-Service", "forged-by-provider")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/hang"):
            time.sleep(3)
            return self._answer(200, {})
        if self.path.startswith("/garbage"):
            self.wfile.write(b"NOT HTTP AT ALL\r\n\r\n")
            self.close_connection = True
            return None
        person = self.path.rsplit("/", 1)[-1]
        headers = {name.lower(): value for name, value in self.headers.items()}
        return self._answer(200, {"id": person, "ho_ten": "Nguyễn Văn An", "headers": headers})

    def do_POST(self):
        digest, size = hashlib.sha256(), 0
        for chunk in self._body():
            size += len(chunk)
            digest.update(chunk)
        return self._answer(200, {"size": size, "sha256": digest.hexdigest()})

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while length := int(self.rfile.readline().split(b";")[0], 16):
                yield self.rfile.read(length)
                self.rfile.readline()
            self.rfile.readline()
            return
        remaining = int(self.headers.get("Content-Length", "0"))
        while remaining:
            chunk = self.rfile.read(min(remaining, 65536))
            remaining -= len(chunk)
            yield chunk


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def provider_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class RunningGateway:
    def __init__(self, **tls: str):
        self.port = free_port()
        self.gateway = Gateway(db_threads=4)
        self.server = uvicorn.Server(config(self.port, gateway=self.gateway, **tls))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        scheme = "https" if tls.get("certfile") else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                return self
            time.sleep(0.02)
        raise RuntimeError("The gateway did not start.")

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def gateway(transactional_db, settings):
    settings.LGSP_MAX_BODY = 1024 * 1024
    with RunningGateway() as running:
        yield running


def wait_for_log(count: int, timeout: float = 5.0):
    """The exchange log rows once ``count`` are written (the gateway appends in batches)."""
    from tinhso.lgsp.models import Exchange

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = list(Exchange.objects.order_by("sequence"))
        if len(rows) >= count:
            return rows
        time.sleep(0.05)
    raise AssertionError(f"Expected {count} exchanges, found {Exchange.objects.count()}.")


class Systems:
    """The two demo systems and their keys."""

    def __init__(self, provider_url: str):
        agencies = factories.make_province()["agencies"]
        self.owner = factories.make_officer(
            agencies["cao_lanh"], "lanhdao.caolanh", factories.LEADER, name="Lê Văn Hùng"
        )
        self.requester = factories.make_officer(
            agencies["my_tho"], "lanhdao.mytho", factories.LEADER, name="Trần Thị Mai"
        )
        provider_member = actions.register_member(None, MemberClass.GOV, "", "", agency=agencies["cao_lanh"])
        consumer_member = actions.register_member(None, MemberClass.GOV, "", "", agency=agencies["my_tho"])
        self.provider = actions.register_subsystem(
            self.owner, provider_member, "DANCU", "Cơ sở dữ liệu dân cư"
        )
        self.consumer = actions.register_subsystem(
            self.requester, consumer_member, "MOTCUA", "Hệ thống một cửa"
        )
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        public_pem = (
            self.private_key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        actions.set_credentials(
            self.requester, self.consumer, public_key_pem=public_pem, key_algorithm="ES256"
        )
        self.service = actions.register_service(
            self.owner,
            self.provider,
            code="tra-cuu-dan-cu",
            title="Tra cứu thông tin công dân",
            provider_url=provider_url,
            classification=DataClassification.INTERNAL,
            legal_basis="Nghị định 47/2024/NĐ-CP",
            openapi=OPENAPI,
            timeout_seconds=1,
        )

    def grant(self, *paths: str, days: int = 30):
        endpoints = [endpoint for endpoint in self.service.endpoints.all() if endpoint.path in paths]
        access = actions.request_access(self.requester, self.consumer, endpoints, "Giải quyết hồ sơ một cửa")
        return actions.approve_access(self.owner, access, timezone.now() + datetime.timedelta(days=days))

    def assertion(self, **claims) -> str:
        identifier = self.consumer.identifier
        now = int(time.time())
        payload = {"iss": identifier, "sub": identifier, "aud": audience(), "exp": now + 60, "iat": now}
        payload["jti"] = str(uuid.uuid4())
        payload.update(claims)
        return jwt.encode({"alg": "ES256"}, payload, ECKey.import_key(self.private_key))

    def headers(self, **claims) -> dict:
        return {
            "X-Road-Client": self.consumer.identifier,
            "Authorization": f"Bearer {self.assertion(**claims)}",
        }

    def path(self, rest: str) -> str:
        return f"/r1/{self.service.identifier}{rest}"


@pytest.fixture
def systems(transactional_db, provider_url):
    return Systems(provider_url)


@pytest.fixture
def gw(gateway):
    with httpx.Client(base_url=gateway.url, timeout=10) as http:
        yield http
