"""The accounts' part of the retention schedule (``tinhso.core.retention``): failed sign-in
counters are deleted once their window is over."""

from tinhso.accounts.actions import forget_sign_in_throttles
from tinhso.accounts.models import SignInThrottle
from tinhso.core import retention


def throttles_due(before, now):
    return SignInThrottle.objects.filter(last_failure_at__lt=before).exclude(locked_until__gt=now)


retention.register(
    retention.Kind(
        "sign_in_throttles",
        "failed sign-in counters",
        "delete",
        due=throttles_due,
        apply=lambda records, before: forget_sign_in_throttles(before),
        position=3,
    )
)
