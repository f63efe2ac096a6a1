"""Authentication backend: Django's model backend with the platform's lockout rules."""

from django.contrib.auth.backends import ModelBackend

from tinhso.accounts.models import User
from tinhso.accounts.signin import check_password


class LockoutModelBackend(ModelBackend):
    """Username + password through ``signin.check_password`` (lockout and audit included).

    It checks the password only: the second factor is enforced after sign-in by
    ``OfficerTwoFactorMiddleware``.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        username = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        result = check_password(username, password, request)
        return result.user if result.ok else None
