"""Calling a service through the gateway, for the platform's own systems (e.g. the population
lookup of ``tinhso.national``)::

    from tinhso.lgsp.client import GatewayError, call

    response = call("VN-DT/GOV/H20.202.01/DANCU/tra-cuu-dan-cu", "/people/087095001234",
                    user_id="VN087095001234", issue=dossier.code)
    person = response.json()

The caller is the subsystem ``LGSP_CLIENT`` (``INSTANCE/CLASS/MEMBER/SUBSYSTEM``), proving itself
with a fresh signed JWT client assertion made with the private key in ``LGSP_CLIENT_KEY_FILE``
(PEM, P-256 for ES256 or RSA for RS256); the gateway is at ``LGSP_GATEWAY_URL``. A provider's
answer, whatever its status, is returned; an error of the gateway itself (no grant, provider
unreachable, …) raises ``GatewayError`` with X-Road's ``type``, ``message`` and ``detail``.
"""

import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

from tinhso.lgsp.gateway import audience


class GatewayError(Exception):
    def __init__(self, kind: str, message: str, detail: str, status: int):
        super().__init__(f"{kind}: {message}")
        self.kind, self.message, self.detail, self.status = kind, message, detail, status


def client_assertion(client: str, private_key_pem: bytes, lifetime: int = 60) -> str:
    """A signed JWT client assertion of ``client`` for the gateway (RFC 7523), used once."""
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    elliptic = isinstance(key, ec.EllipticCurvePrivateKey)
    jwk = ECKey.import_key(private_key_pem) if elliptic else RSAKey.import_key(private_key_pem)
    now = int(time.time())
    claims = {"iss": client, "sub": client, "aud": audience(), "iat": now, "exp": now + lifetime}
    claims["jti"] = str(uuid.uuid4())
    return jwt.encode({"alg": "ES256" if elliptic else "RS256"}, claims, jwk)


def call(
    service: str,
    path: str = "/",
    *,
    method: str = "GET",
    user_id: str = "",
    issue: str = "",
    json: Any = None,
    content: bytes | None = None,
    params: dict | None = None,
    client: str = "",
    private_key_pem: bytes | None = None,
    gateway_url: str = "",
    timeout: float = 30,
) -> httpx.Response:
    """Call ``path`` of ``service`` (``INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE``) through the
    gateway; the defaults of ``client``, ``private_key_pem`` and ``gateway_url`` are the settings."""
    client = client or settings.LGSP_CLIENT
    if private_key_pem is None:
        private_key_pem = Path(settings.LGSP_CLIENT_KEY_FILE).read_bytes()
    base = (gateway_url or settings.LGSP_GATEWAY_URL).rstrip("/")
    identifier = "/".join(quote(part, safe="") for part in service.split("/"))
    headers = {
        "X-Road-Client": client,
        "Authorization": f"Bearer {client_assertion(client, private_key_pem)}",
    }
    if user_id:
        headers["X-Road-UserId"] = user_id
    if issue:
        headers["X-Road-Issue"] = issue
    response = httpx.request(
        method,
        f"{base}/r1/{identifier}/{path.lstrip('/')}",
        headers=headers,
        json=json,
        content=content,
        params=params,
        timeout=timeout,
    )
    if "x-road-error" in response.headers:
        fault = response.json()
        raise GatewayError(
            fault.get("type", ""), fault.get("message", ""), fault.get("detail", ""), response.status_code
        )
    return response
