"""Client authentication by TLS client certificate: the gateway on TLS, the certificates issued
by the project's own CA (``tinhso.signing``: the demo root CA and its agency certificates)."""

import datetime
import ipaddress
import ssl

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tinhso.agencies.models import Agency
from tinhso.lgsp import actions
from tinhso.lgsp.tests.conftest import RunningGateway
from tinhso.signing import actions as signing_actions
from tinhso.signing import ca, keys

PEM = serialization.Encoding.PEM


def _write_key(path, key) -> str:
    path.write_bytes(key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return str(path)


def _server_certificate(root, tmp_path) -> tuple[str, str]:
    """A certificate for 127.0.0.1 signed by the demo CA."""
    issuer_key = keys.decrypt_private_key(root.private_key_encrypted)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lgsp-gateway")]))
        .issuer_name(root.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(issuer_key, hashes.SHA256())
    )
    (tmp_path / "server.pem").write_bytes(certificate.public_bytes(PEM))
    return str(tmp_path / "server.pem"), _write_key(tmp_path / "server.key", key)


def _client_files(agency: Agency, root, tmp_path) -> tuple[tuple[str, str], str]:
    certificate, key = ca.issue_certificate(agency, root)
    path = tmp_path / f"{agency.code}.pem"
    path.write_bytes(certificate.public_bytes(PEM))
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex()
    return (str(path), _write_key(tmp_path / f"{agency.code}.key", key)), fingerprint


@pytest.fixture
def tls(systems, tmp_path, transactional_db, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    root = signing_actions.demo_ca()
    (tmp_path / "ca.pem").write_bytes(root.certificate.public_bytes(PEM))
    certfile, keyfile = _server_certificate(root, tmp_path)
    with RunningGateway(certfile=certfile, keyfile=keyfile, client_ca=str(tmp_path / "ca.pem")) as running:
        yield running, root, str(tmp_path / "ca.pem")


def test_client_certificate_authenticates_and_a_wrong_one_is_refused(systems, tls, tmp_path):
    gateway, root, ca_file = tls
    systems.grant("/people/{id}")
    own, fingerprint = _client_files(systems.consumer.member.agency, root, tmp_path)
    other, _ = _client_files(systems.provider.member.agency, root, tmp_path)
    actions.set_credentials(systems.requester, systems.consumer, tls_fingerprint=fingerprint)
    headers = {"X-Road-Client": systems.consumer.identifier}
    url = gateway.url + systems.path("/people/42")

    def context(cert: tuple[str, str] | None) -> ssl.SSLContext:
        made = ssl.create_default_context(cafile=ca_file)
        if cert:
            made.load_cert_chain(*cert)
        return made

    accepted = httpx.get(url, headers=headers, verify=context(own))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["id"] == "42"
    wrong = httpx.get(url, headers=headers, verify=context(other))
    assert wrong.status_code == 500
    assert wrong.json()["type"] == "Server.ClientProxy.SslAuthenticationFailed"
    assert wrong.json()["message"] == "The TLS client certificate is not the client's."
    none = httpx.get(url, headers=headers, verify=context(None))
    assert none.json()["type"] == "Server.ClientProxy.SslAuthenticationFailed"

    foreign_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, systems.consumer.identifier)])
    forged = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(foreign_key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(foreign_key, hashes.SHA256())
    )
    (tmp_path / "forged.pem").write_bytes(forged.public_bytes(PEM))
    forged_files = (str(tmp_path / "forged.pem"), _write_key(tmp_path / "forged.key", foreign_key))
    with pytest.raises(httpx.HTTPError):  # not issued by the CA: the TLS handshake fails
        httpx.get(url, headers=headers, verify=context(forged_files))
