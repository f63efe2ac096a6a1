"""The gateway on a real uvicorn server in front of a real provider (issue 21, "Done when")."""

import datetime
import io
import os
import socket
import time
import uuid

import httpx
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation

from tinhso.audit.models import AuditEntry
from tinhso.core import retention
from tinhso.lgsp import actions
from tinhso.lgsp.exchange_log import anchor_log, verify_log
from tinhso.lgsp.models import ClientUsage, DataClassification, Exchange, ExchangeAnchor, Grant, Subsystem
from tinhso.lgsp.tests.conftest import wait_for_log
from tinhso.lgsp.tests.processes import GatewayProcess


def test_two_systems_grant_call_log_and_revocation(systems, gw):
    grants = systems.grant("/people/{id}")
    response = gw.get(
        systems.path("/people/087095001234"),
        headers={
            **systems.headers(),
            "X-Road-UserId": "VN087095001234",
            "X-Road-Issue": "H20.201.01-260105-0001",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ho_ten"] == "Nguyễn Văn An"
    sent = body["headers"]
    assert sent["x-road-client"] == systems.consumer.identifier
    assert sent["x-road-userid"] == "VN087095001234"
    assert sent["x-road-issue"] == "H20.201.01-260105-0001"
    assert "authorization" not in sent
    message_id = response.headers["x-road-id"]
    assert uuid.UUID(message_id)
    assert sent["x-road-id"] == message_id
    assert response.headers["x-road-service"] == systems.service.identifier  # not the provider's
    assert len(response.headers["x-road-request-hash"]) == 88  # base64 of SHA-512

    [logged] = wait_for_log(1)
    assert (logged.message_id, logged.client, logged.service) == (
        message_id,
        systems.consumer.identifier,
        systems.service.identifier,
    )
    assert (logged.method, logged.path, logged.status_code, logged.succeeded) == (
        "GET",
        systems.path("/people/087095001234"),
        200,
        True,
    )
    assert logged.user_id == "VN087095001234"
    assert logged.issue == "H20.201.01-260105-0001"
    assert "Nguyễn Văn An" in logged.response_body
    assert logged.request_in_ts <= logged.request_out_ts <= logged.response_in_ts <= logged.response_out_ts
    assert logged.response_size == len(response.content)
    assert "authorization" not in logged.request_headers

    actions.revoke_grant(systems.owner, grants[0])
    refused = gw.get(systems.path("/people/087095001234"), headers=systems.headers())
    assert refused.status_code == 500
    assert refused.json()["type"] == "Server.ServerProxy.AccessDenied"
    assert refused.headers["x-road-error"] == "Server.ServerProxy.AccessDenied"
    assert refused.json()["detail"] == refused.headers["x-road-id"]
    rows = wait_for_log(2)
    assert rows[1].fault_code == "Server.ServerProxy.AccessDenied"
    assert not rows[1].succeeded
    assert verify_log().intact


def test_x_road_id_is_echoed(systems, gw):
    systems.grant("/people/{id}")
    response = gw.get(systems.path("/people/1"), headers={**systems.headers(), "X-Road-Id": "abc-123"})
    assert response.headers["x-road-id"] == "abc-123"


def test_grant_is_per_endpoint(systems, gw):
    systems.grant("/people/{id}")
    response = gw.post(systems.path("/echo"), headers=systems.headers(), content=b"x")
    assert response.json()["type"] == "Server.ServerProxy.AccessDenied"
    deeper = gw.get(systems.path("/people/1/extra"), headers=systems.headers())
    assert deeper.json()["type"] == "Server.ServerProxy.AccessDenied"


def test_expired_grant_is_refused(systems, gw):
    [grant] = systems.grant("/people/{id}")
    Grant.objects.filter(pk=grant.pk).update(expires_at=grant.granted_at)
    response = gw.get(systems.path("/people/1"), headers=systems.headers())
    assert response.json()["type"] == "Server.ServerProxy.AccessDenied"


def test_unknown_client(systems, gw):
    systems.grant("/people/{id}")
    headers = {**systems.headers(), "X-Road-Client": "VN-DT/GOV/H20.999/NOBODY"}
    response = gw.get(systems.path("/people/1"), headers=headers)
    assert response.status_code == 500
    assert response.json()["type"] == "Server.ClientProxy.UnknownMember"


def test_missing_credentials(systems, gw):
    systems.grant("/people/{id}")
    response = gw.get(systems.path("/people/1"), headers={"X-Road-Client": systems.consumer.identifier})
    assert response.json()["type"] == "Server.ClientProxy.SslAuthenticationFailed"


def test_forged_assertion(systems, gw):
    """Signed by another key, or with the claims changed after signing, or for another client."""
    from cryptography.hazmat.primitives.asymmetric import ec

    systems.grant("/people/{id}")
    genuine = systems.private_key
    systems.private_key = ec.generate_private_key(ec.SECP256R1())
    other_key = systems.headers()
    systems.private_key = genuine
    header, payload, signature = systems.assertion().split(".")
    tampered = systems.assertion(sub="VN-DT/GOV/H20.202/DANCU").split(".")[1]
    for headers in (
        other_key,
        {**systems.headers(), "Authorization": f"Bearer {header}.{tampered}.{signature}"},
        {**systems.headers(), "Authorization": "Bearer not-a-jwt"},
        systems.headers(aud="urn:someone-else"),
        systems.headers(exp=int(time.time()) - 1),
        systems.headers(exp=int(time.time()) + 3600),
    ):
        response = gw.get(systems.path("/people/1"), headers=headers)
        assert response.status_code == 500
        assert response.json()["type"] == "Server.ClientProxy.AuthenticationFailed", response.text
    unsigned = gw.get(
        systems.path("/people/1"),
        headers={**systems.headers(), "Authorization": f"Bearer eyJhbGciOiJub25lIn0.{payload}."},
    )
    assert unsigned.json()["type"] == "Server.ClientProxy.AuthenticationFailed"


def test_replayed_assertion(systems, gw):
    systems.grant("/people/{id}")
    headers = systems.headers()
    assert gw.get(systems.path("/people/1"), headers=headers).status_code == 200
    replay = gw.get(systems.path("/people/1"), headers=headers)
    assert replay.json() == {
        "type": "Server.ClientProxy.AuthenticationFailed",
        "message": "This client assertion was already used.",
        "detail": replay.headers["x-road-id"],
    }


def test_provider_that_hangs(systems, gw):
    systems.grant("/hang")
    started = time.monotonic()
    response = gw.get(systems.path("/hang"), headers=systems.headers())
    assert time.monotonic() - started < 2.5  # the service's timeout is one second
    assert response.status_code == 500
    assert response.json()["type"] == "Server.ServerProxy.NetworkError"
    [logged] = wait_for_log(1)
    assert logged.fault_code == "Server.ServerProxy.NetworkError"


def test_provider_returning_garbage(systems, gw):
    systems.grant("/garbage")
    response = gw.get(systems.path("/garbage"), headers=systems.headers())
    assert response.status_code == 500
    assert response.json()["type"] == "Server.ServerProxy.ServiceFailed"


def test_provider_unreachable(systems, gw, provider_url):
    systems.grant("/people/{id}")
    type(systems.service).objects.filter(pk=systems.service.pk).update(provider_url="http://127.0.0.1:9")
    response = gw.get(systems.path("/people/1"), headers=systems.headers())
    assert response.json()["type"] == "Server.ServerProxy.NetworkError"


def test_large_body_streams_and_oversized_body_is_refused(systems, gw):
    systems.grant("/echo")
    payload = os.urandom(900 * 1024)

    def chunks(data: bytes):
        for start in range(0, len(data), 64 * 1024):
            yield data[start : start + 64 * 1024]

    ok = gw.post(systems.path("/echo"), headers=systems.headers(), content=chunks(payload))
    assert ok.status_code == 200, ok.text
    assert ok.json()["size"] == len(payload)
    declared = gw.post(systems.path("/echo"), headers=systems.headers(), content=os.urandom(1024 * 1024 + 1))
    assert declared.status_code == 413
    assert declared.json()["type"] == "Client.BadRequest"
    streamed = gw.post(
        systems.path("/echo"), headers=systems.headers(), content=chunks(os.urandom(1100 * 1024))
    )
    assert streamed.status_code == 413
    rows = wait_for_log(3)
    assert rows[0].request_size == len(payload)
    assert rows[0].request_body == ""  # over LGSP_LOG_BODY_LIMIT: hash only


def raw_request(port: int, head: bytes) -> bytes:
    """Send bytes no HTTP client library would send, and read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def test_a_1_gb_body_is_refused_before_it_is_read_and_logged(systems, gateway, settings):
    """A client announcing 1 GB (over ``LGSP_MAX_BODY``) is answered 413 at once: the body is not
    read, nothing reaches the provider, and the refusal is in the log."""
    systems.grant("/echo")
    headers = systems.headers()
    head = (
        f"POST {systems.path('/echo')} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n"
        f"X-Road-Client: {headers['X-Road-Client']}\r\nAuthorization: {headers['Authorization']}\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Length: {1024**3}\r\n\r\n"
    ).encode()
    started = time.monotonic()
    answer = raw_request(gateway.port, head + os.urandom(64 * 1024))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"type": "Client.BadRequest"' in answer and time.monotonic() - started < 10
    [row] = wait_for_log(1)
    assert (row.status_code, row.fault_code, row.request_size) == (413, "Client.BadRequest", 0)
    assert verify_log().intact


def test_header_injection_is_refused(systems, gateway, gw):
    """Control characters never reach the provider: raw CR/LF or other controls in a header are
    refused by the HTTP parser (400), percent-encoded ones by the gateway (Client.BadRequest)."""
    systems.grant("/people/{id}")
    headers = systems.headers()
    for injected in (
        b"X-Road-Issue: H20\x0bX-Evil: 1",
        b"X-Road-UserId: VN1\x01",
        b"X-Road-Issue: a\rX-Evil: 1",
    ):
        head = (
            f"GET {systems.path('/people/1')} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n"
            f"X-Road-Client: {headers['X-Road-Client']}\r\nAuthorization: {headers['Authorization']}\r\n"
        ).encode()
        answer = raw_request(gateway.port, head + injected + b"\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 400"), answer
    for headers in (
        {**systems.headers(), "X-Road-Client": "VN-DT/GOV/H20.201%0d%0aX-Evil:1/MOTCUA"},
        {**systems.headers(), "X-Road-Issue": "a" * 300},
    ):
        response = gw.get(systems.path("/people/1"), headers=headers)
        assert response.status_code == 400, response.text
        assert response.json()["type"] == "Client.BadRequest"
    in_path = gw.get(systems.path("/people/1%0d%0aX-Evil:%201"), headers=systems.headers())
    assert in_path.status_code == 400
    assert in_path.json()["type"] == "Client.BadRequest"


def test_malformed_requests(systems, gw):
    for path, headers in (
        ("/r1/VN-DT/GOV", systems.headers()),
        ("/r2/x", systems.headers()),
        (systems.path("/people/1"), {"Authorization": systems.headers()["Authorization"]}),
        (systems.path("/people/1"), {**systems.headers(), "X-Road-Client": "VN-DT/GOV"}),
    ):
        response = gw.get(path, headers=headers)
        assert response.status_code == 400, path
        assert response.json()["type"] == "Client.BadRequest"
    unknown = gw.get(f"/r1/{systems.provider.identifier}/nothing-here/x", headers=systems.headers())
    assert unknown.json()["type"] == "Server.ServerProxy.UnknownService"


def test_rate_limit(systems, gw):
    systems.grant("/people/{id}")
    Subsystem.objects.filter(pk=systems.consumer.pk).update(rate_per_minute=2)
    codes = [gw.get(systems.path("/people/1"), headers=systems.headers()).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_metaservices(systems, gw):
    systems.grant("/people/{id}")
    provider = f"/r1/{systems.provider.identifier}"
    listed = gw.get(f"{provider}/listMethods", headers=systems.headers()).json()
    [service] = listed["service"]
    assert service["service_code"] == "tra-cuu-dan-cu"
    assert {"method": "POST", "path": "/echo"} in service["endpoint_list"]
    allowed = gw.get(f"{provider}/allowedMethods", headers=systems.headers()).json()
    assert allowed["service"][0]["endpoint_list"] == [{"method": "GET", "path": "/people/{id}"}]
    openapi = gw.get(f"{provider}/getOpenAPI?serviceCode=tra-cuu-dan-cu", headers=systems.headers())
    assert openapi.json()["info"]["title"] == "Tra cứu dân cư"
    clients = gw.get("/r1/VN-DT/listClients", headers=systems.headers()).json()
    codes = {entry["id"].get("subsystem_code") for entry in clients["member"]}
    assert {"MOTCUA", "DANCU"} <= codes
    anonymous = gw.get(f"{provider}/listMethods", headers={"X-Road-Client": systems.consumer.identifier})
    assert anonymous.json()["type"] == "Server.ClientProxy.SslAuthenticationFailed"


def test_personal_data_bodies_are_hashed_only(systems, gw):
    type(systems.service).objects.filter(pk=systems.service.pk).update(
        classification=DataClassification.PERSONAL
    )
    systems.grant("/people/{id}")
    response = gw.get(systems.path("/people/087095001234"), headers=systems.headers())
    [logged] = wait_for_log(1)
    assert logged.response_body == "" and logged.request_body == ""
    import hashlib

    assert logged.response_hash == hashlib.sha256(response.content).hexdigest()


def test_verifier_detects_a_tampered_entry(systems, gw):
    systems.grant("/people/{id}")
    for _ in range(3):
        gw.get(systems.path("/people/1"), headers=systems.headers())
    rows = wait_for_log(3)
    anchor = anchor_log()
    assert anchor is not None and anchor.last_sequence == 3
    assert anchor_log() is None  # nothing new to anchor
    out = io.StringIO()
    call_command("verify_exchange_log", stdout=out)
    assert "3" in out.getvalue()
    with (
        connection.cursor() as cursor,
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
    ):
        cursor.execute("UPDATE lgsp_exchange SET status_code = 404 WHERE sequence = 2")
    with connection.cursor() as cursor:  # a database superuser edits a row behind the platform's back
        cursor.execute("ALTER TABLE lgsp_exchange DISABLE TRIGGER USER")
        cursor.execute("UPDATE lgsp_exchange SET status_code = 404 WHERE sequence = 2")
    report = verify_log()
    assert not report.intact
    with translation.override("en"):
        assert verify_log().broken == "Exchange 2: content does not match its hash."
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="2"):
        call_command("verify_exchange_log")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE lgsp_exchange SET status_code = 200 WHERE sequence = 2")
        cursor.execute("DELETE FROM lgsp_exchange WHERE sequence = 3")
        cursor.execute("ALTER TABLE lgsp_exchange ENABLE TRIGGER USER")
    with translation.override("en"):
        assert (
            verify_log().broken == f"Anchor #{anchor.pk}: the exchange 3 it anchored is missing or changed."
        )
    assert rows[2].sequence == 3


def test_exchange_rows_cannot_be_changed_through_the_orm(systems, gw):
    from tinhso.audit.models import AppendOnlyError

    systems.grant("/people/{id}")
    gw.get(systems.path("/people/1"), headers=systems.headers())
    [logged] = wait_for_log(1)
    with pytest.raises(AppendOnlyError):
        Exchange.objects.filter(pk=logged.pk).update(status_code=1)
    with pytest.raises(AppendOnlyError):
        logged.delete()


def test_client_module_calls_through_the_gateway(systems, gateway):
    from cryptography.hazmat.primitives import serialization

    from tinhso.lgsp.client import GatewayError, call

    systems.grant("/people/{id}")
    key = systems.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    options = {"client": systems.consumer.identifier, "private_key_pem": key, "gateway_url": gateway.url}
    response = call(
        systems.service.identifier, "/people/42", user_id="VN087095001234", issue="HS-1", **options
    )
    assert response.json()["id"] == "42"
    assert response.json()["headers"]["x-road-issue"] == "HS-1"
    with pytest.raises(GatewayError) as refused:
        call(systems.service.identifier, "/echo", method="POST", json={}, **options)
    assert refused.value.kind == "Server.ServerProxy.AccessDenied"


def test_try_it_calls_a_public_service_through_the_gateway(systems, gateway, settings, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from django.test import Client
    from django.urls import reverse

    from tinhso.testing import signed_in

    key = tmp_path / "client.pem"
    key.write_bytes(
        systems.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    settings.LGSP_CLIENT, settings.LGSP_CLIENT_KEY_FILE = systems.consumer.identifier, str(key)
    settings.LGSP_GATEWAY_URL = gateway.url
    systems.grant("/people/{id}")
    browser = signed_in(Client(), systems.requester)
    url = reverse("lgsp:try", args=[systems.service.pk])
    assert browser.post(url, {"path": "/people/7"}).status_code == 403  # internal data: no trying
    type(systems.service).objects.filter(pk=systems.service.pk).update(
        classification=DataClassification.PUBLIC
    )
    page = browser.get(reverse("lgsp:service", args=[systems.service.pk])).content.decode()
    assert reverse("lgsp:try", args=[systems.service.pk]) in page
    answer = browser.post(url, {"path": "/people/7"}).content.decode()
    assert "Nguyễn Văn An" in answer and "200" in answer
    refused = browser.post(url, {"path": "/echo"}).content.decode()
    assert "Server.ServerProxy.AccessDenied" in refused
    rows = wait_for_log(2)
    assert rows[0].issue == "TRY-IT"
    assert Client().post(url, {"path": "/people/7"}).status_code == 302  # sign in first


def test_daily_quota(systems, gw):
    systems.grant("/people/{id}")
    Subsystem.objects.filter(pk=systems.consumer.pk).update(quota_per_day=1)
    assert gw.get(systems.path("/people/1"), headers=systems.headers()).status_code == 200
    refused = gw.get(systems.path("/people/1"), headers=systems.headers())
    assert refused.status_code == 429
    assert refused.json()["type"] == "Server.ClientProxy.QuotaExceeded"


def test_anchoring_forgets_expired_assertion_ids(systems, gw):
    from tinhso.lgsp.models import ExchangeAnchor, UsedAssertion

    systems.grant("/people/{id}")
    gw.get(systems.path("/people/1"), headers=systems.headers())
    wait_for_log(1)
    UsedAssertion.objects.create(client=systems.consumer, jti="old-assertion", expires_at=timezone.now())
    call_command("anchor_exchange_log", stdout=io.StringIO())
    assert ExchangeAnchor.objects.count() == 1
    assert not UsedAssertion.objects.filter(jti="old-assertion").exists()


def test_log_rows_wait_out_a_database_failure(systems, gw):
    """While the log's table cannot be written, calls go on and their rows are kept; they are
    written, chained in order, once it can."""
    systems.grant("/people/{id}")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE lgsp_exchange RENAME TO lgsp_exchange_away")
    try:
        for person in ("1", "2"):
            assert gw.get(systems.path(f"/people/{person}"), headers=systems.headers()).status_code == 200
        time.sleep(1.5)  # the writer has failed at least once
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE lgsp_exchange_away RENAME TO lgsp_exchange")
    rows = wait_for_log(2)
    assert [row.path.rsplit("/", 1)[-1] for row in rows] == ["1", "2"]
    assert verify_log().intact


def test_the_rate_limit_and_quota_hold_across_two_gateway_processes(systems):
    """Two gateway processes, calls alternating between them: the client gets its quota once,
    not once per process, and a refused call is not counted."""
    systems.grant("/people/{id}")
    Subsystem.objects.filter(pk=systems.consumer.pk).update(rate_per_minute=3, quota_per_day=4)
    while time.time() % 60 > 40:  # the three calls and the refused one in one minute
        time.sleep(1)
    with GatewayProcess() as first, GatewayProcess() as second:
        urls = [first.url, second.url] * 3

        def call(url: str) -> httpx.Response:
            return httpx.get(url + systems.path("/people/1"), headers=systems.headers(), timeout=30)

        answers = [call(url) for url in urls[:4]]
        assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
        assert answers[3].json()["type"] == "Server.ClientProxy.RateLimitExceeded"
        assert 1 <= int(answers[3].headers["retry-after"]) <= 60
        ClientUsage.objects.filter(pk=systems.consumer.pk).update(minute=F("minute") - 1)  # a new minute
        answers = [call(url) for url in urls[:3]]
        assert [answer.status_code for answer in answers] == [200, 429, 429]
        assert {answer.json()["type"] for answer in answers[1:]} == {"Server.ClientProxy.QuotaExceeded"}
    usage = ClientUsage.objects.get(pk=systems.consumer.pk)
    assert (usage.minute_calls, usage.day_calls) == (1, 4)
    rows = wait_for_log(7)  # every call, admitted or refused, is in the log
    assert sorted(row.status_code for row in rows) == [200] * 4 + [429] * 3
    assert verify_log().intact


def test_retention_deletes_the_log_up_to_an_anchor_before_the_period_and_it_still_verifies(
    systems, gw, settings
):
    """The retention job deletes the exchange rows up to the last anchor made before the period
    (the anchors stay); what is kept verifies, and a row removed after the anchor is detected."""
    settings.RETENTION_DAYS = {**settings.RETENTION_DAYS, "exchange_log": 365}
    systems.grant("/people/{id}")
    for person in ("1", "2"):
        gw.get(systems.path(f"/people/{person}"), headers=systems.headers())
    wait_for_log(2)
    anchor_log()
    gw.get(systems.path("/people/3"), headers=systems.headers())
    wait_for_log(3)
    later = anchor_log()
    # a year on, just before the second anchor is past the period: the first one is
    now = later.created_at + datetime.timedelta(days=365) - datetime.timedelta(microseconds=1)
    assert retention.apply(now=now, dry_run=True)["exchange_log"] == 2
    assert retention.apply(now=now)["exchange_log"] == 2
    assert list(Exchange.objects.values_list("sequence", flat=True)) == [3]
    assert ExchangeAnchor.objects.count() == 2
    report = verify_log()
    assert report.intact and report.exchanges == 1 and report.anchors == 2
    assert AuditEntry.objects.filter(action="lgsp.prune_exchange_log").count() == 1
    with pytest.raises(DatabaseError), transaction.atomic():  # outside retention, still refused
        Exchange.objects.filter(sequence=3)._raw_delete(connection.alias)
    with connection.cursor() as cursor:  # a row deleted past the anchor is found
        cursor.execute("ALTER TABLE lgsp_exchange DISABLE TRIGGER lgsp_exchange_append_only")
        cursor.execute("DELETE FROM lgsp_exchange WHERE sequence = 3")
        cursor.execute("ALTER TABLE lgsp_exchange ENABLE TRIGGER lgsp_exchange_append_only")
    assert not verify_log().intact


def test_providers_are_asked_for_plain_bodies_that_the_log_can_keep(systems, gw):
    """A provider that compresses for whoever accepts it (tinhso itself) answers the gateway plain."""
    systems.grant("/people/{id}")
    response = gw.get(
        systems.path("/people/087095001234"), headers={**systems.headers(), "Accept-Encoding": "gzip"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["headers"]["accept-encoding"] == "identity"
