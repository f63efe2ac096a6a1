"""Alerts about accounts, as tasks of the database-backed queue."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from tinhso.accounts.models import Membership, Role, User
from tinhso.core.text import format_datetime


def alert_recipients(user: User) -> list[str]:
    """The person's e-mail and those of the agency and province administrators above any agency
    they belong to."""
    agency_ids = set()
    for path in user.active_memberships().values_list("agency__path", flat=True):
        agency_ids.update(int(part) for part in path.strip("/").split("/") if part)
    admins = (
        Membership.objects.active()
        .filter(agency_id__in=agency_ids, role__in=[Role.AGENCY_ADMIN, Role.PROVINCE_ADMIN])
        .exclude(user__email="")
        .exclude(user=user)
        .values_list("user__email", flat=True)
    )
    return sorted({email for email in [user.email, *admins] if email})


@task()
def notify_second_factor_locked(user_id: int) -> int:
    """E-mail that an account was locked after wrong second-factor codes: whoever tried had the
    password. Returns the number of messages."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or user.locked_until is None:
        return 0
    recipients = alert_recipients(user)
    if not recipients:
        return 0
    with translation.override("vi"):
        subject = _("Account %(username)s locked after wrong verification codes") % {
            "username": user.display_username
        }
        body = "\n".join(
            [
                _(
                    "Someone gave the right password of %(name)s (%(username)s) and then "
                    "%(count)d wrong verification codes. The account is locked until %(until)s."
                )
                % {
                    "name": user.full_name,
                    "username": user.display_username,
                    "count": user.second_factor_failures,
                    "until": format_datetime(user.locked_until),
                },
                _(
                    "If it was not the account's owner, the password is known to someone else: "
                    "change it, and ask an administrator to check the account."
                ),
                "",
                settings.PLATFORM_NAME,
            ]
        )
    for email in recipients:
        send_mail(subject, body, None, [email])
    return len(recipients)
