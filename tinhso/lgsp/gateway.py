"""The gateway (data plane): an ASGI application speaking X-Road's message protocol for REST
(PR-REST 1.0, "X-Road: Message Protocol for REST"), run by ``manage.py run_gateway`` on uvicorn.

``{METHOD} /r1/{instance}/{memberClass}/{memberCode}/{subsystemCode}/{serviceCode}[/path][?query]``
with ``X-Road-Client: INSTANCE/CLASS/MEMBER/SUBSYSTEM``; optional ``X-Road-Id`` (generated when
absent, echoed), ``X-Road-UserId`` (the person acting, e.g. ``VN001234567890``) and
``X-Road-Issue`` (the dossier the call is for). The response carries ``X-Road-Client``,
``X-Road-Service``, ``X-Road-Id``, ``X-Road-Request-Hash`` (base64 of SHA-512 over the SHA-512
of the request's canonical headers and of its body) and, when the gateway itself failed,
``X-Road-Error``. Errors are JSON ``{type, message, detail}``; the types are X-Road's
(``Client.BadRequest``, ``Server.ClientProxy.SslAuthenticationFailed``,
``Server.ClientProxy.UnknownMember``, ``Server.ServerProxy.UnknownService``,
``Server.ServerProxy.ServiceDisabled``, ``Server.ServerProxy.AccessDenied``,
``Server.ServerProxy.NetworkError``, ``Server.ServerProxy.ServiceFailed``,
``Server.ClientProxy.InternalError``; client errors answer 400, the others 500 as X-Road does)
plus tinhso's ``Server.ClientProxy.AuthenticationFailed`` (JWT client assertion refused),
``Server.ClientProxy.RateLimitExceeded`` / ``QuotaExceeded`` (429, counted in the database across
all gateway processes: ``admit``) and a 413 ``Client.BadRequest``
for a body over ``LGSP_MAX_BODY``.

Metaservices (PR-MSERV): ``GET /r1/{client-or-provider}/listMethods`` and ``/allowedMethods``
(``{"service": [{"service_code", "service_type", "endpoint_list": [{"method", "path"}]}]}``),
``GET /r1/{provider}/getOpenAPI?serviceCode=X``, and ``GET /r1/{instance}/listClients``.

The client proves who it is with a signed JWT client assertion (``Authorization: Bearer``,
RS256/ES256, ``iss`` = ``sub`` = its identifier, ``aud`` = ``audience()``, ``exp`` at most five
minutes ahead, a ``jti`` used once) or, when the gateway runs with TLS, a client certificate
whose SHA-256 fingerprint is registered (ASGI's TLS extension, ``client_cert_chain``). Access is
denied unless a grant for the endpoint (method + path) is valid: grants are read from the
database on every call, so a revocation takes effect at once. Bodies stream to the provider and
back without being held in memory; every call ends as one row of the exchange log, appended in
batches by ``LogWriter``.
"""

import asyncio
import base64
import datetime
import functools
import hashlib
import json
import logging
import ssl
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from tinhso.core.sql import sql
from tinhso.lgsp import exchange_log
from tinhso.lgsp.models import (
    ClientUsage,
    Endpoint,
    Grant,
    Member,
    Service,
    Subsystem,
    UsedAssertion,
    endpoint_matches,
)

Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]

logger = logging.getLogger(__name__)
METASERVICES = {"listMethods", "allowedMethods", "getOpenAPI"}
# Request headers passed to the provider; every other header (hop-by-hop, Host, cookies, the
# client's credentials) stays at the gateway (PR-REST: the security server rewrites them).
FORWARDED = {
    "accept",
    "accept-language",
    "content-type",
    "content-encoding",
    "content-length",
    "if-match",
    "if-none-match",
}
# Provider response headers not passed back (hop-by-hop, and the ones the gateway sets).
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "server",
    "date",
}
ASSERTION_LIFETIME = 300


def audience() -> str:
    """The ``aud`` a client assertion names: this platform's gateway."""
    return f"urn:tinhso:lgsp:{settings.LGSP_INSTANCE}"


class Fault(Exception):
    """An error of the gateway itself, answered as X-Road's JSON ``{type, message, detail}``."""

    def __init__(self, kind: str, message: str, status: int | None = None, headers: dict | None = None):
        super().__init__(message)
        self.kind, self.message = kind, message
        self.status = status or (400 if kind.startswith("Client.") else 500)
        self.headers = headers or {}


@dataclass
class Call:
    """What the gateway learns of one call, logged at its end."""

    method: str
    path: str
    message_id: str
    request_in: datetime.datetime
    client: str = ""
    service: Service | None = None
    user_id: str = ""
    issue: str = ""
    request_headers: dict = field(default_factory=dict)
    response_headers: dict = field(default_factory=dict)
    request_out: datetime.datetime | None = None
    response_in: datetime.datetime | None = None
    request_size: int = 0
    response_size: int = 0
    status: int = 0
    fault: Fault | None = None
    request_digest: Any = field(default_factory=hashlib.sha256)
    response_digest: Any = field(default_factory=hashlib.sha256)
    request_kept: bytearray = field(default_factory=bytearray)
    response_kept: bytearray = field(default_factory=bytearray)


def _safe(value: str, name: str, limit: int = 255) -> str:
    """A header value or identifier part without control characters (no header injection)."""
    if len(value) > limit or any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise Fault("Client.BadRequest", f"Invalid {name}.")
    return value


def parse_identifier(text: str, parts: int, name: str) -> list[str]:
    """``INSTANCE/CLASS/MEMBER/SUBSYSTEM``: each part percent-decoded on its own (PR-REST §4.2)."""
    pieces = [unquote(piece, errors="strict") for piece in text.split("/")]
    if len(pieces) != parts or not all(pieces):
        raise Fault("Client.BadRequest", f"Malformed {name}: {text!r}.")
    return [_safe(piece, name, 64) for piece in pieces]


def request_hash(method: str, path: str, headers: dict[str, str], body_sha512: bytes) -> str:
    """Base64 of SHA-512(SHA-512(canonical headers) + SHA-512(body)); the canonical headers are
    the method, the path and the X-Road headers, one ``name:value`` line each, sorted."""
    lines = [
        f"method:{method}",
        f"path:{path}",
        *sorted(f"{name}:{value}" for name, value in headers.items() if name.startswith("x-road-")),
    ]
    header_digest = hashlib.sha512("\n".join(lines).encode()).digest()
    return base64.b64encode(hashlib.sha512(header_digest + body_sha512).digest()).decode()


# One statement per call: count the call in the client's minute and day unless either is full
# (then no row comes back and nothing is counted). A later minute or day starts again at 1; an
# earlier one (a process whose clock lags) counts into the current one.
ADMIT_SQL = sql(
    """
INSERT INTO {U} ({U.subsystem}, {U.minute}, {U.minute_calls}, {U.day}, {U.day_calls})
VALUES (%(client)s, %(minute)s, 1, %(day)s, 1)
ON CONFLICT ({U.subsystem}) DO UPDATE SET
    {U.minute_calls} = CASE WHEN EXCLUDED.{U.minute} > {U}.{U.minute} THEN 1
                       ELSE {U}.{U.minute_calls} + 1 END,
    {U.minute} = CASE WHEN EXCLUDED.{U.minute} > {U}.{U.minute} THEN EXCLUDED.{U.minute}
                 ELSE {U}.{U.minute} END,
    {U.day_calls} = CASE WHEN EXCLUDED.{U.day} > {U}.{U.day} THEN 1 ELSE {U}.{U.day_calls} + 1 END,
    {U.day} = CASE WHEN EXCLUDED.{U.day} > {U}.{U.day} THEN EXCLUDED.{U.day} ELSE {U}.{U.day} END
WHERE (EXCLUDED.{U.minute} > {U}.{U.minute} OR {U}.{U.minute_calls} < %(rate)s)
  AND (EXCLUDED.{U.day} > {U}.{U.day} OR {U}.{U.day_calls} < %(quota)s)
RETURNING {U.minute_calls}
""",
    U=ClientUsage,
)


def admit(subsystem: Subsystem) -> None:
    """Count one call of ``subsystem`` against its calls per minute (fixed one-minute windows)
    and per local day, in the database so that every gateway process shares the counts (runs in
    a database thread); a Fault (429) when either is used up, and the refused call is not
    counted."""
    now = time.time()
    minute = int(now // 60)
    params = {
        "client": subsystem.pk,
        "minute": minute,
        "day": timezone.localdate().toordinal(),
        "rate": subsystem.rate_per_minute,
        "quota": subsystem.quota_per_day,
    }
    with connection.cursor() as cursor:
        cursor.execute(ADMIT_SQL, params)
        if cursor.fetchone() is not None:
            return
    usage = ClientUsage.objects.get(pk=subsystem.pk)
    if usage.minute >= minute and usage.minute_calls >= subsystem.rate_per_minute:
        raise Fault(
            "Server.ClientProxy.RateLimitExceeded",
            f"More than {subsystem.rate_per_minute} calls per minute.",
            429,
            {"retry-after": str(max(1, 60 - int(now % 60)))},
        )
    raise Fault(
        "Server.ClientProxy.QuotaExceeded",
        f"Daily quota of {subsystem.quota_per_day} calls used.",
        429,
    )


class LogWriter:
    """Appends the calls' rows to the exchange log in batches, from one task per process. When
    the database refuses a batch (an outage), the batch is kept and tried again every second:
    calls go on, and their rows are written, in order, once the database is back."""

    def __init__(self, run: Callable) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self.run = run
        self.task: asyncio.Task | None = None

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            rows = [await self.queue.get()]
            while not self.queue.empty() and len(rows) < 500:
                rows.append(self.queue.get_nowait())
            while True:
                try:
                    await self.run(exchange_log.append, rows)
                    break
                except DatabaseError:
                    logger.exception("The exchange log could not be written; retrying %s rows.", len(rows))
                    await asyncio.sleep(1)
            for _ in rows:
                self.queue.task_done()

    async def flush(self) -> None:
        await self.queue.join()

    async def stop(self) -> None:
        await self.flush()
        if self.task:
            self.task.cancel()


@functools.lru_cache(maxsize=1024)
def _public_key(algorithm: str, pem: str) -> RSAKey | ECKey:
    return RSAKey.import_key(pem) if algorithm == "RS256" else ECKey.import_key(pem)


def _client_assertion(client: Subsystem, token: str, identifier: str) -> dict:
    """The claims of a valid client assertion of ``client`` (RFC 7523 §3), or a Fault."""
    if not client.public_key_pem:
        raise Fault("Server.ClientProxy.AuthenticationFailed", "No key is registered for this client.")
    try:
        key = _public_key(client.key_algorithm, client.public_key_pem)
        claims = jwt.decode(token, key, algorithms=[client.key_algorithm]).claims
    except (JoseError, ValueError) as error:
        raise Fault(
            "Server.ClientProxy.AuthenticationFailed", "The client assertion's signature is not valid."
        ) from error
    now = time.time()
    expires = claims.get("exp")
    if claims.get("iss") != identifier or claims.get("sub") != identifier:
        raise Fault(
            "Server.ClientProxy.AuthenticationFailed", "The assertion's iss and sub must be the client."
        )
    aud = claims.get("aud")
    if audience() not in (aud if isinstance(aud, list) else [aud]):
        raise Fault("Server.ClientProxy.AuthenticationFailed", f"The assertion's aud must be {audience()}.")
    if not isinstance(expires, int | float) or expires <= now or expires > now + ASSERTION_LIFETIME + 30:
        raise Fault(
            "Server.ClientProxy.AuthenticationFailed", "The assertion is expired or lives over 5 minutes."
        )
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 8 <= len(jti) <= 128:
        raise Fault("Server.ClientProxy.AuthenticationFailed", "The assertion needs a jti.")
    return claims


class Recent:
    """Look-ups kept a few seconds in this process: the clients (with their keys) and the
    services. Never the grants: they are read on every call, so a revocation acts at once."""

    def __init__(self, seconds: float = 5.0) -> None:
        self.seconds = seconds
        self.items: dict[tuple, tuple[float, Any]] = {}

    def get(self, key: tuple, load: Callable[[], Any]) -> Any:
        now = time.monotonic()
        hit = self.items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        self.items[key] = (now + self.seconds, value)
        return value


def authorize(
    client_id: list[str],
    target: list[str] | None,
    service_code: str,
    method: str,
    path: str,
    token: str | None,
    cert_der: bytes | None,
    recent: Recent | None = None,
) -> tuple[Subsystem, Service | None]:
    """Who calls and whether they may (runs in a database thread): the client's credentials,
    the service, and a valid grant for ``method path``. ``service_code`` empty: a metaservice."""
    recent = recent or Recent(0)
    identifier = "/".join(client_id)
    instance, member_class, member_code, subsystem_code = client_id
    client = recent.get(
        ("client", *client_id),
        lambda: (
            Subsystem.objects.select_related("member")
            .filter(member__member_class=member_class, member__code=member_code, code=subsystem_code)
            .first()
        ),
    )
    if instance != settings.LGSP_INSTANCE or client is None:
        raise Fault("Server.ClientProxy.UnknownMember", f"Unknown client: {identifier}.")
    if cert_der is not None and client.tls_fingerprint:
        fingerprint = x509.load_der_x509_certificate(cert_der).fingerprint(hashes.SHA256()).hex()
        if fingerprint != client.tls_fingerprint:
            raise Fault(
                "Server.ClientProxy.SslAuthenticationFailed",
                "The TLS client certificate is not the client's.",
            )
    elif token:
        claims = _client_assertion(client, token, identifier)
        try:
            UsedAssertion.objects.create(
                client=client,
                jti=claims["jti"],
                expires_at=datetime.datetime.fromtimestamp(claims["exp"], tz=datetime.UTC),
            )
        except IntegrityError as error:
            raise Fault(
                "Server.ClientProxy.AuthenticationFailed", "This client assertion was already used."
            ) from error
    else:
        raise Fault(
            "Server.ClientProxy.SslAuthenticationFailed",
            "Authenticate with a client assertion (Authorization: Bearer) or a TLS client certificate.",
        )
    if not service_code:
        return client, None
    service = recent.get(("service", *(target or []), service_code), lambda: _service(target, service_code))
    now = timezone.now()
    patterns = Grant.objects.filter(
        client=client, endpoint__service=service, revoked_at__isnull=True, expires_at__gt=now
    ).values_list("endpoint__method", "endpoint__path")
    if not any(
        endpoint_matches(pattern_method, pattern_path, method, path)
        for pattern_method, pattern_path in patterns
    ):
        raise Fault(
            "Server.ServerProxy.AccessDenied", f"Request is not allowed: SERVICE:{service.identifier}"
        )
    admit(client)
    return client, service


def _service(target: list[str] | None, service_code: str) -> Service:
    assert target is not None
    instance, member_class, member_code, subsystem_code = target
    service = (
        Service.objects.select_related("subsystem__member")
        .filter(
            subsystem__member__member_class=member_class,
            subsystem__member__code=member_code,
            subsystem__code=subsystem_code,
            code=service_code,
        )
        .first()
    )
    if instance != settings.LGSP_INSTANCE or service is None:
        raise Fault(
            "Server.ServerProxy.UnknownService", f"Unknown service: {'/'.join(target)}/{service_code}."
        )
    if not service.is_active:
        raise Fault("Server.ServerProxy.ServiceDisabled", f"Service {service.identifier} is disabled.")
    return service


def forget_used_assertions() -> int:
    """Forget the ``jti`` of expired assertions (an expired assertion is refused anyway)."""
    return UsedAssertion.objects.filter(expires_at__lt=timezone.now()).delete()[0]


def metaservice(name: str, client: Subsystem, provider: list[str], query: str) -> Any:
    """The answer of a metaservice (runs in a database thread)."""
    instance, member_class, member_code, subsystem_code = provider
    services = Service.objects.filter(
        subsystem__member__member_class=member_class,
        subsystem__member__code=member_code,
        subsystem__code=subsystem_code,
        is_active=True,
    ).order_by("code")
    if name == "getOpenAPI":
        code = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("serviceCode", "")
        found = services.filter(code=unquote(code)).first()
        if found is None:
            raise Fault("Server.ServerProxy.UnknownService", f"Unknown service code: {code!r}.")
        return found.openapi
    endpoints = Endpoint.objects.filter(service__in=services).select_related("service")
    if name == "allowedMethods":
        allowed = Grant.objects.filter(client=client, revoked_at__isnull=True, expires_at__gt=timezone.now())
        endpoints = endpoints.filter(pk__in=allowed.values("endpoint"))
    listed: dict[str, list] = {}
    for endpoint in endpoints:
        listed.setdefault(endpoint.service.code, []).append(
            {"method": endpoint.method, "path": endpoint.path}
        )
    return {
        "service": [
            {
                "member_class": member_class,
                "member_code": member_code,
                "subsystem_code": subsystem_code,
                "service_code": code,
                "service_type": "OPENAPI",
                "endpoint_list": endpoint_list,
                "xroad_instance": instance,
                "object_type": "SERVICE",
            }
            for code, endpoint_list in sorted(listed.items())
        ]
    }


def list_clients() -> dict:
    return {
        "member": [
            {
                "id": {
                    "xroad_instance": settings.LGSP_INSTANCE,
                    "member_class": subsystem.member.member_class,
                    "member_code": subsystem.member.code,
                    "subsystem_code": subsystem.code,
                    "object_type": "SUBSYSTEM",
                },
                "name": subsystem.member.name,
            }
            for subsystem in Subsystem.objects.select_related("member").order_by("member__code", "code")
        ]
        + [
            {
                "id": {
                    "xroad_instance": settings.LGSP_INSTANCE,
                    "member_class": member.member_class,
                    "member_code": member.code,
                    "object_type": "MEMBER",
                },
                "name": member.name,
            }
            for member in Member.objects.order_by("code")
        ]
    }


class Gateway:
    """The ASGI application. One per process; ``max_body`` and ``log_body_limit`` default to
    the settings ``LGSP_MAX_BODY`` and ``LGSP_LOG_BODY_LIMIT``."""

    def __init__(self, *, db_threads: int = 8, verify_provider_tls: bool | ssl.SSLContext = True) -> None:
        self.db_threads = db_threads
        self.executor = ThreadPoolExecutor(db_threads, thread_name_prefix="lgsp-db")
        self.recent = Recent()
        self.writer = LogWriter(self.in_db)
        self.http: httpx.AsyncClient | None = None
        self.verify_provider_tls = verify_provider_tls
        self.max_body = settings.LGSP_MAX_BODY
        self.log_body_limit = settings.LGSP_LOG_BODY_LIMIT

    async def in_db(self, function: Callable, *args: Any) -> Any:
        """Run an ORM function in a database thread; a broken connection is closed and retried."""

        def job() -> Any:
            try:
                return function(*args)
            except DatabaseError:
                if connection.in_atomic_block or connection.is_usable():
                    raise
                connection.close()
                return function(*args)

        return await asyncio.get_running_loop().run_in_executor(self.executor, job)

    async def startup(self) -> None:
        self.http = httpx.AsyncClient(
            follow_redirects=False,
            verify=self.verify_provider_tls,
            limits=httpx.Limits(max_connections=1000, max_keepalive_connections=200),
        )
        self.writer.start()

    async def shutdown(self) -> None:
        await self.writer.stop()
        if self.http:
            await self.http.aclose()
        barrier = threading.Barrier(self.db_threads)

        def close() -> None:
            barrier.wait(timeout=5)
            connection.close()

        await asyncio.gather(*(self.in_db(close) for _ in range(self.db_threads)), return_exceptions=True)
        self.executor.shutdown(wait=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self.handle(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.http is None:
            await self.startup()
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope["headers"]:
            name = raw_name.decode("latin-1").lower()
            headers[name] = (
                f"{headers[name]}, {raw_value.decode('latin-1')}"
                if name in headers
                else raw_value.decode("latin-1")
            )
        call = Call(
            method=scope["method"],
            path=scope.get("raw_path", scope["path"].encode()).decode("latin-1"),
            message_id=headers.get("x-road-id") or str(uuid.uuid4()),
            request_in=timezone.now(),
            request_headers={
                name: value for name, value in headers.items() if name not in ("authorization", "cookie")
            },
        )
        started = False
        try:
            started = await self._serve(call, scope, headers, receive, send)
        except Fault as fault:
            call.fault = fault
        except Exception as error:  # any failure is answered and logged, never lost
            call.fault = Fault("Server.ClientProxy.InternalError", f"{type(error).__name__}: {error}"[:400])
        if call.fault is not None and not started:
            await self._send_fault(call, send)
        await self.writer.queue.put(self._row(call))

    async def _serve(self, call: Call, scope: Scope, headers: dict, receive: Receive, send: Send) -> bool:
        """Answer the call; True once the response has started (a later failure cannot be sent)."""
        path = scope.get("raw_path", b"").decode("latin-1") or quote(scope["path"])
        if "%0d" in path.lower() or "%0a" in path.lower() or "%00" in path:
            raise Fault("Client.BadRequest", "Control characters in the path.")
        _safe(call.message_id, "X-Road-Id", 64)
        call.user_id = _safe(headers.get("x-road-userid", ""), "X-Road-UserId", 64)
        call.issue = _safe(headers.get("x-road-issue", ""), "X-Road-Issue")
        parts = path.split("/")
        if len(parts) < 3 or parts[1] != "r1":
            raise Fault(
                "Client.BadRequest", "The path must be /r1/{instance}/{class}/{member}/{subsystem}/{service}."
            )
        if "x-road-client" not in headers:
            raise Fault("Client.BadRequest", "The X-Road-Client header is missing.")
        client_id = parse_identifier(_safe(headers["x-road-client"], "X-Road-Client"), 4, "X-Road-Client")
        call.client = "/".join(client_id)
        token = headers.get("authorization", "")
        token = token[7:].strip() if token.lower().startswith("bearer ") else None
        cert_der = _client_certificate(scope)
        if len(parts) == 4 and parts[3] == "listClients":
            await self.in_db(authorize, client_id, None, "", call.method, "", token, cert_der, self.recent)
            return await self._send_json(call, send, await self.in_db(list_clients))
        if len(parts) < 7:
            raise Fault(
                "Client.BadRequest", "The path must be /r1/{instance}/{class}/{member}/{subsystem}/{service}."
            )
        target = parse_identifier("/".join(parts[2:6]), 4, "service identifier")
        service_code = unquote(parts[6])
        rest = "/" + "/".join(parts[7:]) if len(parts) > 7 else "/"
        if service_code in METASERVICES and call.method == "GET":
            client, _ = await self.in_db(
                authorize, client_id, target, "", call.method, "", token, cert_der, self.recent
            )
            answer = await self.in_db(
                metaservice, service_code, client, target, scope.get("query_string", b"").decode()
            )
            return await self._send_json(call, send, answer)
        _safe(service_code, "service code", 64)
        client, service = await self.in_db(
            authorize,
            client_id,
            target,
            service_code,
            call.method,
            unquote(rest),
            token,
            cert_der,
            self.recent,
        )
        call.service = service
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            raise Fault("Client.BadRequest", f"The body is over {self.max_body} bytes.", 413)
        return await self._forward(call, scope, headers, service, rest, receive, send)

    async def _forward(
        self,
        call: Call,
        scope: Scope,
        headers: dict,
        service: Service,
        rest: str,
        receive: Receive,
        send: Send,
    ) -> bool:
        assert self.http is not None
        query = scope.get("query_string", b"").decode("latin-1")
        url = service.provider_url + rest + (f"?{query}" if query else "")
        outgoing = {name: value for name, value in headers.items() if name in FORWARDED}
        outgoing.setdefault("accept", "application/json")
        outgoing.update(
            {
                "x-road-client": call.client,
                "x-road-service": service.identifier,
                "x-road-id": call.message_id,
                "user-agent": "tinhso-lgsp",
                # The body passes as received and is kept in the exchange log: plain, never
                # compressed by a provider (tinhso's own pages and API gzip for whoever accepts it).
                "accept-encoding": "identity",
            }
        )
        for name in ("x-road-userid", "x-road-issue"):
            if headers.get(name):
                outgoing[name] = headers[name]
        body_sha512 = hashlib.sha512()
        too_large = False

        async def body() -> AsyncIterator[bytes]:
            nonlocal too_large
            while True:
                message = await receive()
                chunk = message.get("body", b"")
                call.request_size += len(chunk)
                if call.request_size > self.max_body:
                    too_large = True
                    raise Fault("Client.BadRequest", f"The body is over {self.max_body} bytes.", 413)
                call.request_digest.update(chunk)
                body_sha512.update(chunk)
                if len(call.request_kept) <= self.log_body_limit:
                    call.request_kept.extend(chunk[: self.log_body_limit + 1 - len(call.request_kept)])
                if chunk:
                    yield chunk
                if not message.get("more_body", False):
                    return

        timeout = httpx.Timeout(service.timeout_seconds, connect=min(5, service.timeout_seconds))
        has_body = call.method not in ("GET", "HEAD", "DELETE", "OPTIONS") or "content-length" in headers
        request = self.http.build_request(
            call.method, url, headers=outgoing, content=body() if has_body else None, timeout=timeout
        )
        call.request_out = timezone.now()
        try:
            response = await self.http.send(request, stream=True)
        except Fault:
            raise
        except httpx.TimeoutException as error:
            raise Fault(
                "Server.ServerProxy.NetworkError",
                f"The provider did not answer in time ({type(error).__name__}).",
            ) from error
        except (httpx.ConnectError, httpx.NetworkError) as error:
            raise Fault(
                "Server.ServerProxy.NetworkError", f"The provider cannot be reached: {error}"[:400]
            ) from error
        except httpx.HTTPError as error:
            if too_large:
                raise Fault("Client.BadRequest", f"The body is over {self.max_body} bytes.", 413) from error
            raise Fault(
                "Server.ServerProxy.ServiceFailed", f"The provider's answer is not valid HTTP: {error}"[:400]
            ) from error
        call.response_in = timezone.now()
        rhash = request_hash(call.method, call.path, call.request_headers, body_sha512.digest())
        try:
            response_headers = [
                (name.lower(), value)
                for name, value in response.headers.multi_items()
                if name.lower() not in HOP_BY_HOP and not name.lower().startswith("x-road-")
            ]
            response_headers += [
                ("x-road-client", call.client),
                ("x-road-service", service.identifier),
                ("x-road-id", call.message_id),
                ("x-road-request-hash", rhash),
            ]
            call.status = response.status_code
            call.response_headers = dict(response_headers)
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": [
                        (name.encode("latin-1"), value.encode("latin-1")) for name, value in response_headers
                    ],
                }
            )
            try:
                async for chunk in response.aiter_raw():
                    call.response_size += len(chunk)
                    call.response_digest.update(chunk)
                    if len(call.response_kept) <= self.log_body_limit:
                        call.response_kept.extend(chunk[: self.log_body_limit + 1 - len(call.response_kept)])
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except httpx.HTTPError as error:
                call.fault = Fault(
                    "Server.ServerProxy.ServiceFailed", f"The provider's body broke off: {error}"[:400]
                )
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.aclose()
        return True

    async def _send_json(self, call: Call, send: Send, payload: Any) -> bool:
        body = json.dumps(payload, ensure_ascii=False).encode()
        call.status = 200
        call.response_headers = {"content-type": "application/json", "x-road-id": call.message_id}
        await self._send(call, send, 200, body, call.response_headers)
        return True

    async def _send_fault(self, call: Call, send: Send) -> None:
        fault = call.fault
        assert fault is not None
        body = json.dumps({"type": fault.kind, "message": fault.message, "detail": call.message_id}).encode()
        call.status = fault.status
        call.response_headers = {
            "content-type": "application/json",
            "x-road-id": call.message_id if not any(ord(c) < 32 for c in call.message_id) else "",
            "x-road-error": fault.kind,
            **fault.headers,
        }
        await self._send(call, send, fault.status, body, call.response_headers)

    async def _send(self, call: Call, send: Send, status: int, body: bytes, headers: dict) -> None:
        call.response_size = len(body)
        call.response_digest.update(body)
        call.response_kept.extend(body)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items() if v]
                + [(b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _row(self, call: Call) -> dict:
        """The exchange log row of a finished call (bodies kept unless personal data or too long)."""
        personal = call.service is not None and call.service.personal_data
        fault = call.fault

        def kept(data: bytearray) -> str:
            if personal or len(data) > self.log_body_limit:
                return ""
            return bytes(data).decode("utf-8", errors="replace")

        return {
            "message_id": call.message_id[:64],
            "client": call.client[:300],
            "service": call.service.identifier if call.service else "",
            "service_code": call.service.code if call.service else "",
            "method": call.method[:8],
            "path": call.path[:2000],
            "user_id": call.user_id,
            "issue": call.issue,
            "request_in_ts": call.request_in,
            "request_out_ts": call.request_out,
            "response_in_ts": call.response_in,
            "response_out_ts": timezone.now(),
            "request_size": call.request_size,
            "response_size": call.response_size,
            "status_code": call.status,
            "succeeded": fault is None and 0 < call.status < 400,
            "fault_code": fault.kind if fault else "",
            "fault_string": fault.message[:500] if fault else "",
            "request_headers": call.request_headers,
            "response_headers": call.response_headers,
            "request_body": kept(call.request_kept),
            "response_body": kept(call.response_kept),
            "request_hash": call.request_digest.hexdigest(),
            "response_hash": call.response_digest.hexdigest(),
        }


def _client_certificate(scope: Scope) -> bytes | None:
    """The DER of the TLS client certificate, from ASGI's TLS extension (PEM chain)."""
    chain = scope.get("extensions", {}).get("tls", {}).get("client_cert_chain") or []
    if not chain:
        return None
    return x509.load_pem_x509_certificate(chain[0].encode()).public_bytes(Encoding.DER)
