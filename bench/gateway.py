"""The gateway phase's work (issue 21): two systems on the integration platform, the consumer
granted ``GET /healthz`` of a provider that is the platform's own application server, and one
signed client assertion per call (the gateway refuses a ``jti`` twice).

Run inside Django before the gateway phase::

    python -m bench.gateway --out DIR --count N --provider URL

Writes ``DIR/gateway.tsv`` ("assertion<TAB>path", each line used once) and prints a JSON summary
with the consumer's identifier (the ``X-Road-Client`` header) and the path.
"""

import argparse
import datetime
import json
from pathlib import Path

import django


def prepare(out: Path, count: int, provider: str) -> dict:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from django.utils import timezone

    from tinhso.agencies.models import Agency, AgencyKind
    from tinhso.lgsp import actions
    from tinhso.lgsp.client import client_assertion
    from tinhso.lgsp.models import DataClassification, Member, MemberClass

    today = timezone.localdate()
    agencies = Agency.objects.valid_on(today)
    owner_agency = agencies.filter(kind=AgencyKind.PROVINCIAL_PC).order_by("pk").first()
    client_agency = agencies.filter(kind=AgencyKind.DEPARTMENT).order_by("pk").first()
    if owner_agency is None or client_agency is None:
        raise RuntimeError("the benchmark province has no People's Committee or no department")

    def member(agency: Agency) -> Member:
        found = Member.objects.filter(agency=agency).first()
        return found or actions.register_member(None, MemberClass.GOV, "", "", agency=agency)

    stamp = timezone.now().strftime("%H%M%S")
    provider_system = actions.register_subsystem(
        None, member(owner_agency), f"BENCH-P{stamp}", "Bench provider"
    )
    client_system = actions.register_subsystem(
        None,
        member(client_agency),
        f"BENCH-C{stamp}",
        "Bench consumer",
        rate_per_minute=10**9,
        quota_per_day=10**9,
    )
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    actions.set_credentials(None, client_system, public_key_pem=public.decode(), key_algorithm="ES256")
    service = actions.register_service(
        None,
        provider_system,
        code="bench",
        title="Bench provider",
        provider_url=provider,
        classification=DataClassification.INTERNAL,
        legal_basis="benchmark",
        openapi={
            "openapi": "3.0.3",
            "info": {"title": "healthz", "version": "1"},
            "paths": {"/healthz": {"get": {}}},
        },
        timeout_seconds=10,
    )
    access = actions.request_access(None, client_system, list(service.endpoints.all()), "benchmark")
    actions.approve_access(None, access, timezone.now() + datetime.timedelta(days=1))
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = f"/r1/{service.identifier}/healthz"
    with (out / "gateway.tsv").open("w") as tsv:
        for _ in range(count):
            tsv.write(f"{client_assertion(client_system.identifier, private, lifetime=300)}\t{path}\n")
    return {"client": client_system.identifier, "path": path, "assertions": count}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--provider", required=True)
    options = parser.parse_args()
    django.setup()
    print(json.dumps(prepare(options.out, options.count, options.provider)))


if __name__ == "__main__":
    main()
