"""Business actions on accounts: each checks permission, validates, writes in one transaction
and records the audit entry. Bad input raises ``ValidationError`` (Vietnamese messages) and
leaves nothing behind."""

import datetime
import hashlib
import secrets
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from tinhso.accounts import otp, personal_data, signin, verification
from tinhso.accounts.models import (
    ApiToken,
    CodeChannel,
    CodePurpose,
    EnrolmentCode,
    ExternalIdentity,
    Membership,
    OneTimeCode,
    RecoveryCode,
    SignInThrottle,
    User,
    UserKind,
    hash_token,
)
from tinhso.accounts.permissions import Actor, is_province_admin, require
from tinhso.accounts.validators import cccd_century_and_gender, validate_cccd, validate_tax_code
from tinhso.agencies.models import Agency
from tinhso.audit.services import history_for, record
from tinhso.core.links import site_url
from tinhso.core.text import format_datetime, nfc


def _check_password(user: User, password: str | None) -> None:
    if not password:
        return
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def _save_new_user(user: User, password: str | None, password_hash: str | None = None) -> User:
    """Validate and insert ``user``; a duplicate that slips past ``full_clean`` becomes a
    ValidationError too (two people registering the same CCCD at once). ``password_hash`` is a
    password already hashed (the demo's shared one, hashed once)."""
    user.full_clean(exclude=["password"])
    _check_password(user, password)
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise ValidationError(_("An account with this username or citizen ID already exists.")) from exc
    return user


def _person_changes(user: User) -> dict[str, Any]:
    """What the audit keeps about a new account: no CCCD in clear, no password."""
    return {
        "username": user.display_username,
        "full_name": user.full_name,
        "kind": user.kind,
        "cccd": user.masked_cccd,
    }


def register_citizen(
    actor: Actor,
    *,
    cccd: str,
    full_name: str,
    date_of_birth: datetime.date,
    gender: str,
    password: str = "",
    phone: str = "",
    email: str = "",
    password_hash: str | None = None,
    request: HttpRequest | None = None,
) -> User:
    """A citizen's account, signed in with their CCCD. ``actor`` is None (or anonymous) when
    people register themselves, a one-stop officer when registered at the counter."""
    require(actor, "accounts.register_citizen")
    if not password and not password_hash:
        raise ValidationError({"password": _("Choose a password.")})
    user = User(
        username=nfc(cccd),
        cccd=nfc(cccd),
        full_name=full_name,
        kind=UserKind.CITIZEN,
        date_of_birth=date_of_birth,
        gender=gender,
        phone=phone,
        email=email,
    )
    with transaction.atomic():
        _save_new_user(user, password, password_hash)
        by = actor if actor is not None and actor.is_authenticated else user
        record(by, "accounts.register_citizen", user, _person_changes(user), request)
    return user


def register_business(
    actor: Actor,
    *,
    tax_code: str,
    name: str,
    password: str = "",
    phone: str = "",
    email: str = "",
    password_hash: str | None = None,
    request: HttpRequest | None = None,
) -> User:
    """A business's account, signed in with its tax code; registered by the business itself
    (``actor`` None) or by a one-stop officer at the counter, like a citizen's."""
    require(actor, "accounts.register_citizen")
    if not password and not password_hash:
        raise ValidationError({"password": _("Choose a password.")})
    number = validate_tax_code(nfc(tax_code))
    user = User(
        username=number, tax_code=number, full_name=name, kind=UserKind.BUSINESS, phone=phone, email=email
    )
    with transaction.atomic():
        _save_new_user(user, password, password_hash)
        by = actor if actor is not None and actor.is_authenticated else user
        record(by, "accounts.register_business", user, _person_changes(user), request)
    return user


def create_administrator(
    actor: Actor,
    *,
    username: str,
    full_name: str,
    email: str = "",
    password: str | None = None,
    password_hash: str | None = None,
    request: HttpRequest | None = None,
) -> User:
    """A superuser: the installation's first administrator, made from the console (``actor``
    None) while there is none, or another one made by a superuser."""
    if actor is None:
        if User.objects.filter(is_superuser=True).exists():
            raise PermissionDenied("accounts.create_administrator")
    elif not actor.is_superuser:
        raise PermissionDenied("accounts.create_administrator")
    user = User(
        username=username,
        full_name=full_name,
        kind=UserKind.OFFICER,
        email=email,
        is_staff=True,
        is_superuser=True,
    )
    with transaction.atomic():
        _save_new_user(user, password, password_hash)
        record(actor or user, "accounts.create_administrator", user, _person_changes(user), request, new=True)
    return user


def create_officer(
    actor: Actor,
    *,
    username: str,
    full_name: str,
    memberships: Sequence[Sequence[Any]],
    password: str | None = None,
    email: str = "",
    phone: str = "",
    cccd: str | None = None,
    date_of_birth: datetime.date | None = None,
    gender: str = "",
    staff: bool = False,
    password_hash: str | None = None,
    request: HttpRequest | None = None,
) -> User:
    """An officer's account with its first memberships: ``memberships`` is a list of
    ``(agency, role)`` or ``(agency, role, valid_from)``. The actor must be allowed to manage
    officers in every one of those agencies (an agency admin only in their own subtree). ``staff``
    opens the administration site to them, which only a province administrator grants."""
    planned = [Membership(agency=item[0], role=item[1], valid_from=_day(item[2:])) for item in memberships]
    if not planned:
        raise ValidationError(_("An officer must belong to at least one agency."))
    for membership in planned:
        require(actor, "accounts.manage_officers", membership)
    if staff and not is_province_admin(actor):
        raise PermissionDenied("accounts.create_officer")
    user = User(
        username=username,
        full_name=full_name,
        kind=UserKind.OFFICER,
        email=email,
        phone=phone,
        cccd=cccd,
        date_of_birth=date_of_birth,
        gender=gender,
        is_staff=staff,
    )
    with transaction.atomic():
        _save_new_user(user, password, password_hash)
        changes = _person_changes(user) | ({"staff": True} if staff else {})
        record(actor, "accounts.create_officer", user, changes, request)
        for membership in planned:
            membership.user = user
            _save_membership(actor, membership, request)
    return user


def _day(rest: Sequence[Any]) -> datetime.date:
    return rest[0] if rest else timezone.localdate()


def _save_membership(actor: Actor, membership: Membership, request: HttpRequest | None) -> Membership:
    membership.full_clean()
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as exc:
        raise ValidationError(_("This person already has this role in this agency.")) from exc
    record(
        actor,
        "accounts.add_membership",
        membership,
        {
            "user": membership.user_id,
            "agency": membership.agency.code,
            "role": membership.role,
            "valid_from": membership.valid_from,
            "valid_to": membership.valid_to,
        },
        request,
    )
    return membership


def add_membership(
    actor: Actor,
    user: User,
    agency: Agency,
    role: str,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> Membership:
    """Give ``user`` (an officer) ``role`` in ``agency`` from ``valid_from`` (default today)."""
    membership = Membership(
        user=user, agency=agency, role=role, valid_from=valid_from or timezone.localdate(), valid_to=valid_to
    )
    require(actor, "accounts.manage_officers", membership)
    check_may_hold_membership(user)
    with transaction.atomic():
        # Serialise changes to one person's roles, so that the overlap check holds.
        User.objects.select_for_update().filter(pk=user.pk).exists()
        return _save_membership(actor, membership, request)


def check_may_hold_membership(user: User) -> None:
    """Only officers hold roles in agencies (forms call it too, to refuse before saving)."""
    if user.kind != UserKind.OFFICER:
        raise ValidationError(_("Only officer accounts can hold a role in an agency."))


MEMBERSHIP_FIELDS = ("agency_id", "role", "valid_from", "valid_to")


def change_membership(actor: Actor, membership: Membership, request: HttpRequest | None = None) -> Membership:
    """Save the edited agency, role or dates of an existing ``membership`` (the admin's form);
    the audit entry keeps each changed value before and after."""
    require(actor, "accounts.manage_officers", membership)
    check_may_hold_membership(membership.user)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=membership.user_id).exists()
        before = Membership.objects.select_for_update().get(pk=membership.pk)
        changes = {
            field: [getattr(before, field), getattr(membership, field)]
            for field in MEMBERSHIP_FIELDS
            if getattr(before, field) != getattr(membership, field)
        }
        if not changes:
            return membership
        membership.full_clean()
        try:
            with transaction.atomic():
                membership.save(update_fields=[field.removesuffix("_id") for field in changes])
        except IntegrityError as exc:
            raise ValidationError(_("This person already has this role in this agency.")) from exc
        record(actor, "accounts.change_membership", membership, changes, request)
    return membership


def remove_membership(actor: Actor, membership: Membership, request: HttpRequest | None = None) -> None:
    """Delete a membership made by mistake (to stop a role that was held, use
    ``end_membership``, which keeps its history)."""
    require(actor, "accounts.manage_officers", membership)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=membership.user_id)
        details = {"agency": membership.agency.code, "role": membership.role, "membership": membership.pk}
        membership.delete()
        record(actor, "accounts.delete_membership", user, details, request)


def end_membership(
    actor: Actor,
    membership: Membership,
    last_day: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> Membership:
    """End a membership: ``last_day`` (default today) is the last day it applies. To cut
    someone's access at once, deactivate the account."""
    require(actor, "accounts.manage_officers", membership)
    last_day = last_day or timezone.localdate()
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.valid_to is not None and membership.valid_to <= last_day:
            raise ValidationError(_("This membership already ends on or before that day."))
        if last_day < membership.valid_from:
            raise ValidationError(_("The end date cannot be before the start date."))
        previous = membership.valid_to
        membership.valid_to = last_day
        membership.save(update_fields=["valid_to"])
        record(actor, "accounts.end_membership", membership, {"valid_to": [previous, last_day]}, request)
    return membership


ENROLMENT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ENROLMENT_LENGTH = 12
RECOVERY_CODE_COUNT = 10


def _normalise_enrolment_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").upper()


def issue_enrolment_code(
    actor: User | None, officer: User, request: HttpRequest | None = None, *, from_console: bool = False
) -> str:
    """A one-time code with which ``officer`` sets up two-step verification, valid
    ``ENROLMENT_CODE_HOURS`` (default 72) hours. The clear code is returned once, to be given
    to the officer out of band (in person, by phone); only its hash is stored, and it replaces
    any code not used yet. Issued by an administrator of the officer's agency (or the province
    administrator), never by the officer; ``from_console`` is ``manage.py issue_enrolment_code``
    on the server, for the first administrator."""
    if not from_console:
        require(actor, "accounts.manage_officers", officer)
        if actor is None or actor.pk == officer.pk:
            raise PermissionDenied(_("Ask another administrator for your own enrolment code."))
    code = "".join(secrets.choice(ENROLMENT_ALPHABET) for _i in range(ENROLMENT_LENGTH))
    now = timezone.now()
    with transaction.atomic():
        officer = User.objects.select_for_update().get(pk=officer.pk)
        if not officer.second_factor_mandatory:
            raise ValidationError(_("Only officers and administrators need an enrolment code."))
        if officer.totp_enabled:
            raise ValidationError(
                _("This account already uses two-step verification: reset it first if the phone was lost.")
            )
        EnrolmentCode.objects.filter(user=officer, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        enrolment = EnrolmentCode.objects.create(
            user=officer,
            code_hash=hash_token(code),
            issued_by=None if from_console else actor,
            expires_at=now + datetime.timedelta(hours=settings.ENROLMENT_CODE_HOURS),
        )
        record(
            None if from_console else actor,
            "accounts.issue_enrolment_code",
            officer,
            {"expires_at": enrolment.expires_at, "from_console": from_console},
            request,
        )
    return "-".join(code[i : i + 4] for i in range(0, ENROLMENT_LENGTH, 4))


def _valid_enrolment_code(user: User, code: str) -> EnrolmentCode | None:
    return EnrolmentCode.objects.filter(
        user=user,
        code_hash=hash_token(_normalise_enrolment_code(code)),
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()


def _new_recovery_codes(user: User) -> list[str]:
    """Replace ``user``'s recovery codes with new ones; the clear codes are returned once."""
    codes = [
        "".join(secrets.choice(signin.RECOVERY_ALPHABET) for _i in range(signin.RECOVERY_LENGTH))
        for _n in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=hash_token(code)) for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def enable_totp(
    user: User, secret: str, code: str, request: HttpRequest | None = None, *, enrolment_code: str = ""
) -> list[str]:
    """Turn on two-step verification with a new authenticator ``secret`` once ``code`` proves
    the person's app generates the right codes; returns the new recovery codes (shown once).

    Officers and administrators also need a valid ``enrolment_code`` from an administrator
    (``issue_enrolment_code``): the password alone must not be enough to choose the
    authenticator. A wrong enrolment code counts as a wrong second-factor code."""
    if user.is_locked():
        raise ValidationError(
            _("This account is temporarily locked after too many wrong codes. Try again later.")
        )
    step = otp.matching_step(secret, code)
    if step is None:
        raise ValidationError(
            {"code": _("The code is not correct. Enter the 6-digit code shown by your app.")}
        )
    enrolment = None
    if user.second_factor_mandatory:
        enrolment = _valid_enrolment_code(user, enrolment_code)
        if enrolment is None:
            signin.second_factor_failure(user, "enrolment", request)
            raise ValidationError(
                {
                    "enrolment_code": _(
                        "This enrolment code is not valid: it is wrong, used or expired. "
                        "Ask your agency administrator for a new one."
                    )
                }
            )
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.totp_enabled:
            raise ValidationError(_("Two-step verification is already on."))
        if enrolment is not None and not EnrolmentCode.objects.filter(
            pk=enrolment.pk, used_at__isnull=True
        ).update(used_at=timezone.now()):
            raise ValidationError({"enrolment_code": _("This enrolment code was used just now.")})
        user.totp_secret = secret
        user.totp_confirmed_at = timezone.now()
        user.totp_last_step = step
        user.second_factor_failures = 0
        user.save(
            update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step", "second_factor_failures"]
        )
        recovery_codes = _new_recovery_codes(user)
        record(
            user,
            "accounts.totp_enabled",
            user,
            {"enrolment_code": enrolment.pk if enrolment else None, "recovery_codes": len(recovery_codes)},
            request,
        )
    return recovery_codes


def disable_totp(user: User, code: str, request: HttpRequest | None = None) -> User:
    """Citizens may turn two-step verification off again (with a current code); officers may not."""
    if user.second_factor_mandatory:
        raise PermissionDenied(_("Officers must keep two-step verification on."))
    step = otp.matching_step(user.totp_secret, code)
    with transaction.atomic():
        if step is None or not otp.consume_step(user, step):
            raise ValidationError(
                {"code": _("The code is not correct. Enter the 6-digit code shown by your app.")}
            )
        User.objects.filter(pk=user.pk).update(totp_secret="", totp_confirmed_at=None, totp_last_step=None)
        RecoveryCode.objects.filter(user=user).delete()
        user.refresh_from_db()
        record(user, "accounts.totp_disabled", user, request=request)
    return user


def reset_second_factor(actor: Actor, user: User, request: HttpRequest | None = None) -> User:
    """Forget ``user``'s authenticator, recovery codes and unused enrolment codes (a lost phone),
    and lift a second-factor lock: they set it up again with a new enrolment code."""
    require(actor, "accounts.manage_officers", user)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        had_totp = user.totp_enabled
        User.objects.filter(pk=user.pk).update(
            totp_secret="",
            totp_confirmed_at=None,
            totp_last_step=None,
            second_factor_failures=0,
            locked_until=None,
        )
        RecoveryCode.objects.filter(user=user).delete()
        EnrolmentCode.objects.filter(user=user, used_at__isnull=True).update(expires_at=timezone.now())
        user.refresh_from_db()
        record(actor, "accounts.totp_reset", user, {"had_totp": had_totp}, request)
    return user


def unlock_account(actor: Actor, user: User, request: HttpRequest | None = None) -> User:
    """Lift a lock after wrong second-factor codes (the administrator has checked with the owner)."""
    require(actor, "accounts.manage_officers", user)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        previous = user.locked_until
        User.objects.filter(pk=user.pk).update(locked_until=None, second_factor_failures=0)
        user.refresh_from_db()
        record(actor, "accounts.unlock", user, {"locked_until": previous}, request)
    return user


def issue_api_token(user: User, name: str = "", request: HttpRequest | None = None) -> tuple[str, ApiToken]:
    """A new bearer token for ``user``; the clear token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        api_token = ApiToken.objects.create(
            user=user,
            name=nfc(name)[:100],
            token_hash=hash_token(token),
            expires_at=timezone.now() + datetime.timedelta(hours=settings.API_TOKEN_TTL_HOURS),
        )
        record(user, "accounts.issue_api_token", api_token, {"name": api_token.name}, request)
    return token, api_token


def revoke_api_token(actor: Actor, api_token: ApiToken, request: HttpRequest | None = None) -> ApiToken:
    """Revoke a token: its owner may, and whoever manages the owner's memberships."""
    if actor is None or actor.pk != api_token.user_id:
        require(actor, "accounts.manage_officers", api_token.user)
    with transaction.atomic():
        ApiToken.objects.filter(pk=api_token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        api_token.refresh_from_db()
        record(actor, "accounts.revoke_api_token", api_token, request=request)
    return api_token


def _personal_number(provider: str, claims: dict[str, Any]) -> str:
    """The 12-digit personal identification number the national identity vouches for, when
    ``provider`` is configured as the national identity and gives one; else ""."""
    conf = settings.OIDC_PROVIDERS.get(provider, {})
    claim = str(conf.get("personal_number_claim") or "") if conf.get("national_identity") else ""
    number = claims.get(claim) if claim else None
    if not isinstance(number, str):
        return ""
    try:
        return validate_cccd(number)
    except ValidationError:
        return ""


def citizen_by_personal_number(number: str, full_name: str, request: HttpRequest | None = None) -> User:
    """The citizen account with the personal identification ``number`` (the CCCD sign-in name),
    or a new one without a password for a citizen the state has identified (the national
    identity, a dossier submitted on the national portal): they sign in through the national
    identity or set a password with "forgot your password"."""
    number = validate_cccd(number)
    user = User.objects.filter(cccd=number).first()
    if user is not None:
        if user.kind != UserKind.CITIZEN:
            raise ValidationError(
                _("This personal identification number belongs to another kind of account.")
            )
        return user
    user = User(
        username=number, cccd=number, full_name=nfc(full_name)[:200] or _("Citizen"), kind=UserKind.CITIZEN
    )
    user.set_unusable_password()
    with transaction.atomic():
        user.save()
        record(None, "accounts.register_identified", user, _person_changes(user), request, new=True)
    return user


def sign_in_external(provider: str, claims: dict[str, Any], request: HttpRequest | None = None) -> User:
    """The account for a person authenticated by an OpenID Connect provider: matched by the
    provider's ``sub``; a first visit creates a citizen account (never matched by e-mail,
    which would let a provider take over someone else's account). The national identity
    (VNeID) vouches for the personal identification number: a first visit through it finds the
    citizen's account by that number."""
    subject = str(claims["sub"])
    with transaction.atomic():
        identity = (
            ExternalIdentity.objects.select_for_update()
            .select_related("user")
            .filter(provider=provider, subject=subject)
            .first()
        )
        number = _personal_number(provider, claims) if identity is None else ""
        if number:
            name = nfc(claims.get("name")) or nfc(
                f"{claims.get('family_name', '')} {claims.get('given_name', '')}"
            )
            user = citizen_by_personal_number(number, name, request)
            identity = ExternalIdentity.objects.create(user=user, provider=provider, subject=subject)
            record(user, "accounts.link_external", user, {"provider": provider}, request)
        elif identity is None:
            user = _user_from_claims(provider, subject, claims)
            identity = ExternalIdentity.objects.create(user=user, provider=provider, subject=subject)
            record(user, "accounts.register_external", user, {"provider": provider}, request)
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        user = identity.user
        if user.is_active and not user.is_locked() and not user.requires_second_factor:
            record(user, "accounts.login", user, {"method": "oidc", "provider": provider}, request)
    return user


def _user_from_claims(provider: str, subject: str, claims: dict[str, Any]) -> User:
    digest = hashlib.sha256(f"{provider}\n{subject}".encode()).hexdigest()[:24]
    name = nfc(claims.get("name")) or nfc(f"{claims.get('family_name', '')} {claims.get('given_name', '')}")
    email = claims.get("email", "") if claims.get("email_verified") else ""
    user = User(
        username=f"sso-{digest}",
        full_name=(name or nfc(claims.get("preferred_username")) or _("Citizen"))[:200],
        kind=UserKind.CITIZEN,
        email=email,
    )
    if user.email:
        try:
            user.full_clean(exclude=["password"])
        except ValidationError:
            user.email = ""
    user.set_unusable_password()
    user.save()
    return user


# Self-registration and password reset with one-time codes (tinhso.accounts.verification).

PRIVACY_NOTICE_VERSION = "2026-12"


def _too_many(until: datetime.datetime) -> ValidationError:
    return ValidationError(
        _("Too many codes were asked for. Try again after %(time)s."),
        code="rate_limited",
        params={"time": format_datetime(until)},
    )


def _rate_limit(keys: list[tuple[str, int]], request: HttpRequest | None) -> None:
    """Count one request under every key, or refuse when one of them is over its limit."""
    verification.serialise(keys[0][0])
    now = timezone.now()
    until = verification.limited_until(keys, now)
    if until:
        raise _too_many(until)
    verification.count(keys, now)
    verification.forget_old_codes(now)


def _contact_allowed(destination: str) -> bool:
    """Whether one more message may go to an account's own phone or e-mail address (counted)."""
    key = [(verification.destination_key(destination), settings.CODE_MAX_PER_DESTINATION)]
    if verification.limited_until(key):
        return False
    verification.count(key)
    return True


def _new_code(
    purpose: str,
    channel: str,
    destination: str,
    *,
    user: User | None = None,
    details: dict[str, Any] | None = None,
    real: bool = True,
) -> tuple[OneTimeCode, str | None]:
    """A code row and the clear code (None for a code nobody receives)."""
    now = timezone.now()
    code = verification.new_code() if real else None
    row = OneTimeCode.objects.create(
        purpose=purpose,
        channel=channel,
        user=user,
        destination=destination,
        details=details or {},
        code_hash=verification.hash_code(code) if code else "",
        created_at=now,
        sent_at=now,
        expires_at=now + datetime.timedelta(minutes=settings.CODE_TTL_MINUTES),
    )
    return row, code


def _code_text(purpose: str, code: str) -> str:
    params = {"code": code, "platform": settings.PLATFORM_NAME, "minutes": settings.CODE_TTL_MINUTES}
    if purpose == CodePurpose.REGISTER:
        return (
            _(
                "%(code)s is your code to register on %(platform)s. It is valid for %(minutes)s "
                "minutes. Do not give it to anyone."
            )
            % params
        )
    return (
        _(
            "%(code)s is your code to reset your password on %(platform)s. It is valid for "
            "%(minutes)s minutes. Do not give it to anyone."
        )
        % params
    )


def _send_code(row: OneTimeCode, code: str) -> None:
    verification.deliver(
        row.channel, row.destination, _("Your verification code"), _code_text(row.purpose, code)
    )


def _tell_owner_already_registered(owner: User) -> None:
    """The owner of a CCCD or tax code someone tried to register again hears of it on their
    own phone or e-mail address (never on the one typed in), within the destination limit."""
    text = _(
        "Someone tried to register an account on %(platform)s with your citizen ID or tax code. "
        "You already have an account: sign in, or reset your password if you forgot it. If it "
        "was not you, you need not do anything."
    ) % {"platform": settings.PLATFORM_NAME}
    for channel, destination in (("sms", owner.phone), ("email", owner.email)):
        if destination and _contact_allowed(destination):
            verification.deliver(channel, destination, _("Your account already exists"), text)
            return


def start_registration(
    actor: Actor,
    *,
    kind: str,
    identifier: str,
    full_name: str,
    password: str,
    consent: bool,
    date_of_birth: datetime.date | None = None,
    phone: str = "",
    email: str = "",
    request: HttpRequest | None = None,
) -> OneTimeCode:
    """Begin a self-registration: a citizen (``identifier`` = CCCD) or a business
    (``identifier`` = tax code). The details are checked and kept with a code sent to the
    phone (else the e-mail address); the account is created by ``confirm_registration`` once
    the code comes back. Whether the number is already registered, the answer is the same: a
    code row (for a registered number one nobody receives, and the owner is told on their own
    contact details), so nobody learns from this page which numbers have accounts.

    Consent to the processing of personal data, with its purpose stated, is required by
    Law 91/2025/QH15 on Personal Data Protection, Art. 9 (article number from secondary
    sources; the official text could not be read)."""
    require(actor, "accounts.register_citizen")
    if not settings.SELF_REGISTRATION:
        raise ValidationError(_("This province does not open accounts with a password."), code="closed")
    if kind not in (UserKind.CITIZEN, UserKind.BUSINESS):
        raise ValidationError(_("Choose who the account is for."))
    if not consent:
        raise ValidationError(
            {"consent": _("To register you must agree to the processing of your personal data.")}
        )
    if not (phone or email):
        raise ValidationError({"phone": _("Give a mobile phone number or an e-mail address.")})
    user = User(full_name=full_name, kind=kind, phone=phone, email=email)
    errors = {}
    if kind == UserKind.CITIZEN:
        try:
            number = validate_cccd(nfc(identifier), date_of_birth)
        except ValidationError as exc:
            errors["identifier"] = exc.messages
            number = nfc(identifier)
        user.username = user.cccd = number
        user.date_of_birth = date_of_birth
        if not errors:
            user.gender = cccd_century_and_gender(int(number[3]))[1]
    else:
        try:
            number = validate_tax_code(identifier)
        except ValidationError as exc:
            errors["identifier"] = exc.messages
            number = nfc(identifier)
        user.username = user.tax_code = number
    try:
        # Not the unique checks: they would tell whether the number is registered.
        user.full_clean(exclude=["password", "identifier"], validate_unique=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault("identifier" if field in ("cccd", "tax_code", "username") else field, messages)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    channel, destination = ("sms", user.phone) if user.phone else ("email", user.email)
    # Hashed whether or not the number is registered: the time taken must not tell.
    password_hash = make_password(password)
    with transaction.atomic():
        _rate_limit(verification.limits(request, destination=destination), request)
        owner = User.objects.filter(username=user.username).first()
        if owner is None and user.cccd:
            owner = User.objects.filter(cccd=user.cccd).first()
        details = {}
        if owner is None:
            details = {
                "username": user.username,
                "kind": user.kind,
                "full_name": user.full_name,
                "cccd": user.cccd,
                "tax_code": user.tax_code,
                "date_of_birth": user.date_of_birth.isoformat() if user.date_of_birth else None,
                "gender": user.gender,
                "phone": user.phone,
                "email": user.email,
                "password": password_hash,
                "consent": {"notice": PRIVACY_NOTICE_VERSION, "at": timezone.now().isoformat()},
            }
        row, code = _new_code(CodePurpose.REGISTER, channel, destination, details=details, real=owner is None)
        if owner is None:
            _send_code(row, code)
        else:
            _tell_owner_already_registered(owner)
        record(
            None,
            "accounts.registration_started",
            row,
            {"kind": kind, "channel": channel, "already_registered": owner is not None},
            request,
            new=True,
        )
    return row


_Result = TypeVar("_Result")


def _check_code(
    row_id: int,
    purpose: str,
    code: str,
    request: HttpRequest | None,
    on_match: Callable[[OneTimeCode], _Result],
) -> _Result:
    """Check ``code`` against the code row ``row_id``; on a match call ``on_match(row)`` in the
    same transaction and return its result. A wrong code is counted (and stays counted)."""
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(pk=row_id, purpose=purpose, used_at__isnull=True, verified_at__isnull=True)
            .first()
        )
        if row is None:
            raise ValidationError(_("This code is no longer valid. Please start again."), code="gone")
        if verification.expired(row):
            raise ValidationError(_("This code has expired. Ask for a new code."), code="expired")
        if row.wrong_tries >= settings.CODE_MAX_TRIES:
            raise ValidationError(_("Too many wrong codes. Ask for a new code."), code="too_many_tries")
        if verification.code_matches(row.code_hash, (code or "").replace(" ", "")):
            return on_match(row)
        row.wrong_tries += 1
        row.save(update_fields=["wrong_tries"])
        record(None, "accounts.code_failed", row, {"wrong_tries": row.wrong_tries}, request)
        left = settings.CODE_MAX_TRIES - row.wrong_tries
    if left <= 0:
        raise ValidationError(_("Too many wrong codes. Ask for a new code."), code="too_many_tries")
    raise ValidationError(
        _("The code is not correct. You can try %(left)d more times."), code="wrong", params={"left": left}
    )


def confirm_registration(row_id: int, code: str, request: HttpRequest | None = None) -> User:
    """Create and activate the account whose registration code ``code`` is (see
    ``start_registration``); the details kept with the code are then erased."""
    if not settings.SELF_REGISTRATION:
        raise ValidationError(_("This province does not open accounts with a password."), code="closed")

    def create(row: OneTimeCode) -> User:
        details = row.details
        user = User(
            username=details["username"],
            kind=details["kind"],
            full_name=details["full_name"],
            cccd=details["cccd"],
            tax_code=details["tax_code"],
            date_of_birth=datetime.date.fromisoformat(details["date_of_birth"])
            if details["date_of_birth"]
            else None,
            gender=details["gender"],
            phone=details["phone"],
            email=details["email"],
            password=details["password"],
        )
        user.full_clean(exclude=["password"], validate_unique=False)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:
            raise ValidationError(
                _("An account with this citizen ID or tax code already exists. Sign in instead.")
            ) from exc
        now = timezone.now()
        OneTimeCode.objects.filter(pk=row.pk).update(used_at=now, verified_at=now, details={})
        changes = _person_changes(user) | {
            "verified": row.channel,
            "consent": details["consent"],
        }
        action = (
            "accounts.register_citizen" if user.kind == UserKind.CITIZEN else "accounts.register_business"
        )
        record(user, action, user, changes, request, new=True)
        return user

    return _check_code(row_id, CodePurpose.REGISTER, code, request, create)


def resend_code(row_id: int, request: HttpRequest | None = None) -> OneTimeCode:
    """A new code for the same registration or reset, at most ``CODE_MAX_SENDS`` times, not
    before ``CODE_RESEND_SECONDS``, within the rate limits. A code nobody receives is renewed
    the same way (and still reaches nobody)."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(pk=row_id, used_at__isnull=True, verified_at__isnull=True)
            .first()
        )
        if row is None:
            raise ValidationError(_("This code is no longer valid. Please start again."), code="gone")
        if row.sends >= settings.CODE_MAX_SENDS:
            raise ValidationError(
                _("We cannot send more codes for this request. Please start again later."), code="max_sends"
            )
        if now < verification.can_resend_at(row):
            raise ValidationError(
                _("Please wait until %(time)s before asking for a new code."),
                code="too_soon",
                params={"time": format_datetime(verification.can_resend_at(row))},
            )
        if row.purpose == CodePurpose.RESET:
            # The account's own phone is counted silently, as in ``request_password_reset``.
            _rate_limit(verification.limits(request, username=row.details["username"]), request)
            real = bool(row.code_hash) and _contact_allowed(row.destination)
        else:
            _rate_limit(verification.limits(request, destination=row.destination), request)
            real = bool(row.code_hash)
        code = verification.new_code() if real else None
        row.code_hash = verification.hash_code(code) if code else ""
        row.sent_at = now
        row.expires_at = now + datetime.timedelta(minutes=settings.CODE_TTL_MINUTES)
        row.sends += 1
        row.wrong_tries = 0
        row.save(update_fields=["code_hash", "sent_at", "expires_at", "sends", "wrong_tries"])
        if code:
            _send_code(row, code)
        record(None, "accounts.code_resent", row, {"sends": row.sends}, request)
    return row


def request_password_reset(
    username: str, channel: str, request: HttpRequest | None = None
) -> OneTimeCode | None:
    """Send a reset link by e-mail (``channel`` "email"; returns None) or a code by SMS
    ("sms"; returns the code row to check) to the account's own contact details. Unknown
    accounts, and accounts without that contact, get the same answer (an SMS code row nobody
    receives), so the page tells nobody which accounts exist. Rate-limited per address and per
    username whether it exists or not."""
    username = nfc(username)
    if channel not in (CodeChannel.SMS, CodeChannel.EMAIL):
        raise ValidationError({"channel": _("Choose how to receive the code.")})
    if not username:
        raise ValidationError({"username": _("Enter your citizen ID number or username.")})
    with transaction.atomic():
        _rate_limit(verification.limits(request, username=username), request)
        user = User.objects.filter(username=username, is_active=True).first()
        destination = (user.email if channel == CodeChannel.EMAIL else user.phone) if user else ""
        deliverable = bool(destination) and _contact_allowed(destination)
        if user is not None:
            record(
                None,
                "accounts.password_reset_requested",
                user,
                {"channel": channel, "sent": deliverable},
                request,
            )
        if channel == CodeChannel.EMAIL:
            if deliverable:
                _send_reset_link(user, request)
            return None
        row, code = _new_code(
            CodePurpose.RESET,
            channel,
            destination,
            user=user,
            details={"username": username},
            real=deliverable,
        )
        if code:
            _send_code(row, code)
    return row


def _send_reset_link(user: User, request: HttpRequest | None) -> None:
    path = reverse(
        "accounts:password_reset_link",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
    )
    minutes = settings.PASSWORD_RESET_TIMEOUT // 60
    text = "\n".join(
        [
            _("Hello %(name)s,") % {"name": user.full_name},
            "",
            _("To choose a new password for %(platform)s, open this link within %(minutes)s minutes:")
            % {"platform": settings.PLATFORM_NAME, "minutes": minutes},
            site_url(request) + path,
            "",
            _("If you did not ask for it, you need not do anything: your password stays the same."),
        ]
    )
    verification.deliver("email", user.email, _("Reset your password"), text)


def verify_reset_code(row_id: int, code: str, request: HttpRequest | None = None) -> OneTimeCode:
    """Accept the SMS code of a password reset; the new password is then set with
    ``reset_password`` within the code's lifetime."""

    def verified(row: OneTimeCode) -> OneTimeCode:
        row.verified_at = timezone.now()
        row.save(update_fields=["verified_at"])
        record(None, "accounts.code_verified", row, {"purpose": row.purpose}, request)
        return row

    return _check_code(row_id, CodePurpose.RESET, code, request, verified)


def reset_password(
    user: User, password: str, request: HttpRequest | None = None, *, code_row_id: int | None = None
) -> User:
    """Set a new password after a reset (e-mail link checked by the view, or the verified SMS
    code ``code_row_id``). Every session of the account ends (the session hash follows the
    password) and its API tokens are revoked; it does not sign anyone in, and the second factor,
    its lock and the sign-in throttles stay as they are: an officer still needs their code."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    now = timezone.now()
    with transaction.atomic():
        if code_row_id is not None:
            used = OneTimeCode.objects.filter(
                pk=code_row_id,
                user=user,
                purpose=CodePurpose.RESET,
                verified_at__isnull=False,
                used_at__isnull=True,
                expires_at__gt=now,
            ).update(used_at=now)
            if not used:
                raise ValidationError(_("This code is no longer valid. Please start again."), code="gone")
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(password)
        user.save(update_fields=["password"])
        revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        record(
            user,
            "accounts.password_reset",
            user,
            {"method": "sms" if code_row_id else "email", "api_tokens_revoked": revoked},
            request,
        )
    return user


# One export of a person's data per this interval: the export reads every table about them.
EXPORT_INTERVAL = datetime.timedelta(minutes=10)
EXPORT_FORMATS = ("json", "html")


def export_personal_data(
    actor: Actor, person: User, fmt: str, request: HttpRequest | None = None
) -> dict[str, Any]:
    """Everything held about ``person``, for themselves only (Law 91/2025/QH15 art. 4: the
    data subject may view their data and have it provided). Recorded in the audit trail; refused
    when the previous export is less than ``EXPORT_INTERVAL`` old."""
    if actor is None or not actor.is_authenticated or actor.pk != person.pk:
        raise PermissionDenied("accounts.export_personal_data")
    if fmt not in EXPORT_FORMATS:
        raise ValidationError(_("Choose JSON or a readable page."))
    with transaction.atomic():
        # Two exports started together take turns, so the second one sees the first.
        User.objects.select_for_update().filter(pk=person.pk).first()
        last = (
            history_for(person)
            .filter(action="accounts.export_personal_data")
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        if last is not None and timezone.now() - last < EXPORT_INTERVAL:
            minutes = int(EXPORT_INTERVAL.total_seconds() // 60)
            raise ValidationError(
                _("You exported your data a moment ago. Try again in %(minutes)d minutes.")
                % {"minutes": minutes}
            )
        data = personal_data.collect(person, readable=fmt == "html")
        record(actor, "accounts.export_personal_data", person, {"format": fmt}, request)
    return data


def forget_sign_in_throttles(before: datetime.datetime) -> int:
    """Delete the failed-sign-in counters last touched before ``before`` and no longer locking:
    counters, not business records, so no audit entry (like ``signin``'s own pruning)."""
    now = timezone.now()
    stale = SignInThrottle.objects.filter(last_failure_at__lt=before).exclude(locked_until__gt=now)
    deleted, _per_model = stale.delete()
    return deleted
