"""The project's local demo certification authority (for the demo and the tests only).

``demo_root_certificate()`` makes the root (created once, audited, by
``tinhso.signing.actions.demo_ca``); ``issue_certificate`` makes an
agency's signing certificate issued by it (stored and audited by
``tinhso.signing.actions.issue_agency_certificate``) (subject CN = agency name, O = the top agency,
L = the province, C = VN; key usage digitalSignature + nonRepudiation). A real installation
imports the certificates issued by a licensed CA instead.
"""

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils import timezone

from tinhso.signing import keys
from tinhso.signing.models import TrustRoot

CA_YEARS = 10
AGENCY_YEARS = 3
MAX_NAME = 64  # RFC 5280 upper bound for CN, O and L, counted in UTF-8 bytes by cryptography


def _fit(value: str) -> str:
    """Cut ``value`` to at most MAX_NAME UTF-8 bytes without splitting a character."""
    return value.encode()[:MAX_NAME].decode(errors="ignore")


def _attribute(oid, value: str) -> x509.NameAttribute:
    return x509.NameAttribute(oid, _fit(value))


def _new_key():
    """ECDSA P-256: as strong as RSA-3072, and fast enough to give every demo agency a key."""
    return ec.generate_private_key(ec.SECP256R1())


def demo_ca_name() -> str:
    return f"CA thử nghiệm {settings.PLATFORM_NAME}"


def demo_root_certificate() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A new self-signed root certificate for the demo CA and its key (stored and audited by
    ``tinhso.signing.actions.demo_ca``)."""
    key = _new_key()
    name = x509.Name(
        [
            _attribute(NameOID.COUNTRY_NAME, "VN"),
            _attribute(NameOID.ORGANIZATION_NAME, settings.PLATFORM_NAME),
            _attribute(NameOID.COMMON_NAME, demo_ca_name()),
        ]
    )
    now = timezone.now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate, key


def _province_name(agency) -> str:
    unit = agency.unit
    while unit.parent_id is not None:
        unit = unit.parent
    return unit.name


def agency_subject(agency) -> x509.Name:
    ancestors = agency.ancestors()
    top = ancestors[0] if ancestors else agency
    organization = top.name if _fit(top.name) == top.name else top.short_name
    return x509.Name(
        [
            _attribute(NameOID.COUNTRY_NAME, "VN"),
            _attribute(NameOID.LOCALITY_NAME, _province_name(agency)),
            _attribute(NameOID.ORGANIZATION_NAME, organization),
            _attribute(NameOID.ORGANIZATIONAL_UNIT_NAME, agency.code),
            _attribute(
                NameOID.COMMON_NAME, agency.name if _fit(agency.name) == agency.name else agency.short_name
            ),
        ]
    )


def issue_certificate(
    agency,
    issuer: TrustRoot,
    not_before: datetime.datetime | None = None,
    not_after: datetime.datetime | None = None,
):
    """(certificate, private key) for ``agency`` signed by ``issuer`` (which must hold its key)."""
    issuer_key = keys.decrypt_private_key(issuer.private_key_encrypted)
    issuer_certificate = issuer.certificate
    key = _new_key()
    not_before = not_before or timezone.now() - datetime.timedelta(minutes=5)
    not_after = not_after or min(
        not_before + datetime.timedelta(days=365 * AGENCY_YEARS), issuer_certificate.not_valid_after_utc
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(agency_subject(agency))
        .issuer_name(issuer_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_certificate.public_key()),
            critical=False,
        )
        .sign(issuer_key, hashes.SHA256())
    )
    return certificate, key
