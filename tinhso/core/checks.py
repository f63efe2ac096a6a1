"""Deployment checks (``manage.py check --deploy``): settings that must be real outside the demo.

The settings module already refuses to start when one of them is missing; these checks also catch
values that are present but not fit for production (SQLite, the demo's published secrets, a
loopback or plain-HTTP public address, mail printed to the console).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "testserver"}
UNSENT_MAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@register(Tags.security, deploy=True)
def check_production_settings(app_configs=None, **kwargs):
    if settings.DEMO:
        return []
    errors, demo = [], settings.DEMO_SETTINGS
    if demo["SECRET_KEY"] == settings.SECRET_KEY:
        errors.append(
            Error("SECRET_KEY is the demo's published key.", hint="Set SECRET_KEY.", id="tinhso.E001")
        )
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        errors.append(
            Error(
                "The database is not PostgreSQL: SQLite is for the demo only.",
                hint="Set DATABASE_URL to the PostgreSQL database (postgres://...).",
                id="tinhso.E002",
            )
        )
    vnpay = settings.VNPAY
    if not vnpay.get("TMN_CODE") or not vnpay.get("HASH_SECRET"):
        errors.append(
            Error(
                "The payment gateway's terminal code or hash secret is empty.",
                hint="Set VNPAY_TMN_CODE and VNPAY_HASH_SECRET.",
                id="tinhso.E003",
            )
        )
    elif vnpay["HASH_SECRET"] == demo["VNPAY_HASH_SECRET"]:
        errors.append(
            Error(
                "VNPAY_HASH_SECRET is the sandbox's published secret: anyone could forge payment notices.",
                hint="Set VNPAY_HASH_SECRET to the secret VNPAY gave this merchant.",
                id="tinhso.E004",
            )
        )
    site = urlsplit(settings.SITE_URL)
    if site.scheme not in {"http", "https"} or not site.hostname or site.hostname in LOOPBACK_HOSTS:
        errors.append(
            Error(
                f"SITE_URL ({settings.SITE_URL!r}) is not the platform's public address.",
                hint="Set SITE_URL to the address citizens use, e.g. https://dichvucong.example.gov.vn.",
                id="tinhso.E005",
            )
        )
    elif settings.SESSION_COOKIE_SECURE and site.scheme != "https":
        errors.append(
            Error(
                "SITE_URL is plain HTTP while the platform is served over HTTPS.",
                hint="Use the https:// address in SITE_URL.",
                id="tinhso.E006",
            )
        )
    sender = settings.DEFAULT_FROM_EMAIL.rstrip(">").rsplit("@", 1)[-1].strip().lower()
    if settings.EMAIL_BACKEND in UNSENT_MAIL_BACKENDS or sender in LOOPBACK_HOSTS:
        errors.append(
            Error(
                "Mail is not sent (console, memory or file backend) or comes from a local address.",
                hint="Set EMAIL_HOST and DEFAULT_FROM_EMAIL to the province's mail server and address.",
                id="tinhso.E007",
            )
        )
    if vnpay.get("PAYMENT_URL", "").startswith("/") and not settings.VNPAY_SANDBOX_ENABLED:
        errors.append(
            Warning(
                "The payment page is the local sandbox's, which is turned off: online payment cannot work.",
                hint="Set VNPAY_PAYMENT_URL and VNPAY_API_URL to the gateway's addresses.",
                id="tinhso.W001",
            )
        )
    return errors
