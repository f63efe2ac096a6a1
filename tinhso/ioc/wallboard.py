"""Wallboard links: ``/ioc/man-hinh/<token>/`` where the token is the link's id signed with the
installation's secret key. The server checks the signature, then the link's row (not revoked,
not expired) on every request, and computes the numbers for the link's agency only."""

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.ioc.models import WallboardLink

SALT = "tinhso.ioc.wallboard"


class Refused(Exception):
    """The link cannot be used: ``message`` says why, ``status`` is the HTTP answer."""

    def __init__(self, message, status: int):
        super().__init__(str(message))
        self.message = message
        self.status = status


def token_for(link: WallboardLink) -> str:
    return signing.dumps(link.pk, salt=SALT)


def resolve(token: str) -> WallboardLink:
    """The valid link of ``token``; ``Refused`` when forged, unknown, revoked or expired."""
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise Refused(_("This wallboard link is not valid."), 403) from None
    link = WallboardLink.objects.select_related("agency").filter(pk=pk).first()
    if link is None:
        raise Refused(_("This wallboard link is not valid."), 403)
    if link.revoked_at is not None:
        raise Refused(_("This wallboard link has been revoked. Ask the administrator for a new one."), 410)
    if link.expires_at <= timezone.now():
        raise Refused(_("This wallboard link has expired. Ask the administrator for a new one."), 410)
    return link
