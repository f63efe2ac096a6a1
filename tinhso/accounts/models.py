"""People (citizens, businesses, officers), their roles in agencies, sign-in records."""

import datetime
import hashlib
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.validators import normalize_phone, validate_cccd, validate_tax_code
from tinhso.agencies.models import Agency
from tinhso.core.text import format_datetime, nfc


class Role(models.TextChoices):
    ONE_STOP_OFFICER = "one_stop_officer", _("One-stop officer")
    SPECIALIST = "specialist", _("Specialist")
    LEADER = "leader", _("Leader")
    DOCUMENT_CLERK = "document_clerk", _("Document clerk")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    PROVINCE_ADMIN = "province_admin", _("Province administrator")
    DASHBOARD_VIEWER = "dashboard_viewer", _("Dashboard viewer")


class UserKind(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    BUSINESS = "business", _("Business")
    OFFICER = "officer", _("Officer")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, username, password, **fields):
        if not username:
            raise ValueError("A username is required.")
        user = self.model(username=username, **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, username, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(username, password, **fields)

    def create_superuser(self, username, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        fields.setdefault("kind", UserKind.OFFICER)
        fields.setdefault("full_name", username)
        return self._create(username, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """One account for every person: citizens sign in with their CCCD, officers with a login name."""

    username = models.CharField(_("username"), max_length=150, unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    kind = models.CharField(
        _("kind of account"), max_length=16, choices=UserKind.choices, default=UserKind.CITIZEN
    )
    cccd = models.CharField(_("citizen ID (CCCD)"), max_length=12, unique=True, null=True, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=16, blank=True)
    email = models.EmailField(_("email"), blank=True)
    tax_code = models.CharField(_("tax code"), max_length=14, blank=True)
    is_staff = models.BooleanField(
        _("may use the administration site"),
        default=False,
        help_text=_("For the province's IT administrators."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    totp_secret = models.CharField(_("authenticator secret"), max_length=64, blank=True, editable=False)
    totp_confirmed_at = models.DateTimeField(_("two-step verification enabled at"), null=True, blank=True)
    totp_last_step = models.BigIntegerField(null=True, blank=True, editable=False)
    second_factor_failures = models.PositiveIntegerField(
        _("consecutive wrong second-factor codes"),
        default=0,
        help_text=_("Wrong verification, recovery or enrolment codes since the last right one."),
    )
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["full_name", "username"]

    def __str__(self):
        return f"{self.full_name} ({self.display_username})" if self.full_name else self.display_username

    def clean_fields(self, exclude=None):
        self.normalize()
        super().clean_fields(exclude)

    def clean(self):
        super().clean()
        self.normalize()
        errors = {}
        if self.cccd:
            try:
                validate_cccd(self.cccd, self.date_of_birth, self.gender or None)
            except ValidationError as exc:
                errors["cccd"] = exc.messages
        if self.phone:
            try:
                self.phone = normalize_phone(self.phone)
            except ValidationError as exc:
                errors["phone"] = exc.messages
        if self.tax_code:
            try:
                self.tax_code = validate_tax_code(self.tax_code)
            except ValidationError as exc:
                errors["tax_code"] = exc.messages
        if errors:
            raise ValidationError(errors)

    def normalize(self):
        """NFC every text field; empty CCCD is NULL (unique but optional)."""
        for field in ("username", "full_name", "email", "phone", "tax_code", "cccd"):
            setattr(self, field, nfc(getattr(self, field)))
        self.email = self.email.lower()
        self.cccd = self.cccd or None

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.normalize()
        super().save(*args, **kwargs)

    # Display helpers: a CCCD is never printed whole where it is not needed.
    @property
    def masked_cccd(self) -> str:
        return mask_cccd(self.cccd)

    @property
    def display_username(self) -> str:
        if self.cccd and self.username == self.cccd:
            return self.masked_cccd
        return self.username

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.rsplit(" ", 1)[-1] if self.full_name else self.username

    # Roles.
    def active_memberships(self, on: datetime.date | None = None) -> "MembershipQuerySet":
        """Memberships valid on ``on`` (a date, default today), with their agencies."""
        return Membership.objects.active(on).filter(user=self).select_related("agency")

    @property
    def is_officer(self) -> bool:
        return self.kind == UserKind.OFFICER

    @property
    def totp_enabled(self) -> bool:
        return bool(self.totp_secret and self.totp_confirmed_at)

    @property
    def second_factor_mandatory(self) -> bool:
        """Officers and administrators must use TOTP."""
        return self.is_officer or self.is_staff or self.is_superuser

    @property
    def requires_second_factor(self) -> bool:
        """Officers and administrators always; citizens once they turned TOTP on."""
        return self.second_factor_mandatory or self.totp_enabled

    def is_locked(self, now=None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))


def mask_cccd(number: str | None) -> str:
    """``082095001245`` → ``0820******45``."""
    if not number:
        return ""
    return number[:4] + "*" * (len(number) - 6) + number[-2:]


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self, on: datetime.date | None = None) -> "MembershipQuerySet":
        """Valid on ``on`` (default today): from ``valid_from`` to ``valid_to`` inclusive, like
        every validity period of the platform."""
        on = on or timezone.localdate()
        return self.filter(Q(valid_from__lte=on), Q(valid_to__isnull=True) | Q(valid_to__gte=on))


class Membership(models.Model):
    """An officer's role in an agency over a period; an officer may hold several."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("officer")
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="memberships", verbose_name=_("agency")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("The last day it applies.")
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user", "agency", "role", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"],
                condition=Q(valid_to__isnull=True),
                name="accounts_membership_one_open_per_role",
                violation_error_message=_("This person already has this role in this agency."),
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="accounts_membership_period",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self):
        return f"{self.user.full_name} — {self.get_role_display()} — {self.agency}"

    def overlaps(self):
        """Other memberships of the same person, agency and role whose period overlaps this one."""
        others = Membership.objects.filter(
            user_id=self.user_id, agency_id=self.agency_id, role=self.role
        ).exclude(pk=self.pk)
        others = others.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from))
        if self.valid_to:
            others = others.filter(valid_from__lte=self.valid_to)
        return others

    def clean(self):
        super().clean()
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end date cannot be before the start date.")})
        if self.user_id and self.agency_id and self.role and self.overlaps().exists():
            raise ValidationError(
                _("This person already has this role in this agency for an overlapping period.")
            )


class ExternalIdentity(models.Model):
    """A person's account at an OpenID Connect provider, matched by the provider's ``sub``."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="external_identities")
    provider = models.CharField(_("provider"), max_length=64)
    subject = models.CharField(_("subject"), max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="accounts_external_identity_unique"),
        ]

    def __str__(self):
        return f"{self.provider}: {self.user}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 hash is stored."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("account")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} — {self.name or format_datetime(self.created_at)}"


def officer_agencies(user, on=None, roles=None):
    """The agencies in which ``user`` holds a valid membership (optionally only in ``roles``)."""
    if not getattr(user, "is_authenticated", False):
        return Agency.objects.none()
    memberships = Membership.objects.active(on).filter(user=user)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return Agency.objects.filter(pk__in=memberships.values("agency_id"))


class EnrolmentCode(models.Model):
    """A one-time code with which an officer sets up their authenticator app: issued by an
    administrator of their agency, given to them out of band, stored hashed, single use."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="enrolment_codes", verbose_name=_("officer")
    )
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("issued by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment code")
        verbose_name_plural = _("enrolment codes")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user} — {format_datetime(self.created_at)}"


class RecoveryCode(models.Model):
    """One of the single-use codes that stand in for the authenticator app; stored hashed."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64, editable=False)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="accounts_recovery_code_unique"),
        ]

    def __str__(self):
        return f"{self.user} — {self.pk}"


class SignInThrottle(models.Model):
    """Failed password attempts per client address and per (address, username), shared by every
    server process through the database (``tinhso.accounts.signin``). The username is kept only
    as a hash inside ``key``."""

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in throttle")
        verbose_name_plural = _("sign-in throttles")

    def __str__(self):
        return self.key


class CodePurpose(models.TextChoices):
    REGISTER = "register", _("Registration")
    RESET = "reset", _("Password reset")


class CodeChannel(models.TextChoices):
    SMS = "sms", _("Text message")
    EMAIL = "email", _("Email")


class OneTimeCode(models.Model):
    """A 6-digit code sent by SMS or e-mail to prove a phone or address
    (``tinhso.accounts.verification``). Only a keyed hash of the code is stored. A code for a
    registration keeps the details given (the password already hashed) until it is entered:
    the account is created only then. A code nobody receives (``code_hash`` empty: the CCCD is
    already registered, the account is unknown) answers exactly like a real one and never
    matches. Rows are deleted a day after they expire."""

    purpose = models.CharField(max_length=16, choices=CodePurpose.choices)
    channel = models.CharField(max_length=8, choices=CodeChannel.choices)
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    destination = models.CharField(max_length=254)
    details = models.JSONField(default=dict, blank=True)
    code_hash = models.CharField(max_length=100, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField()
    sends = models.PositiveIntegerField(default=1)
    wrong_tries = models.PositiveIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")

    def __str__(self):
        return f"{self.get_purpose_display()} — {format_datetime(self.created_at)}"


class CodeRequest(models.Model):
    """One code (or notice) asked for, under a key: the client's address, a destination or an
    account, each kept only as a hash. Counted for the rate limits, deleted after a day."""

    key = models.CharField(max_length=100, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("code request")
        verbose_name_plural = _("code requests")

    def __str__(self):
        return self.key
