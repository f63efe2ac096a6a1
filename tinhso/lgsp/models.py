"""The province's integration platform (LGSP): who exchanges data (members and their subsystems),
what they offer (services and their endpoints), who may call what (access requests and grants),
and the exchange log of every call through the gateway.

Identifiers follow X-Road: a client or a service provider is ``INSTANCE/CLASS/MEMBER/SUBSYSTEM``
(X-Road's "Terms of X-Road" and PR-REST): ``instance`` is the platform's (``LGSP_INSTANCE``),
a member is an agency of the province by its electronic code (``tinhso.agencies``) or an outside
organisation, a subsystem is one of its information systems.
"""

import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.audit.models import AppendOnlyModel

# An identifier part: no slash (the separator of the path), no control character, no space.
IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}")


def validate_identifier(value: str) -> None:
    if not IDENTIFIER.fullmatch(value or ""):
        raise ValidationError(
            _("Use letters, digits, dot, dash, colon or underscore (at most 64), without spaces or slashes.")
        )


class MemberClass(models.TextChoices):
    GOV = "GOV", _("Government agency")
    COM = "COM", _("Business")
    ORG = "ORG", _("Non-profit organisation")


class Member(models.Model):
    member_class = models.CharField(_("member class"), max_length=8, choices=MemberClass.choices)
    code = models.CharField(_("member code"), max_length=64, validators=[validate_identifier])
    name = models.CharField(_("name"), max_length=255)
    agency = models.OneToOneField(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lgsp_member",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["member_class", "code"]
        constraints = [models.UniqueConstraint(fields=["member_class", "code"], name="lgsp_member_unique")]

    def __str__(self):
        return f"{self.identifier} {self.name}"

    @property
    def identifier(self) -> str:
        return f"{settings.LGSP_INSTANCE}/{self.member_class}/{self.code}"


class KeyAlgorithm(models.TextChoices):
    RS256 = "RS256", "RS256"
    ES256 = "ES256", "ES256"


class Subsystem(models.Model):
    """An information system of a member: the client or the provider of a call, with the
    credentials it proves itself with (a public key for signed JWT client assertions and/or the
    SHA-256 fingerprint of its TLS client certificate)."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="subsystems"
    )
    code = models.CharField(_("subsystem code"), max_length=64, validators=[validate_identifier])
    name = models.CharField(_("name"), max_length=255)
    public_key_pem = models.TextField(_("public key (PEM)"), blank=True)
    key_algorithm = models.CharField(
        _("key algorithm"), max_length=8, choices=KeyAlgorithm.choices, default=KeyAlgorithm.ES256
    )
    tls_fingerprint = models.CharField(_("TLS certificate SHA-256 fingerprint"), max_length=64, blank=True)
    rate_per_minute = models.PositiveIntegerField(_("calls per minute"), default=600)
    quota_per_day = models.PositiveIntegerField(_("calls per day"), default=100_000)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("subsystem")
        verbose_name_plural = _("subsystems")
        ordering = ["member__code", "code"]
        constraints = [models.UniqueConstraint(fields=["member", "code"], name="lgsp_subsystem_unique")]

    def __str__(self):
        return f"{self.identifier} {self.name}"

    @property
    def identifier(self) -> str:
        return f"{self.member.identifier}/{self.code}"


class DataClassification(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    PERSONAL = "personal", _("Personal data")


class Service(models.Model):
    """A REST service a subsystem offers, reached at ``provider_url``. Calls to a personal-data
    service are logged without their bodies (SHA-256 hashes only)."""

    subsystem = models.ForeignKey(
        Subsystem, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="services"
    )
    code = models.CharField(_("service code"), max_length=64, validators=[validate_identifier])
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    openapi = models.JSONField(_("OpenAPI description"), default=dict, blank=True)
    classification = models.CharField(
        _("data classification"), max_length=10, choices=DataClassification.choices
    )
    legal_basis = models.TextField(_("legal basis"))
    sla_availability = models.DecimalField(_("availability (%)"), max_digits=5, decimal_places=2, default=99)
    sla_response_ms = models.PositiveIntegerField(_("response time (ms)"), default=1000)
    # A nightly or weekly exchange is quiet for days; a lookup used at every counter is not.
    quiet_after = models.DurationField(
        _("expected quiet time"),
        null=True,
        blank=True,
        default=datetime.timedelta(hours=24),
        help_text=_(
            "The longest the service normally goes without a successful call: the operations "
            "centre flags it after that. Empty: not watched."
        ),
    )
    provider_url = models.URLField(_("provider base URL"))
    timeout_seconds = models.PositiveSmallIntegerField(_("timeout (seconds)"), default=30)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["subsystem", "code"], name="lgsp_service_unique")]

    def __str__(self):
        return self.identifier

    @property
    def identifier(self) -> str:
        return f"{self.subsystem.identifier}/{self.code}"

    @property
    def quiet_hours(self) -> int | None:
        """``quiet_after`` in whole hours (None: not watched)."""
        return None if self.quiet_after is None else round(self.quiet_after.total_seconds() / 3600)

    @property
    def personal_data(self) -> bool:
        return self.classification == DataClassification.PERSONAL


HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class Endpoint(models.Model):
    """A method and a path pattern of a service: ``*`` matches one path segment, ``**`` (only at
    the end) any rest of the path; method ``*`` any method (X-Road's endpoint wildcards)."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="endpoints"
    )
    method = models.CharField(
        _("method"), max_length=8, choices=[(name, name) for name in ["*", *HTTP_METHODS]]
    )
    path = models.CharField(_("path"), max_length=255)

    class Meta:
        verbose_name = _("endpoint")
        verbose_name_plural = _("endpoints")
        ordering = ["path", "method"]
        constraints = [
            models.UniqueConstraint(fields=["service", "method", "path"], name="lgsp_endpoint_unique")
        ]

    def __str__(self):
        return f"{self.method} {self.path}"

    def matches(self, method: str, path: str) -> bool:
        return endpoint_matches(self.method, self.path, method, path)


def endpoint_matches(pattern_method: str, pattern_path: str, method: str, path: str) -> bool:
    """Whether ``method path`` falls under an endpoint; ``*`` or ``{name}`` is one segment."""
    if pattern_method not in ("*", method):
        return False
    if pattern_path.endswith("/**"):
        prefix = pattern_path[:-3].rstrip("/")
        return path == prefix or path.startswith(prefix + "/")
    wanted, given = pattern_path.strip("/").split("/"), path.strip("/").split("/")
    return len(wanted) == len(given) and all(
        part == want or (bool(part) and (want == "*" or (want.startswith("{") and want.endswith("}"))))
        for want, part in zip(wanted, given, strict=True)
    )


class AccessRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the owner")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    client = models.ForeignKey(
        Subsystem, verbose_name=_("client"), on_delete=models.PROTECT, related_name="access_requests"
    )
    endpoints = models.ManyToManyField(Endpoint, verbose_name=_("endpoints"), related_name="+")
    purpose = models.TextField(_("purpose"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("access request")
        verbose_name_plural = _("access requests")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.client.identifier} #{self.pk}"


class Grant(models.Model):
    """The right of a client subsystem to call one endpoint until ``expires_at``; a revoked grant
    stops at once (the gateway reads the grants on every call)."""

    client = models.ForeignKey(
        Subsystem, verbose_name=_("client"), on_delete=models.PROTECT, related_name="grants"
    )
    endpoint = models.ForeignKey(
        Endpoint, verbose_name=_("endpoint"), on_delete=models.PROTECT, related_name="grants"
    )
    access_request = models.ForeignKey(
        AccessRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["client", "endpoint"], name="lgsp_grant_client_endpoint")]

    def __str__(self):
        return f"{self.client.identifier} → {self.endpoint}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class UsedAssertion(models.Model):
    """The ``jti`` of every client assertion accepted until it expires: a second use is refused."""

    client = models.ForeignKey(Subsystem, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=128)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "jti"], name="lgsp_assertion_once")]

    def __str__(self):
        return self.jti


class LgspEvent(models.Model):
    """The integration platform's outbox: every change of the catalogue and of the grants."""

    class Kind(models.TextChoices):
        MEMBER_REGISTERED = "member_registered", _("member registered")
        SUBSYSTEM_REGISTERED = "subsystem_registered", _("subsystem registered")
        CREDENTIALS_SET = "credentials_set", _("credentials changed")
        SERVICE_REGISTERED = "service_registered", _("service registered")
        ACCESS_REQUESTED = "access_requested", _("access requested")
        ACCESS_REJECTED = "access_rejected", _("access request rejected")
        GRANTED = "granted", _("access granted")
        REVOKED = "revoked", _("access revoked")

    kind = models.CharField(max_length=24, choices=Kind.choices)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    subsystem = models.ForeignKey(
        Subsystem, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["occurred_at", "pk"]

    def __str__(self):
        return self.kind


class ClientUsage(models.Model):
    """A client's calls in the current minute and local day, one row per client shared by every
    gateway process (``tinhso.lgsp.gateway.admit``: one upsert per call), so that its rate limit
    and daily quota hold however many gateway processes run."""

    subsystem = models.OneToOneField(Subsystem, on_delete=models.CASCADE, primary_key=True, related_name="+")
    minute = models.BigIntegerField()  # minutes since the epoch
    minute_calls = models.PositiveIntegerField()
    day = models.PositiveIntegerField()  # the ordinal of the platform's local day
    day_calls = models.PositiveIntegerField()

    def __str__(self):
        return f"{self.subsystem_id}: {self.minute_calls}/min, {self.day_calls}/day"


class Exchange(AppendOnlyModel):
    """One call through the gateway: its operational record (the fields of X-Road's operational
    monitoring, PR-OPMON) and its message log (headers; bodies, or only their SHA-256 for a
    personal-data service or a body over ``LGSP_LOG_BODY_LIMIT``), in one append-only row.

    Rows form one hash chain in ``sequence`` order (``tinhso.lgsp.exchange_log``), anchored
    periodically by ``ExchangeAnchor``; a refused call is logged too (``service`` may be empty).
    """

    sequence = models.BigIntegerField(unique=True)
    message_id = models.CharField(max_length=64)
    client = models.CharField(max_length=300)
    service = models.CharField(max_length=300, blank=True)
    service_code = models.CharField(max_length=64, blank=True, db_index=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=2000)
    user_id = models.CharField(max_length=64, blank=True, db_index=True)
    issue = models.CharField(max_length=255, blank=True, db_index=True)
    request_in_ts = models.DateTimeField(db_index=True)
    request_out_ts = models.DateTimeField(null=True, blank=True)
    response_in_ts = models.DateTimeField(null=True, blank=True)
    response_out_ts = models.DateTimeField()
    request_size = models.BigIntegerField(default=0)
    response_size = models.BigIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField()
    succeeded = models.BooleanField()
    fault_code = models.CharField(max_length=64, blank=True)
    fault_string = models.CharField(max_length=500, blank=True)
    request_headers = models.JSONField(default=dict)
    response_headers = models.JSONField(default=dict)
    request_body = models.TextField(blank=True)
    response_body = models.TextField(blank=True)
    request_hash = models.CharField(max_length=64)
    response_hash = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        indexes = [models.Index(fields=["service_code", "request_in_ts"], name="lgsp_exchange_service_ts")]


class ExchangeAnchor(AppendOnlyModel):
    """The head of the exchange log at a moment, chained to the previous anchor; its hash can be
    published out of band (like ``tinhso.audit.models.AuditAnchor``)."""

    created_at = models.DateTimeField()
    last_sequence = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    prev_anchor_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("exchange log anchor")
        verbose_name_plural = _("exchange log anchors")
