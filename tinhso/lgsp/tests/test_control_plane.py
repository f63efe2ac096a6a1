"""The catalogue and the grants: actions (permission, audit, event), pages and API."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tinhso import testing as factories
from tinhso.accounts.actions import issue_api_token
from tinhso.agencies.models import Agency
from tinhso.audit.models import AuditEntry
from tinhso.dossiers.models import Dossier
from tinhso.lgsp import actions
from tinhso.lgsp.models import DataClassification, Endpoint, Exchange, Grant, LgspEvent, MemberClass, Service
from tinhso.lgsp.tests.conftest import OPENAPI, Systems
from tinhso.testing import signed_in


@pytest.fixture
def systems(db):
    return Systems("http://127.0.0.1:9")


def test_the_catalogue_is_built_through_audited_actions(systems):
    assert {e.path for e in systems.service.endpoints.all()} == {"/people/{id}", "/echo", "/hang", "/garbage"}
    assert systems.provider.member.identifier == "VN-DT/GOV/H20.202.01"
    kinds = list(LgspEvent.objects.values_list("kind", flat=True))
    assert kinds.count("member_registered") == 2 and "service_registered" in kinds
    assert AuditEntry.objects.filter(action="lgsp.register_service").count() == 1
    grants = systems.grant("/people/{id}")
    assert AuditEntry.objects.filter(action="lgsp.approve_access").count() == 1
    assert LgspEvent.objects.filter(kind="granted").count() == 1
    actions.revoke_grant(systems.owner, grants[0])
    assert Grant.objects.get(pk=grants[0].pk).revoked_at is not None
    assert AuditEntry.objects.filter(action="lgsp.revoke_grant").count() == 1


def test_only_the_owner_decides_and_only_the_member_asks(systems):
    endpoint = systems.service.endpoints.get(path="/echo")
    with pytest.raises(PermissionDenied):
        actions.request_access(systems.owner, systems.consumer, [endpoint], "x")
    access = actions.request_access(systems.requester, systems.consumer, [endpoint], "Giải quyết hồ sơ")
    later = timezone.now() + datetime.timedelta(days=10)
    with pytest.raises(PermissionDenied):
        actions.approve_access(systems.requester, access, later)
    citizen = factories.make_citizen()
    with pytest.raises(PermissionDenied):
        actions.register_member(citizen, MemberClass.COM, "0312345678", "Công ty A")
    assert not Grant.objects.exists()
    [grant] = actions.approve_access(systems.owner, access, later)
    with pytest.raises(PermissionDenied):
        actions.revoke_grant(systems.requester, grant)
    with pytest.raises(ValidationError):
        actions.approve_access(systems.owner, access, later)  # already decided


@pytest.mark.parametrize(
    "changes",
    [
        {"openapi": {"swagger": "2.0"}},
        {"openapi": {**OPENAPI, "paths": {"people": {}}}},
        {"provider_url": "ftp://x"},
        {"code": "bad code/with slash"},
        {"classification": "secret"},
        {"legal_basis": "  "},
        {"timeout_seconds": 0},
    ],
)
def test_bad_services_are_refused(systems, changes):
    values = {
        "code": "khac",
        "title": "Khác",
        "provider_url": "http://127.0.0.1:9",
        "classification": DataClassification.PUBLIC,
        "legal_basis": "Nghị định 47/2024/NĐ-CP",
        "openapi": OPENAPI,
        **changes,
    }
    with pytest.raises(ValidationError):
        actions.register_service(systems.owner, systems.provider, **values)
    assert Service.objects.count() == 1


def test_bad_credentials_and_grants_are_refused(systems):
    with pytest.raises(ValidationError):
        actions.set_credentials(systems.requester, systems.consumer, public_key_pem="not a key")
    with pytest.raises(ValidationError):
        actions.set_credentials(systems.requester, systems.consumer, tls_fingerprint="abc")
    pem = systems.consumer.public_key_pem
    with pytest.raises(ValidationError):
        actions.set_credentials(
            systems.requester, systems.consumer, public_key_pem=pem, key_algorithm="RS256"
        )
    endpoint = systems.service.endpoints.get(path="/echo")
    access = actions.request_access(systems.requester, systems.consumer, [endpoint], "x")
    for when in (timezone.now() - datetime.timedelta(days=1), timezone.now() + datetime.timedelta(days=400)):
        with pytest.raises(ValidationError):
            actions.approve_access(systems.owner, access, when)
    with pytest.raises(ValidationError):
        actions.request_access(systems.requester, systems.consumer, [], "x")
    with pytest.raises(ValidationError):
        actions.reject_access(systems.owner, access, "")
    assert not Grant.objects.exists()


def test_endpoint_patterns():
    def match(pattern_method, pattern_path, method, path):
        return Endpoint(method=pattern_method, path=pattern_path).matches(method, path)

    assert match("GET", "/people/{id}", "GET", "/people/1")
    assert not match("GET", "/people/{id}", "GET", "/people/")
    assert not match("GET", "/people/{id}", "POST", "/people/1")
    assert match("*", "/docs/**", "PUT", "/docs/a/b")
    assert not match("*", "/docs/**", "PUT", "/docsx")
    assert match("GET", "/**", "GET", "/anything/at/all")


def test_public_catalogue_and_service_pages(systems, client):
    page = client.get(reverse("lgsp:catalogue"))
    assert page.status_code == 200
    assert "Tra cứu thông tin công dân" in page.content.decode()
    detail = client.get(reverse("lgsp:service", args=[systems.service.pk]))
    assert detail.status_code == 200
    assert "Nghị định 47/2024/NĐ-CP" in detail.content.decode()
    assert 'name="purpose"' not in detail.content.decode()  # anonymous: nothing to ask with
    openapi = client.get(reverse("lgsp:openapi", args=[systems.service.pk]))
    assert openapi.json()["info"]["title"] == "Tra cứu dân cư"
    assert client.post(reverse("lgsp:service", args=[systems.service.pk])).status_code == 403


def test_request_approve_and_revoke_on_the_pages(systems):
    requester, owner = Client(), Client()
    signed_in(requester, systems.requester)
    signed_in(owner, systems.owner)
    endpoint = systems.service.endpoints.get(path="/people/{id}")
    url = reverse("lgsp:service", args=[systems.service.pk])
    refused = requester.post(url, {"client": systems.consumer.pk, "endpoints": [endpoint.pk], "purpose": ""})
    assert refused.status_code == 400
    sent = requester.post(
        url, {"client": systems.consumer.pk, "endpoints": [endpoint.pk], "purpose": "Hồ sơ"}
    )
    assert sent.status_code == 302
    listing = owner.get(reverse("lgsp:requests")).content.decode()
    assert systems.consumer.identifier in listing
    access = systems.consumer.access_requests.get()
    assert (
        requester.post(
            reverse("lgsp:decide", args=[access.pk]), {"decision": "approve", "expires_on": "2099-01-01"}
        ).status_code
        == 302
    )
    assert not Grant.objects.exists()  # the requester may not approve their own request
    day = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    owner.post(reverse("lgsp:decide", args=[access.pk]), {"decision": "approve", "expires_on": day})
    grant = Grant.objects.get()
    assert grant.expires_at.date().isoformat() == day
    owner.post(reverse("lgsp:revoke", args=[grant.pk]))
    assert Grant.objects.get().revoked_at is not None


def test_health_page_is_for_province_administrators(systems):
    officer = Client()
    signed_in(officer, systems.owner)
    assert officer.get(reverse("lgsp:health")).status_code == 403
    admin = factories.make_officer(None, "quantri", name="Quản trị")
    admin.is_superuser = True
    admin.save()
    signed_in(officer, admin)
    assert officer.get(reverse("lgsp:health")).status_code == 200


def test_citizen_sees_who_called_about_them(systems):
    from tinhso.lgsp.exchange_log import append

    now = timezone.now()
    row = {
        "message_id": "m1",
        "client": systems.consumer.identifier,
        "service": systems.service.identifier,
        "service_code": systems.service.code,
        "method": "GET",
        "path": "/r1/x",
        "user_id": "VN087095001234",
        "issue": "H20.201.01-260105-0001",
        "request_in_ts": now,
        "response_out_ts": now,
        "status_code": 200,
        "succeeded": True,
        "request_hash": "0" * 64,
        "response_hash": "0" * 64,
    }
    citizen = factories.make_citizen()
    draft = Dossier.objects.create(
        procedure=factories.make_procedure(),
        receiving_agency=Agency.objects.order_by("pk").first(),
        applicant=citizen,
        is_draft=True,
    )
    append(
        [
            row,
            {**row, "message_id": "m2", "user_id": "VN001099000001", "issue": "OTHER"},
            {**row, "message_id": "m3", "user_id": "", "issue": f"draft-{draft.pk}"},
        ]
    )
    assert Exchange.objects.count() == 3
    browser = Client()
    signed_in(browser, citizen)
    page = browser.get(reverse("accounts:account")).content.decode()
    assert "H20.201.01-260105-0001" in page
    assert "Hệ thống một cửa" in page and "Tra cứu thông tin công dân" in page
    assert "OTHER" not in page
    # The call made while the draft was filled in is named by the draft, not its row number.
    assert "hồ sơ đang soạn “Thủ tục đăng ký khai sinh”" in page and f"draft-{draft.pk}" not in page


def bearer(user) -> dict:
    token, _ = issue_api_token(user, "kiểm thử")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_api_catalogue_and_decisions(systems):
    api = Client()
    listed = api.get("/api/v1/lgsp/services").json()
    assert listed[0]["identifier"] == systems.service.identifier
    endpoint = systems.service.endpoints.get(path="/echo")
    payload = {"client": systems.consumer.identifier, "endpoints": [endpoint.pk], "purpose": "Hồ sơ"}

    def post(url, body, user):
        return api.post(url, json.dumps(body), content_type="application/json", **bearer(user))

    created = post("/api/v1/lgsp/access-requests", payload, systems.requester)
    assert created.status_code == 201, created.content
    assert (
        post("/api/v1/lgsp/access-requests", {**payload, "endpoints": [99999]}, systems.requester).status_code
        == 422
    )
    assert post("/api/v1/lgsp/access-requests", payload, systems.owner).status_code == 403
    url = f"/api/v1/lgsp/access-requests/{created.json()['id']}/approve"
    body = {"expires_at": (timezone.now() + datetime.timedelta(days=5)).isoformat()}
    assert post(url, body, systems.requester).status_code == 403
    approved = post(url, body, systems.owner)
    assert approved.status_code == 200
    assert api.get("/api/v1/lgsp/health", **bearer(systems.owner)).status_code == 403
    revoked = post(f"/api/v1/lgsp/grants/{approved.json()[0]['id']}/revoke", {}, systems.owner)
    assert revoked.status_code == 200
    assert Grant.objects.get().revoked_at is not None
    assert "/api/v1/lgsp/services" in api.get("/api/v1/openapi.json").json()["paths"]


def test_health_and_operational_records_for_administrators(systems):
    from tinhso.lgsp.exchange_log import append

    before = timezone.now() - datetime.timedelta(minutes=5)
    row = {
        "message_id": "m1",
        "client": systems.consumer.identifier,
        "service": systems.service.identifier,
        "service_code": systems.service.code,
        "method": "GET",
        "path": "/r1/x",
        "request_in_ts": before,
        "response_out_ts": before + datetime.timedelta(milliseconds=120),
        "status_code": 200,
        "succeeded": True,
        "request_hash": "0" * 64,
        "response_hash": "0" * 64,
    }
    failed = {**row, "message_id": "m2", "status_code": 500, "succeeded": False, "fault_code": "Server.X"}
    append([row, failed])
    admin = factories.make_officer(None, "quantri", name="Quản trị")
    admin.is_superuser = True
    admin.save()
    api = Client()
    [health] = api.get("/api/v1/lgsp/health", **bearer(admin)).json()
    assert (health["successes"], health["failures"], health["max_ms"]) == (1, 1, 120)
    window = f"records_from={int(before.timestamp()) - 10}&records_to={int(timezone.now().timestamp())}"
    records = api.get(f"/api/v1/lgsp/operational-data?{window}", **bearer(admin)).json()
    assert records["recordsCount"] == 2
    assert [r["fault_code"] for r in records["records"]] == ["", "Server.X"]
    assert api.get(f"/api/v1/lgsp/operational-data?{window}", **bearer(systems.owner)).status_code == 403
    page = signed_in(Client(), admin).get(reverse("lgsp:health")).content.decode()
    assert "Tra cứu thông tin công dân" in page and "Server.X" in page


def test_api_refuses_out_of_range_input_without_failing(systems):
    api = Client()
    endpoint = systems.service.endpoints.get(path="/echo")
    payload = {"client": systems.consumer.identifier, "endpoints": [endpoint.pk, 2**40], "purpose": "Hồ sơ"}
    created = api.post(
        "/api/v1/lgsp/access-requests",
        json.dumps(payload),
        content_type="application/json",
        **bearer(systems.requester),
    )
    assert created.status_code == 422
    admin = factories.make_officer(None, "quantri", name="Quản trị")
    admin.is_superuser = True
    admin.save()
    far = api.get("/api/v1/lgsp/operational-data?records_from=0&records_to=99999999999999", **bearer(admin))
    assert far.status_code == 422
    access = actions.request_access(systems.requester, systems.consumer, [endpoint], "Hồ sơ")
    naive = (timezone.localtime() + datetime.timedelta(days=3)).replace(tzinfo=None).isoformat()
    approved = api.post(
        f"/api/v1/lgsp/access-requests/{access.pk}/approve",
        json.dumps({"expires_at": naive}),
        content_type="application/json",
        **bearer(systems.owner),
    )
    assert approved.status_code == 200, approved.content
