"""``/api/v1/auth/token`` (bearer tokens) and ``/api/v1/me``.

Errors are ``{"error": {"code", "message"}}`` with a Vietnamese message: 401 for wrong
credentials or a missing/wrong TOTP code, 429 Too Many Requests (with ``Retry-After``) when the
caller's address made too many wrong attempts (the same for existing and unknown usernames),
423 Locked (with ``Retry-After``) when the right password was given for an account locked after
wrong second-factor codes, 422 for a body that is not valid. The rules are those of the sign-in
page (``tinhso.accounts.signin``).
"""

import datetime
import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from tinhso.accounts import actions, signin
from tinhso.accounts.models import User
from tinhso.core.api import ApiRequest

auth_router = Router(tags=["auth"])
me_router = Router(tags=["me"])


class TokenRequest(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1024)
    totp: str | None = Field(
        default=None,
        max_length=20,
        description="Required for officers: the current TOTP code, or one of the recovery codes.",
    )
    name: str = Field(default="", max_length=100, description="A label for the token, e.g. the app's name.")


class TokenResponse(Schema):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


class ErrorDetail(Schema):
    code: str
    message: str


class ErrorResponse(Schema):
    error: ErrorDetail


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status, headers=headers)


def _locked(result: signin.SignInResult) -> JsonResponse:
    until = result.locked_until or timezone.now()
    seconds = str(max(1, math.ceil((until - timezone.now()).total_seconds())))
    if result.status == signin.THROTTLED:
        return _error(
            429,
            "too_many_attempts",
            _("Too many failed sign-in attempts from this connection. Try again later."),
            headers={"Retry-After": seconds},
        )
    return _error(
        423,
        "locked",
        _("This account is temporarily locked after too many failed sign-in attempts. Try again later."),
        headers={"Retry-After": seconds},
    )


@auth_router.post(
    "/token",
    auth=None,
    response={
        200: TokenResponse,
        401: ErrorResponse,
        422: ErrorResponse,
        423: ErrorResponse,
        429: ErrorResponse,
    },
    summary="Get a bearer token",
)
def create_token(request: HttpRequest, payload: TokenRequest) -> JsonResponse | dict[str, Any]:
    """Exchange a username and password (and, for officers, a current TOTP code) for a
    bearer token valid ``API_TOKEN_TTL_HOURS`` hours. Wrong passwords count towards the
    address's throttle and wrong codes towards the account's second-factor lock, as on the
    sign-in page."""
    result = signin.check_password(payload.username, payload.password, request)
    if result.status in (signin.LOCKED, signin.THROTTLED):
        return _locked(result)
    user = result.user
    if not result.ok or user is None:
        return _error(401, "invalid_credentials", _("The username or password is incorrect."))
    if user.requires_second_factor:
        if not user.totp_enabled:
            return _error(
                401,
                "totp_not_enrolled",
                _("Set up two-step verification by signing in on the website before using the API."),
            )
        if not payload.totp:
            return _error(
                401, "totp_required", _("Give the 6-digit code from your authenticator app (totp).")
            )
        result = signin.check_second_factor(user, payload.totp, request, method="api")
        if result.status == signin.LOCKED:
            return _locked(result)
        if not result.ok:
            return _error(401, "invalid_totp", _("The verification code is not correct or was already used."))
    token, _api_token = actions.issue_api_token(user, payload.name, request)
    return {"access_token": token, "token_type": "Bearer", "expires_in": settings.API_TOKEN_TTL_HOURS * 3600}


class MembershipAgencyOut(Schema):
    id: int
    code: str
    name: str


class MembershipOut(Schema):
    agency: MembershipAgencyOut
    role: str
    role_label: str
    valid_from: datetime.date
    valid_to: datetime.date | None


class MeResponse(Schema):
    id: int
    username: str
    full_name: str
    kind: str
    cccd: str = Field(description="Masked: only the first four and last two digits.")
    email: str
    phone: str
    totp_enabled: bool
    memberships: list[MembershipOut]


@me_router.get("", response=MeResponse, summary="The caller's account, agencies and roles")
def me(request: ApiRequest) -> dict[str, Any]:
    user: User = request.auth
    return {
        "id": user.pk,
        "username": user.display_username,
        "full_name": user.full_name,
        "kind": user.kind,
        "cccd": user.masked_cccd,
        "email": user.email,
        "phone": user.phone,
        "totp_enabled": user.totp_enabled,
        "memberships": [
            {
                "agency": {"id": m.agency.pk, "code": m.agency.code, "name": m.agency.name},
                "role": m.role,
                "role_label": str(m.get_role_display()),
                "valid_from": m.valid_from,
                "valid_to": m.valid_to,
            }
            for m in user.active_memberships().order_by("agency__name", "role")
        ],
    }
