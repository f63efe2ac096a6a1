"""Bearer-token authentication for the API (tokens from ``POST /api/v1/auth/token``)."""

import datetime

from django.db.models import Q
from django.utils import timezone
from ninja.security import HttpBearer

from tinhso.accounts.models import ApiToken, hash_token

# ``last_used_at`` is written at most once a minute per token, not on every request.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def user_for_token(token: str):
    """The active user owning the unexpired, unrevoked ``token``, or None."""
    if not token:
        return None
    now = timezone.now()
    api_token = (
        ApiToken.objects.usable(now).select_related("user").filter(token_hash=hash_token(token)).first()
    )
    if api_token is None:
        return None
    stale = now - LAST_USED_PRECISION
    if api_token.last_used_at is None or api_token.last_used_at < stale:
        ApiToken.objects.filter(pk=api_token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)
        ).update(last_used_at=now)
    return api_token.user


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``; sets ``request.user`` and ``request.auth`` to the owner."""

    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user
