"""Business actions of the integration platform's control plane: each checks the permission,
changes the catalogue or the grants, writes the audit entry and the ``LgspEvent`` in one
transaction. Pages, the API, the admin and the demo loader call them.

``register_member``, ``register_subsystem``, ``set_credentials``, ``register_service``: the
catalogue. ``request_access`` → ``approve_access`` (one ``Grant`` per endpoint, with an expiry)
or ``reject_access``; ``revoke_grant`` stops a grant at once (the gateway reads the grants on
every call). Access rights are per REST endpoint (method + path), deny by default, as in X-Road.
"""

import datetime
import hashlib
from collections.abc import Iterable
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts.permissions import Actor, require
from tinhso.agencies.models import Agency
from tinhso.audit.services import record
from tinhso.core.text import nfc
from tinhso.lgsp.models import (
    HTTP_METHODS,
    AccessRequest,
    DataClassification,
    Endpoint,
    Grant,
    KeyAlgorithm,
    LgspEvent,
    Member,
    MemberClass,
    Service,
    Subsystem,
    validate_identifier,
)

# The longest grant: a data-sharing agreement is reviewed at least yearly (an assumption of the
# platform; the provincial LGSP regulations read leave the term to the agreement).
MAX_GRANT = datetime.timedelta(days=366)


def _require(actor: Actor, action: str, obj: object = None) -> None:
    """``actor`` None is the platform itself (a command, the demo loader); a person needs the rule."""
    if actor is not None:
        require(actor, action, obj)


def _user(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _event(
    kind: str, *, service: Service | None = None, subsystem: Subsystem | None = None, **data: Any
) -> None:
    LgspEvent.objects.create(kind=kind, service=service, subsystem=subsystem, data=data)


def register_member(
    actor: Actor,
    member_class: str,
    code: str,
    name: str,
    agency: Agency | None = None,
    request: HttpRequest | None = None,
) -> Member:
    """Admit an agency of the province (its electronic code is its member code, class GOV) or an
    outside organisation."""
    _require(actor, "lgsp.manage_members")
    if agency is not None:
        member_class, code = MemberClass.GOV, agency.code
    if member_class not in MemberClass.values:
        raise ValidationError(_("Unknown member class."))
    code, name = nfc(code).strip(), nfc(name).strip() or (agency.name if agency else "")
    validate_identifier(code)
    if not name:
        raise ValidationError(_("Give the member's name."))
    with transaction.atomic():
        if Member.objects.filter(member_class=member_class, code=code).exists():
            raise ValidationError(_("This member is already registered."))
        member = Member.objects.create(member_class=member_class, code=code, name=name, agency=agency)
        record(actor, "lgsp.register_member", member, {"identifier": member.identifier}, request, new=True)
        _event(LgspEvent.Kind.MEMBER_REGISTERED, identifier=member.identifier)
    return member


def register_subsystem(
    actor: Actor,
    member: Member,
    code: str,
    name: str,
    request: HttpRequest | None = None,
    *,
    rate_per_minute: int = 600,
    quota_per_day: int = 100_000,
) -> Subsystem:
    """A member's information system, with its calls per minute and per day at the gateway."""
    _require(actor, "lgsp.manage_subsystems", member)
    if rate_per_minute < 1 or quota_per_day < 1:
        raise ValidationError(_("The rate limit and the quota must be positive."))
    code, name = nfc(code).strip(), nfc(name).strip()
    validate_identifier(code)
    if not name:
        raise ValidationError(_("Give the system's name."))
    with transaction.atomic():
        if Subsystem.objects.filter(member=member, code=code).exists():
            raise ValidationError(_("This system is already registered."))
        subsystem = Subsystem.objects.create(
            member=member, code=code, name=name, rate_per_minute=rate_per_minute, quota_per_day=quota_per_day
        )
        record(
            actor,
            "lgsp.register_subsystem",
            subsystem,
            {
                "identifier": subsystem.identifier,
                "rate_per_minute": rate_per_minute,
                "quota_per_day": quota_per_day,
            },
            request,
            new=True,
        )
        _event(LgspEvent.Kind.SUBSYSTEM_REGISTERED, subsystem=subsystem, identifier=subsystem.identifier)
    return subsystem


def _checked_public_key(pem: str, algorithm: str) -> str:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except ValueError as error:
        raise ValidationError(_("The public key is not a PEM public key.")) from error
    wanted = rsa.RSAPublicKey if algorithm == KeyAlgorithm.RS256 else ec.EllipticCurvePublicKey
    if not isinstance(key, wanted):
        raise ValidationError(
            _("The public key does not fit the algorithm %(algorithm)s.") % {"algorithm": algorithm}
        )
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < 2048:
        raise ValidationError(_("An RSA key must have at least 2048 bits."))
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name != "secp256r1":
        raise ValidationError(_("An ES256 key must be on the P-256 curve."))
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def set_credentials(
    actor: Actor,
    subsystem: Subsystem,
    *,
    public_key_pem: str = "",
    key_algorithm: str = KeyAlgorithm.ES256,
    tls_fingerprint: str = "",
    request: HttpRequest | None = None,
) -> Subsystem:
    """Register how the system proves itself to the gateway: a public key for signed JWT client
    assertions (RFC 7523) and/or the SHA-256 fingerprint of its TLS client certificate."""
    _require(actor, "lgsp.manage_subsystems", subsystem.member)
    if key_algorithm not in KeyAlgorithm.values:
        raise ValidationError(_("Unknown key algorithm."))
    pem = _checked_public_key(public_key_pem, key_algorithm) if public_key_pem.strip() else ""
    fingerprint = tls_fingerprint.replace(":", "").strip().lower()
    if fingerprint and (
        len(fingerprint) != 64 or any(char not in "0123456789abcdef" for char in fingerprint)
    ):
        raise ValidationError(_("The certificate fingerprint must be 64 hexadecimal digits (SHA-256)."))
    with transaction.atomic():
        subsystem.public_key_pem, subsystem.key_algorithm, subsystem.tls_fingerprint = (
            pem,
            key_algorithm,
            fingerprint,
        )
        subsystem.save(update_fields=["public_key_pem", "key_algorithm", "tls_fingerprint"])
        key_digest = hashlib.sha256(pem.encode()).hexdigest() if pem else ""
        record(
            actor,
            "lgsp.set_credentials",
            subsystem,
            {"key_sha256": key_digest, "algorithm": key_algorithm, "tls_fingerprint": fingerprint},
            request,
        )
        _event(LgspEvent.Kind.CREDENTIALS_SET, subsystem=subsystem, key_sha256=key_digest, tls=fingerprint)
    return subsystem


def _endpoints_of(openapi: dict) -> list[tuple[str, str]]:
    """(method, path) of every operation of an OpenAPI 3 description."""
    found = []
    for path, operations in openapi.get("paths", {}).items():
        for method in operations if isinstance(operations, dict) else []:
            if method.upper() in HTTP_METHODS:
                found.append((method.upper(), path))
    return found


def validate_openapi(openapi: object) -> dict:
    if not isinstance(openapi, dict) or not str(openapi.get("openapi", "")).startswith("3."):
        raise ValidationError(_("The description must be an OpenAPI 3 JSON document."))
    if not isinstance(openapi.get("info"), dict) or not isinstance(openapi.get("paths"), dict):
        raise ValidationError(_("The OpenAPI description needs its 'info' and 'paths'."))
    for path in openapi["paths"]:
        if not str(path).startswith("/"):
            raise ValidationError(_("Every OpenAPI path starts with '/'."))
    return openapi


MIN_QUIET, MAX_QUIET = datetime.timedelta(hours=1), datetime.timedelta(days=366)


def register_service(
    actor: Actor,
    subsystem: Subsystem,
    *,
    code: str,
    title: str,
    provider_url: str,
    classification: str,
    legal_basis: str,
    openapi: dict,
    description: str = "",
    sla_availability: float = 99,
    sla_response_ms: int = 1000,
    timeout_seconds: int = 30,
    quiet_after: datetime.timedelta | None = datetime.timedelta(hours=24),
    extra_endpoints: Iterable[tuple[str, str]] = (),
    request: HttpRequest | None = None,
) -> Service:
    """Publish a REST service of ``subsystem`` in the catalogue; its endpoints are the operations
    of its OpenAPI description (and ``extra_endpoints``, e.g. ``("*", "/**")``)."""
    _require(actor, "lgsp.manage_subsystems", subsystem.member)
    code, title, legal_basis = nfc(code).strip(), nfc(title).strip(), nfc(legal_basis).strip()
    validate_identifier(code)
    if classification not in DataClassification.values:
        raise ValidationError(_("Unknown data classification."))
    if not title or not legal_basis:
        raise ValidationError(_("Give the service's title and its legal basis."))
    if not provider_url.startswith(("http://", "https://")):
        raise ValidationError(_("The provider's address must be an http(s) URL."))
    if not 1 <= timeout_seconds <= 300:
        raise ValidationError(_("The timeout must be between 1 and 300 seconds."))
    if quiet_after is not None and not MIN_QUIET <= quiet_after <= MAX_QUIET:
        raise ValidationError(_("The expected quiet time must be between one hour and one year."))
    endpoints = sorted(set(_endpoints_of(validate_openapi(openapi))) | set(extra_endpoints))
    with transaction.atomic():
        if Service.objects.filter(subsystem=subsystem, code=code).exists():
            raise ValidationError(_("This service is already registered."))
        service = Service.objects.create(
            subsystem=subsystem,
            code=code,
            title=title,
            description=nfc(description),
            openapi=openapi,
            classification=classification,
            legal_basis=legal_basis,
            sla_availability=sla_availability,
            sla_response_ms=sla_response_ms,
            provider_url=provider_url.rstrip("/"),
            timeout_seconds=timeout_seconds,
            quiet_after=quiet_after,
        )
        Endpoint.objects.bulk_create([Endpoint(service=service, method=m, path=p) for m, p in endpoints])
        record(
            actor,
            "lgsp.register_service",
            service,
            {"identifier": service.identifier, "classification": classification, "endpoints": endpoints},
            request,
            new=True,
        )
        _event(LgspEvent.Kind.SERVICE_REGISTERED, service=service, identifier=service.identifier)
    return service


def request_access(
    actor: Actor,
    client: Subsystem,
    endpoints: list[Endpoint],
    purpose: str,
    request: HttpRequest | None = None,
) -> AccessRequest:
    """Ask the owner of one service for access to some of its endpoints, saying why."""
    _require(actor, "lgsp.request_access", client)
    purpose = nfc(purpose).strip()
    if not endpoints:
        raise ValidationError(_("Choose at least one endpoint."))
    if len({endpoint.service_id for endpoint in endpoints}) != 1:
        raise ValidationError(_("One request asks for the endpoints of one service."))
    if not purpose:
        raise ValidationError(_("Say what the data is for."))
    with transaction.atomic():
        access = AccessRequest.objects.create(client=client, purpose=purpose, requested_by=_user(actor))
        access.endpoints.set(endpoints)
        service = endpoints[0].service
        record(
            actor,
            "lgsp.request_access",
            access,
            {
                "client": client.identifier,
                "service": service.identifier,
                "endpoints": [str(e) for e in endpoints],
            },
            request,
            new=True,
        )
        _event(LgspEvent.Kind.ACCESS_REQUESTED, service=service, subsystem=client, request=access.pk)
    return access


def _pending(access: AccessRequest) -> tuple[AccessRequest, Service]:
    locked = AccessRequest.objects.select_for_update().get(pk=access.pk)
    if locked.status != AccessRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    endpoint = locked.endpoints.select_related("service__subsystem__member").first()
    if endpoint is None:
        raise ValidationError(_("This request names no endpoint."))
    return locked, endpoint.service


def approve_access(
    actor: Actor,
    access: AccessRequest,
    expires_at: datetime.datetime,
    note: str = "",
    request: HttpRequest | None = None,
) -> list[Grant]:
    """The service owner approves: one grant per requested endpoint, valid until ``expires_at``
    (a time without a time zone is read in the platform's)."""
    if timezone.is_naive(expires_at):
        expires_at = timezone.make_aware(expires_at)
    now = timezone.now()
    if expires_at <= now:
        raise ValidationError(_("The grant must expire in the future."))
    if expires_at > now + MAX_GRANT:
        raise ValidationError(_("A grant lasts at most one year; renew it after review."))
    with transaction.atomic():
        access, service = _pending(access)
        _require(actor, "lgsp.decide_access", service)
        access.status, access.decided_by, access.decided_at = AccessRequest.Status.APPROVED, _user(actor), now
        access.decision_note = nfc(note).strip()
        access.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        grants = Grant.objects.bulk_create(
            [
                Grant(
                    client=access.client,
                    endpoint=endpoint,
                    access_request=access,
                    granted_by=_user(actor),
                    granted_at=now,
                    expires_at=expires_at,
                )
                for endpoint in access.endpoints.all()
            ]
        )
        record(
            actor,
            "lgsp.approve_access",
            access,
            {"grants": [grant.pk for grant in grants], "expires_at": expires_at},
            request,
        )
        _event(
            LgspEvent.Kind.GRANTED,
            service=service,
            subsystem=access.client,
            grants=[grant.pk for grant in grants],
            expires_at=expires_at.isoformat(),
        )
    return grants


def reject_access(
    actor: Actor, access: AccessRequest, note: str, request: HttpRequest | None = None
) -> AccessRequest:
    note = nfc(note).strip()
    if not note:
        raise ValidationError(_("Say why the request is rejected."))
    with transaction.atomic():
        access, service = _pending(access)
        _require(actor, "lgsp.decide_access", service)
        access.status, access.decided_by, access.decided_at = (
            AccessRequest.Status.REJECTED,
            _user(actor),
            timezone.now(),
        )
        access.decision_note = note
        access.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        record(actor, "lgsp.reject_access", access, {"note": note}, request)
        _event(LgspEvent.Kind.ACCESS_REJECTED, service=service, subsystem=access.client, request=access.pk)
    return access


def revoke_grant(actor: Actor, grant: Grant, request: HttpRequest | None = None) -> Grant:
    """Stop a grant now: the gateway refuses the next call."""
    with transaction.atomic():
        grant = (
            Grant.objects.select_for_update()
            .select_related("endpoint__service__subsystem__member")
            .get(pk=grant.pk)
        )
        service = grant.endpoint.service
        _require(actor, "lgsp.decide_access", service)
        if grant.revoked_at is not None:
            raise ValidationError(_("This grant has already been revoked."))
        grant.revoked_at, grant.revoked_by = timezone.now(), _user(actor)
        grant.save(update_fields=["revoked_at", "revoked_by"])
        record(
            actor,
            "lgsp.revoke_grant",
            grant,
            {"client": grant.client.identifier, "endpoint": str(grant.endpoint)},
            request,
        )
        _event(LgspEvent.Kind.REVOKED, service=service, subsystem=grant.client, grant=grant.pk)
    return grant
