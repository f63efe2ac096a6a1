"""The address the platform is reached at, for links and QR codes that leave the page (papers,
e-mails, SMS, signed results)."""

from django.conf import settings

FALLBACK = "http://127.0.0.1:8000"


def site_url(request=None) -> str:
    """``SITE_URL`` when configured, else the address of the current request (its host is checked
    against ``ALLOWED_HOSTS``), else the local development address; without a trailing slash."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return FALLBACK
