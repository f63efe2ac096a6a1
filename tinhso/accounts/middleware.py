"""Second factor for officers: after the password, nothing but the TOTP pages until it is done."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

SECOND_FACTOR_SESSION_KEY = "accounts_second_factor_user"


def second_factor_done(request) -> bool:
    return request.session.get(SECOND_FACTOR_SESSION_KEY) == request.user.pk


def mark_second_factor_done(request, user) -> None:
    request.session.cycle_key()
    request.session[SECOND_FACTOR_SESSION_KEY] = user.pk


class OfficerTwoFactorMiddleware:
    """Redirect a signed-in user who must use TOTP (officers, administrators, citizens who
    enabled it) to enrollment or to the code page until the code is given. The TOTP pages,
    sign-out, static files, the language switch and the health check stay reachable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.requires_second_factor
            and not second_factor_done(request)
            and not self.exempt(request.path)
        ):
            target = reverse("accounts:totp_verify" if user.totp_enabled else "accounts:totp_enroll")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def exempt(path: str) -> bool:
        allowed = [
            reverse("accounts:totp_verify"),
            reverse("accounts:totp_enroll"),
            reverse("accounts:logout"),
            settings.STATIC_URL,
            "/i18n/",
            "/healthz",
        ]
        return any(path.startswith(prefix) for prefix in allowed)
