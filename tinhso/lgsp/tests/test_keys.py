"""A client system's key file: made once, readable by its owner only, the same public key after."""

import stat

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tinhso.lgsp.keys import public_key_pem


def test_the_key_is_made_once_for_its_owner_and_read_again(tmp_path):
    key_file = tmp_path / "keys" / "client.pem"
    first = public_key_pem(key_file)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert public_key_pem(key_file) == first
    public = serialization.load_pem_public_key(first.encode())
    assert isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == "secp256r1"
