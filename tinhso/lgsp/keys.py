"""A client system's signing key for its JWT client assertions, kept in a file of its own."""

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def public_key_pem(key_file: Path) -> str:
    """The public key (PEM) of the ES256 private key in ``key_file``, made first (readable by its
    owner only) when the file does not exist."""
    if not key_file.exists():
        private = ec.generate_private_key(ec.SECP256R1())
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_bytes(
            private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_file.chmod(0o600)
    private_key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
