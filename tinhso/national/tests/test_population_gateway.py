"""The population lookup through the province's gateway (issue 21: "through the gateway, logged
with the dossier as the issue"): the local population database registered as a personal-data
service, the platform's own subsystem granted its lookup, a real ``run_gateway`` process in
between. The call is in the exchange log, in the operational records and on the citizen's
account page; a revoked grant or a missing key stops it with a clear error."""

import datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone

from tinhso.lgsp import actions as lgsp_actions
from tinhso.lgsp import operations
from tinhso.lgsp.exchange_log import verify_log
from tinhso.lgsp.models import Exchange, Grant
from tinhso.lgsp.tests.conftest import wait_for_log
from tinhso.lgsp.tests.processes import GatewayProcess
from tinhso.motcua.tests.fixtures import submit
from tinhso.national import actions, population_server, portal_server

LOOKUP = "/ket-noi-quoc-gia/dan-cu/ho-so/{}/"


@pytest.fixture
def through_gateway(transactional_db, settings, province, tmp_path):
    """The local population database behind a gateway process, the settings pointing at its r1
    address with the platform's key."""
    key = ec.generate_private_key(ec.SECP256R1())
    key_file = tmp_path / "platform.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    app = population_server.LocalPopulation(population_server.DEMO_CITIZENS, [])
    server = portal_server.serve(app, name="local-population")
    service, platform = actions.register_population_service(
        province["agencies"]["province"], f"http://127.0.0.1:{server.server_port}", public.decode()
    )
    app.clients.add(platform.identifier)  # the database answers the platform's calls only
    with GatewayProcess() as gateway:
        settings.POPULATION_DB_URL = f"{gateway.url}/r1/{service.identifier}"
        settings.POPULATION_XROAD_CLIENT = platform.identifier
        settings.POPULATION_XROAD_KEY_FILE = str(key_file)
        settings.POPULATION_DB_TIMEOUT = 10
        yield app, service, platform
    server.shutdown()
    server.server_close()


def test_the_officers_lookup_goes_through_the_gateway_and_is_logged_with_the_dossier(
    through_gateway, citizen, procedure, desk, officer, signed_in
):
    app, service, platform = through_gateway
    dossier = submit(citizen, procedure, desk)
    since = timezone.now()
    response = signed_in(officer).post(LOOKUP.format(dossier.pk))
    assert response.status_code == 200
    assert "Nguyễn Văn An" in response.content.decode()
    assert app.calls == [
        {
            "client": platform.identifier,
            "userId": "VNmotcua.mytho",
            "issue": dossier.submission_reference,
            "number": "087095001234",
        }
    ]
    [row] = wait_for_log(1)
    assert (row.client, row.service, row.method) == (platform.identifier, service.identifier, "GET")
    assert (row.user_id, row.issue, row.status_code, row.succeeded) == (
        "VNmotcua.mytho",
        dossier.submission_reference,
        200,
        True,
    )
    assert row.path.endswith("/citizens/087095001234")
    # personal data: the log keeps the hashes, not the bodies
    assert row.response_body == "" and row.response_size > 0 and len(row.response_hash) == 64
    assert verify_log().intact
    [record] = operations.records(since, timezone.now() + datetime.timedelta(seconds=1))
    assert record.pk == row.pk and record.service_code == "tra-cuu-dan-cu"
    [health] = [item for item in operations.health() if item["service"] == service]
    assert health["successes"] == 1 and health["last_success"] is not None
    signed_in(citizen)
    page = signed_in(citizen).get("/tai-khoan/").content.decode()
    assert "Tra cứu thông tin công dân" in page and dossier.submission_reference in page


def test_a_revoked_grant_or_a_missing_key_stops_the_lookup_with_a_clear_error(
    through_gateway, settings, citizen, procedure, desk, officer, signed_in
):
    app, _service, platform = through_gateway
    dossier = submit(citizen, procedure, desk)
    key_file = settings.POPULATION_XROAD_KEY_FILE
    settings.POPULATION_XROAD_KEY_FILE = ""  # no client assertion: the gateway does not know who asks
    response = signed_in(officer).post(LOOKUP.format(dossier.pk))
    assert response.status_code == 502 and "SslAuthenticationFailed" in response.content.decode()
    settings.POPULATION_XROAD_KEY_FILE = "/nonexistent/platform.pem"
    response = signed_in(officer).post(LOOKUP.format(dossier.pk))
    assert response.status_code == 502
    assert "Không đọc được khóa của nền tảng" in response.content.decode()
    settings.POPULATION_XROAD_KEY_FILE = key_file
    for grant in Grant.objects.filter(client=platform):
        lgsp_actions.revoke_grant(None, grant)
    response = signed_in(officer).post(LOOKUP.format(dossier.pk))
    assert response.status_code == 502 and "AccessDenied" in response.content.decode()
    assert app.calls == []  # nothing reached the database
    rows = wait_for_log(2)
    assert [row.fault_code for row in rows] == [
        "Server.ClientProxy.SslAuthenticationFailed",
        "Server.ServerProxy.AccessDenied",
    ]
    assert all(row.issue == dossier.submission_reference for row in rows)
    assert not Exchange.objects.filter(succeeded=True).exists()
