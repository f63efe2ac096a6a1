"""Bearer-token authentication for the API (tokens from ``POST /api/v1/auth/token``)."""

import datetime

from django.db.models import Q
from django.utils import timezone
from ninja.security import HttpBearer

from tinhso.accounts.models import ApiToken, User, hash_token
from tinhso.core.sql import sql

# ``last_used_at`` is written at most once a minute per token, not on every request.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


# What makes a token usable: not revoked, not expired, its account active. Plain SQL: every API
# request runs it. The account comes back with ``token_id`` and ``token_last_used_at``.
USABLE_TOKEN_SQL = sql(
    """
SELECT u.*, t.{t.id} AS token_id, t.{t.last_used_at} AS token_last_used_at
FROM {t} t JOIN {u} u ON u.{u.id} = t.{t.user}
WHERE t.{t.token_hash} = %s AND t.{t.revoked_at} IS NULL AND t.{t.expires_at} > %s AND u.{u.is_active}
""",
    t=ApiToken,
    u=User,
)


def user_for_token(token: str):
    """The active user owning the unexpired, unrevoked ``token``, or None."""
    if not token:
        return None
    now = timezone.now()
    found = list(User.objects.raw(USABLE_TOKEN_SQL, [hash_token(token), now]))
    if not found:
        return None
    user = found[0]
    stale = now - LAST_USED_PRECISION
    if user.token_last_used_at is None or user.token_last_used_at < stale:
        ApiToken.objects.filter(pk=user.token_id).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale)
        ).update(last_used_at=now)
    return user


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``; sets ``request.user`` and ``request.auth`` to the owner."""

    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user
