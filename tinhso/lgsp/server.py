"""Running the gateway on uvicorn (``manage.py run_gateway``), with TLS and client certificates.

uvicorn does not fill ASGI's TLS extension, so ``ClientCertificateH11`` adds the client's
certificate to the scope of each request of a TLS connection (``extensions.tls.client_cert_chain``,
PEM), which the gateway checks against the fingerprint registered for the client.
"""

import ssl
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from tinhso.lgsp.gateway import Gateway


class ClientCertificateH11(H11Protocol):
    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if der:
            app, pem = self.app, ssl.DER_cert_to_PEM_cert(der)

            async def with_certificate(scope: dict, receive: Any, send: Any) -> None:
                scope.setdefault("extensions", {})["tls"] = {"client_cert_chain": [pem]}
                await app(scope, receive, send)

            self.app = with_certificate


def config(
    port: int,
    host: str = "127.0.0.1",
    *,
    certfile: str = "",
    keyfile: str = "",
    client_ca: str = "",
    gateway: Gateway | None = None,
) -> uvicorn.Config:
    """The uvicorn configuration: plain HTTP, or TLS asking for (not requiring) a client
    certificate issued by ``client_ca`` when ``certfile`` is given."""
    tls: dict[str, Any] = {}
    if certfile:
        tls = {"ssl_certfile": certfile, "ssl_keyfile": keyfile or None}
        if client_ca:
            tls |= {"ssl_ca_certs": client_ca, "ssl_cert_reqs": ssl.CERT_OPTIONAL}
    return uvicorn.Config(
        gateway or Gateway(),
        host=host,
        port=port,
        http=ClientCertificateH11,
        lifespan="on",
        log_level="warning",
        access_log=False,
        backlog=2048,
        server_header=False,
        date_header=False,
        **tls,
    )
