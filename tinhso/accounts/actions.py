"""Business actions on accounts: each checks permission, validates, writes in one transaction
and records the audit entry. Bad input raises ``ValidationError`` (Vietnamese messages) and
leaves nothing behind."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.accounts import otp, personal_data, signin
from tinhso.accounts.models import (
    ApiToken,
    EnrolmentCode,
    ExternalIdentity,
    Membership,
    RecoveryCode,
    SignInThrottle,
    User,
    UserKind,
    hash_token,
)
from tinhso.accounts.permissions import require
from tinhso.audit.services import history_for, record
from tinhso.core.text import nfc


def _check_password(user: User, password: str | None) -> None:
    if not password:
        return
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def _save_new_user(user: User, password: str | None) -> User:
    """Validate and insert ``user``; a duplicate that slips past ``full_clean`` becomes a
    ValidationError too (two people registering the same CCCD at once)."""
    user.full_clean(exclude=["password"])
    _check_password(user, password)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise ValidationError(_("An account with this username or citizen ID already exists.")) from exc
    return user


def _person_changes(user: User) -> dict:
    """What the audit keeps about a new account: no CCCD in clear, no password."""
    return {
        "username": user.display_username,
        "full_name": user.full_name,
        "kind": user.kind,
        "cccd": user.masked_cccd,
    }


def register_citizen(
    actor,
    *,
    cccd: str,
    full_name: str,
    date_of_birth: datetime.date,
    gender: str,
    password: str,
    phone: str = "",
    email: str = "",
    request=None,
) -> User:
    """A citizen's account, signed in with their CCCD. ``actor`` is None (or anonymous) when
    people register themselves, a one-stop officer when registered at the counter."""
    require(actor, "accounts.register_citizen")
    if not password:
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
        _save_new_user(user, password)
        by = actor if actor is not None and actor.is_authenticated else user
        record(by, "accounts.register_citizen", user, _person_changes(user), request)
    return user


def create_officer(
    actor,
    *,
    username: str,
    full_name: str,
    memberships,
    password: str | None = None,
    email: str = "",
    phone: str = "",
    cccd: str | None = None,
    date_of_birth: datetime.date | None = None,
    gender: str = "",
    request=None,
) -> User:
    """An officer's account with its first memberships: ``memberships`` is a list of
    ``(agency, role)`` or ``(agency, role, valid_from)``. The actor must be allowed to manage
    officers in every one of those agencies (an agency admin only in their own subtree)."""
    planned = [Membership(agency=item[0], role=item[1], valid_from=_day(item[2:])) for item in memberships]
    if not planned:
        raise ValidationError(_("An officer must belong to at least one agency."))
    for membership in planned:
        require(actor, "accounts.manage_officers", membership)
    user = User(
        username=username,
        full_name=full_name,
        kind=UserKind.OFFICER,
        email=email,
        phone=phone,
        cccd=cccd,
        date_of_birth=date_of_birth,
        gender=gender,
    )
    with transaction.atomic():
        _save_new_user(user, password)
        record(actor, "accounts.create_officer", user, _person_changes(user), request)
        for membership in planned:
            membership.user = user
            _save_membership(actor, membership, request)
    return user


def _day(rest) -> datetime.date:
    return rest[0] if rest else timezone.localdate()


def _save_membership(actor, membership: Membership, request) -> Membership:
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
    actor,
    user: User,
    agency,
    role: str,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    request=None,
) -> Membership:
    """Give ``user`` (an officer) ``role`` in ``agency`` from ``valid_from`` (default today)."""
    membership = Membership(
        user=user, agency=agency, role=role, valid_from=valid_from or timezone.localdate(), valid_to=valid_to
    )
    require(actor, "accounts.manage_officers", membership)
    if user.kind != UserKind.OFFICER:
        raise ValidationError(_("Only officer accounts can hold a role in an agency."))
    with transaction.atomic():
        # Serialise changes to one person's roles, so that the overlap check holds.
        User.objects.select_for_update().filter(pk=user.pk).exists()
        return _save_membership(actor, membership, request)


def end_membership(
    actor, membership: Membership, last_day: datetime.date | None = None, request=None
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


def issue_enrolment_code(actor, officer: User, request=None, *, from_console: bool = False) -> str:
    """A one-time code with which ``officer`` sets up two-step verification, valid
    ``ENROLMENT_CODE_HOURS`` (default 72) hours. The clear code is returned once, to be given
    to the officer out of band (in person, by phone); only its hash is stored, and it replaces
    any code not used yet. Issued by an administrator of the officer's agency (or the province
    administrator), never by the officer; ``from_console`` is ``manage.py issue_enrolment_code``
    on the server, for the first administrator."""
    if not from_console:
        require(actor, "accounts.manage_officers", officer)
        if actor.pk == officer.pk:
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


def enable_totp(user: User, secret: str, code: str, request=None, *, enrolment_code: str = "") -> list[str]:
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


def disable_totp(user: User, code: str, request=None) -> User:
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


def reset_second_factor(actor, user: User, request=None) -> User:
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


def unlock_account(actor, user: User, request=None) -> User:
    """Lift a lock after wrong second-factor codes (the administrator has checked with the owner)."""
    require(actor, "accounts.manage_officers", user)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        previous = user.locked_until
        User.objects.filter(pk=user.pk).update(locked_until=None, second_factor_failures=0)
        user.refresh_from_db()
        record(actor, "accounts.unlock", user, {"locked_until": previous}, request)
    return user


def issue_api_token(user: User, name: str = "", request=None) -> tuple[str, ApiToken]:
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


def revoke_api_token(actor, api_token: ApiToken, request=None) -> ApiToken:
    """Revoke a token: its owner may, and whoever manages the owner's memberships."""
    if actor is None or actor.pk != api_token.user_id:
        require(actor, "accounts.manage_officers", api_token.user)
    with transaction.atomic():
        ApiToken.objects.filter(pk=api_token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        api_token.refresh_from_db()
        record(actor, "accounts.revoke_api_token", api_token, request=request)
    return api_token


def sign_in_external(provider: str, claims: dict, request=None) -> User:
    """The account for a person authenticated by an OpenID Connect provider: matched by the
    provider's ``sub``; a first visit creates a citizen account (never matched by e-mail,
    which would let a provider take over someone else's account)."""
    subject = str(claims["sub"])
    with transaction.atomic():
        identity = (
            ExternalIdentity.objects.select_for_update()
            .select_related("user")
            .filter(provider=provider, subject=subject)
            .first()
        )
        if identity is None:
            user = _user_from_claims(provider, subject, claims)
            identity = ExternalIdentity.objects.create(user=user, provider=provider, subject=subject)
            record(user, "accounts.register_external", user, {"provider": provider}, request)
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        user = identity.user
        if user.is_active and not user.is_locked() and not user.requires_second_factor:
            record(user, "accounts.login", user, {"method": "oidc", "provider": provider}, request)
    return user


def _user_from_claims(provider: str, subject: str, claims: dict) -> User:
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


# One export of a person's data per this interval: the export reads every table about them.
EXPORT_INTERVAL = datetime.timedelta(minutes=10)
EXPORT_FORMATS = ("json", "html")


def export_personal_data(actor, person: User, fmt: str, request=None) -> dict:
    """Everything held about ``person``, for themselves only (Law 91/2025/QH15 art. 4: the
    data subject may view their data and have it provided). Recorded in the audit trail; refused
    when the previous export is less than ``EXPORT_INTERVAL`` old."""
    if not actor.is_authenticated or actor.pk != person.pk:
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


def forget_sign_in_throttles(before) -> int:
    """Delete the failed-sign-in counters last touched before ``before`` and no longer locking:
    counters, not business records, so no audit entry (like ``signin``'s own pruning)."""
    now = timezone.now()
    stale = SignInThrottle.objects.filter(last_failure_at__lt=before).exclude(locked_until__gt=now)
    deleted, _per_model = stale.delete()
    return deleted
