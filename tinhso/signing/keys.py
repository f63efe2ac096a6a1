"""Private keys at rest and X.509 helpers.

Private keys are kept in the database encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a
key derived with HKDF-SHA256 from ``settings.SECRET_KEY``; keys encrypted under one of
``settings.SECRET_KEY_FALLBACKS`` still decrypt, so the secret can be rotated (re-save the
certificates afterwards). Anyone holding the database AND the secret key can sign: production
should keep agency keys in a PKCS#11 HSM or USB token (pyHanko's ``PKCS11Signer``), which is why
``AgencyCertificate.signer()`` is the only place a signer is built.
"""

import base64
import hashlib

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

HKDF_SALT = b"tinhso.signing"
HKDF_INFO = b"private keys at rest"


def _fernet(secret: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=HKDF_INFO).derive(
        secret.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _keyring() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(secret) for secret in secrets])


def encrypt_private_key(private_key) -> str:
    """A ``cryptography`` private key as an encrypted token (PKCS#8 DER inside)."""
    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _keyring().encrypt(der).decode("ascii")


def decrypt_private_key(token: str):
    """The ``cryptography`` private key inside a token made by ``encrypt_private_key``."""
    der = _keyring().decrypt(token.encode("ascii"))
    return serialization.load_der_private_key(der, password=None)


def private_key_info(private_key) -> asn1_keys.PrivateKeyInfo:
    """The key as pyHanko wants it."""
    der = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return asn1_keys.PrivateKeyInfo.load(der)


def load_certificate(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode("ascii"))


def certificate_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def asn1_certificate(pem: str) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(load_certificate(pem).public_bytes(serialization.Encoding.DER))


def fingerprint(der: bytes) -> str:
    """SHA-256 of a DER certificate, lower-case hex."""
    return hashlib.sha256(der).hexdigest()


def pem_fingerprint(pem: str) -> str:
    return fingerprint(load_certificate(pem).public_bytes(serialization.Encoding.DER))
