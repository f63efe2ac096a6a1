"""Settings for tinhso, read from the environment.

Production defaults are safe: DEBUG off, secure cookies, a strict Content-Security-Policy.
The demo (``make demo``) sets ``TINHSO_DEMO=1`` to run over plain HTTP on SQLite.
"""

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEMO = env_bool("TINHSO_DEMO", False)
DEBUG = env_bool("DEBUG", False)

# Settings that must be real outside the demo. The demo's values are public (they are in this file),
# so outside the demo each must come from the environment, and the two secrets may not be the demo's:
# a payment notification signed with a published secret would be accepted.
DEMO_SETTINGS = {
    "SECRET_KEY": "tinhso-insecure-development-key-do-not-use-in-production",
    "DATABASE_URL": f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
    "SITE_URL": "http://127.0.0.1:8000",
    "EMAIL_HOST": "localhost",
    "DEFAULT_FROM_EMAIL": "tinhso <no-reply@localhost>",
    # The local sandbox gateway's merchant (tinhso.payments.sandbox).
    "VNPAY_TMN_CODE": "TINHSO01",
    "VNPAY_HASH_SECRET": "TINHSOSANDBOXSECRETKEYDEMO2025",
}
DEMO_SECRETS = ("SECRET_KEY", "VNPAY_HASH_SECRET")


def required_settings(environ, demo: bool) -> dict[str, str]:
    """The values of DEMO_SETTINGS: from the environment, the demo's own values only in the demo.

    Raises ImproperlyConfigured naming every setting that is missing (or a published demo secret).
    """
    values, missing = {}, []
    for name, demo_value in DEMO_SETTINGS.items():
        value = environ.get(name, "")
        if demo:
            values[name] = value if value.strip() else demo_value
        elif not value.strip() or (name in DEMO_SECRETS and value == demo_value):
            missing.append(name)
        else:
            values[name] = value
    if missing:
        raise ImproperlyConfigured(
            "Refusing to start: set " + ", ".join(missing) + " in the environment (each must be this "
            "installation's own value; the demo's published values are not accepted). "
            "Only the demo (TINHSO_DEMO=1) runs without them."
        )
    return values


_required = required_settings(os.environ, DEMO)
SECRET_KEY = _required["SECRET_KEY"]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if (DEBUG or DEMO) else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "tinhso.core",
    "tinhso.units",
    "tinhso.agencies",
    "tinhso.accounts",
    "tinhso.audit",
    "tinhso.worktime",
    "tinhso.procedures",
    "tinhso.feedback",
    "tinhso.dossiers",
    "tinhso.payments",
    "tinhso.workflows",
    "tinhso.motcua",
    "tinhso.signing",
    "tinhso.official_forms",
    "tinhso.national",
    "tinhso.lgsp",
    "tinhso.documents",
    "tinhso.statistics",
    "tinhso.ioc",
    "tinhso.events",
    "tinhso.opendata",
    "tinhso.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "tinhso.core.tasks_app.BackgroundTasksConfig",  # django_tasks_db, translated
    "ninja",
]

MIDDLEWARE = [
    "tinhso.core.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "tinhso.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and API answers gzipped for a phone on a slow network (static files are compressed by
    # collectstatic and answered by WhiteNoise above).
    "tinhso.core.middleware.TextGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tinhso.core.middleware.VietnameseFirstLocaleMiddleware",
    "tinhso.core.middleware.RejectNulBytesMiddleware",
    "tinhso.core.middleware.StructuredMachineErrorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tinhso.accounts.middleware.OfficerTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tinhso.urls"
WSGI_APPLICATION = "tinhso.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tinhso.core.context_processors.platform",
            ],
        },
    },
]

# Database: PostgreSQL in production and tests, SQLite for the demo.
DATABASES = {
    "default": dj_database_url.parse(
        _required["DATABASE_URL"],
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# PostgreSQL binds the parameters and prepares a statement after five uses: the planner's work is
# done once per connection for the hot queries (tracking, submission, statistics). Behind
# PgBouncer in transaction mode set DB_PREPARED_STATEMENTS=0 (or PgBouncer's
# max_prepared_statements).
if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and os.environ.get("DB_PREPARED_STATEMENTS", "1") == "1"
):
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
# PostgreSQL's JIT compiler is off: it compiles any query the planner costs above 100,000, which
# the officers' inbox and the leaders' pages reach at a million dossiers, and the compiling took
# longer than the query (measured: the busiest desk's first inbox page 740 ms with it, 273 ms
# without). Those pages wait for short queries; JIT pays back only on long reports.
# Nor does one query take several cores (parallel workers): under the load of many users, every
# core already serves a request, and the workers' start and merge are overhead. Measured at 10
# million dossiers, ten connections on two cores: the busiest desk's inbox 15.8 → 25.2 pages a
# second (p50 623 → 388 ms); the operations centre 19.1 → 16.7 and the statistics page 16.5 →
# 15.4, and alone either way within 8 %.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        options="-c jit=off -c max_parallel_workers_per_gather=0"
    )
# SQLite (the demo): the server, the task worker and send_notifications write to the same file. A
# transaction takes the write lock when it starts (IMMEDIATE) and waits up to 20 s for it, instead
# of failing with "database is locked" when a read turns into a write; WAL lets pages be read
# while another process writes.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE", timeout=20, init_command="PRAGMA journal_mode=WAL;"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "tinhso.accounts.backends.LockoutModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

PASSWORD_HASHERS = [
    "tinhso.accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in: wrong passwords throttle the address (per username and overall, growing delays up to
# the lock time); wrong second-factor codes lock the account (growing, up to the maximum lock).
# See tinhso.accounts.signin. Officers enrol their authenticator with a one-time code.
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))
LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
LOGIN_THROTTLE_SECONDS = int(os.environ.get("LOGIN_THROTTLE_SECONDS", "30"))
SECOND_FACTOR_MAX_LOCK_HOURS = int(os.environ.get("SECOND_FACTOR_MAX_LOCK_HOURS", "24"))
ENROLMENT_CODE_HOURS = int(os.environ.get("ENROLMENT_CODE_HOURS", "72"))

# Single sign-on through any OpenID Connect provider (a province's Keycloak, VNeID...).
OIDC_PROVIDERS = {}
if os.environ.get("OIDC_ISSUER"):
    OIDC_PROVIDERS["default"] = {
        "name": os.environ.get("OIDC_NAME", "SSO"),
        "issuer": os.environ["OIDC_ISSUER"],
        "client_id": os.environ.get("OIDC_CLIENT_ID", ""),
        "client_secret": os.environ.get("OIDC_CLIENT_SECRET", ""),
        "scope": os.environ.get("OIDC_SCOPE", "openid email profile"),
        # The national identity (VNeID): its personal identification number claim matches the
        # citizen's account, and the sign-in page labels its button as the national identity.
        "national_identity": env_bool("OIDC_NATIONAL_IDENTITY", False),
        "personal_number_claim": os.environ.get("OIDC_PERSONAL_NUMBER_CLAIM", ""),
    }
# Citizens and businesses may open an account with a password on the platform; a province that
# signs citizens in through the national identity only switches it off.
SELF_REGISTRATION = env_bool("SELF_REGISTRATION", True)

# Retention schedule: days after which each kind of record is deleted or anonymised by
# ``manage.py apply_retention`` (tinhso.core.retention; Law 91/2025/QH15 art. 14(1): personal data
# is deleted when the purpose of processing is fulfilled or its retention period ends). Finished
# dossiers and the audit trail (which holds the personal-data read log) are kept: see the module.
RETENTION_DAYS = {
    "draft_dossiers": int(os.environ.get("RETENTION_DRAFT_DOSSIERS_DAYS", "90")),
    "tracking_failures": int(os.environ.get("RETENTION_TRACKING_FAILURES_DAYS", "30")),
    "sign_in_throttles": int(os.environ.get("RETENTION_SIGN_IN_THROTTLES_DAYS", "30")),
    "closed_feedback_contacts": int(os.environ.get("RETENTION_CLOSED_FEEDBACK_CONTACTS_DAYS", "730")),
    "webhook_deliveries": int(os.environ.get("RETENTION_WEBHOOK_DELIVERIES_DAYS", "90")),
    "feed_entries": int(os.environ.get("RETENTION_FEED_ENTRIES_DAYS", "365")),
    "exchange_log": int(os.environ.get("RETENTION_EXCHANGE_LOG_DAYS", "365")),
}

# API bearer tokens lifetime.
API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "12"))

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
# Vietnamese for the installed packages that ship none (the apps keep their own in <app>/locale).
LOCALE_PATHS = [BASE_DIR / "tinhso" / "third_party" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Vietnamese writes dates day first: 11/12/2025 is 11 December (Django's vi locale has no input formats).
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M",
]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))

# Files: local disk by default; an S3-compatible store (MinIO...) when STORAGE_S3_BUCKET is set.
# Both delete a file saved in a transaction that rolls back (tinhso.core.storage).
STORAGES = {
    "default": {"BACKEND": "tinhso.core.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not (DEBUG or DEMO))
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
if os.environ.get("STORAGE_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "tinhso.core.storage.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["STORAGE_S3_BUCKET"],
            "endpoint_url": os.environ.get("STORAGE_S3_ENDPOINT"),
            "access_key": os.environ.get("STORAGE_S3_ACCESS_KEY"),
            "secret_key": os.environ.get("STORAGE_S3_SECRET_KEY"),
            "querystring_auth": True,
            "default_acl": "private",
        },
    }
WHITENOISE_USE_FINDERS = DEBUG or DEMO

# Mail.
EMAIL_HOST = _required["EMAIL_HOST"]
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = _required["DEFAULT_FROM_EMAIL"]
if DEMO and not os.environ.get("EMAIL_HOST"):
    # The demo's e-mails are written to files (one per sending process) instead of being sent.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "demo-mail"))

# Background tasks: a database-backed queue, so a job commits with the change that caused it.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# HTTPS hardening. Behind the reverse proxy the platform trusts X-Forwarded-Proto.
SECURE_HTTPS = env_bool("SECURE_HTTPS", not (DEBUG or DEMO))
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SECURE_HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE_HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks, comma-separated,
# e.g. "127.0.0.1,10.0.0.0/24"): the client's address for rate limits and the audit
# (``tinhso.core.net.client_ip``). Empty: the connecting address is the client. A wrong entry
# stops the start with ipaddress's message.
TRUSTED_PROXIES = [
    str(ipaddress.ip_network(proxy.strip(), strict=False))
    for proxy in os.environ.get("TRUSTED_PROXIES", "").split(",")
    if proxy.strip()
]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if SECURE_HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
# Joining the browsers' HSTS preload list is a decision for the province's domain owner.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# The indexes' covering columns (INCLUDE) let PostgreSQL answer from the index alone; SQLite (the
# demo) builds the same indexes on their key columns, which is all it needs.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    SILENCED_SYSTEM_CHECKS.append("models.W040")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))

# Every asset is served from this origin: no CDN, no external font, no request leaves the province.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Browser features no page uses are turned off; the feedback form asks for the location.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
    "fullscreen=(self), geolocation=(self), gyroscope=(), magnetometer=(), microphone=(), midi=(), "
    "payment=(), picture-in-picture=(), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=()"
)

# Audit: how often the latest hashes are anchored (minutes), see tinhso.audit.
AUDIT_ANCHOR_MINUTES = int(os.environ.get("AUDIT_ANCHOR_MINUTES", "60"))

# Log lines carry the request id (X-Request-ID), user, path and task id (tinhso.core.logs): one
# JSON object a line in production, readable lines in the demo. LOG_FORMAT=json|text overrides.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("text" if (DEMO or DEBUG) else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "tinhso.core.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "tinhso.core.logs.JsonFormatter"},
        "text": {"()": "tinhso.core.logs.TextFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Error reporting to a Sentry-compatible server (a province's GlitchTip, Sentry) when SENTRY_DSN is
# set, without personal data (tinhso.core.monitoring).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:  # imported only then: the reporting library is ~6 MiB in every worker
    from tinhso.core.monitoring import init_error_reporting

    init_error_reporting(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "demo" if DEMO else "production"),
        release=os.environ.get("SENTRY_RELEASE") or None,
    )

# Payment gateway (VNPAY API 2.1.0). The default URLs are the local sandbox gateway's.
VNPAY = {
    "TMN_CODE": _required["VNPAY_TMN_CODE"],
    "HASH_SECRET": _required["VNPAY_HASH_SECRET"],
    "PAYMENT_URL": os.environ.get("VNPAY_PAYMENT_URL", "/thanh-toan/sandbox/paymentv2/vpcpay.html"),
    "API_URL": os.environ.get("VNPAY_API_URL", "/thanh-toan/sandbox/merchant_webapi/api/transaction"),
}
# The local sandbox gateway (/thanh-toan/sandbox/): the demo and the tests only.
VNPAY_SANDBOX_ENABLED = env_bool("VNPAY_SANDBOX_ENABLED", DEMO)
VNPAY_SANDBOX = {
    "TMN_CODE": VNPAY["TMN_CODE"],
    "HASH_SECRET": VNPAY["HASH_SECRET"],
    "IPN_URL": os.environ.get("VNPAY_SANDBOX_IPN_URL", ""),
}
_gateway = urlsplit(VNPAY["PAYMENT_URL"])
if _gateway.scheme and _gateway.netloc:
    # The pay form is redirected to the gateway, which CSP form-action must allow.
    CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {_gateway.scheme}://{_gateway.netloc}"
    )

# Dossiers: uploads, antivirus (ClamAV clamd socket "/run/clamav/clamd.ctl" or "host:3310"), SMS,
# and the public tracking page's rate limit.
# The public address, for links in papers, e-mails and SMS (``tinhso.core.links.site_url``).
SITE_URL = _required["SITE_URL"]
DOSSIER_MAX_UPLOAD_MB = int(os.environ.get("DOSSIER_MAX_UPLOAD_MB", "10"))
CLAMAV_SOCKET = os.environ.get("CLAMAV_SOCKET") or None
SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "log")  # "log" or "http"
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
SMS_SENDER = os.environ.get("SMS_SENDER", "")
TRACKING_MAX_ATTEMPTS = int(os.environ.get("TRACKING_MAX_ATTEMPTS", "10"))  # per (address, code)
TRACKING_MAX_ATTEMPTS_PER_ADDRESS = int(os.environ.get("TRACKING_MAX_ATTEMPTS_PER_ADDRESS", "50"))
TRACKING_WINDOW_MINUTES = int(os.environ.get("TRACKING_WINDOW_MINUTES", "15"))

# A cache shared by every app server and process (rate limits): a database table by default.
CACHES = {
    "default": {
        "BACKEND": os.environ.get("CACHE_BACKEND", "django.core.cache.backends.db.DatabaseCache"),
        "LOCATION": os.environ.get("CACHE_LOCATION", "tinhso_cache"),
    }
}

# Signed results: extra trusted root certificates (PEM files) besides those stored in the database,
# and the upload limit of the public signature check. Agency keys are encrypted with a key derived
# from SECRET_KEY: when it changes, keep the old one in SECRET_KEY_FALLBACKS.
SIGNING_TRUST_ROOT_FILES = env_list("SIGNING_TRUST_ROOT_FILES")
SIGNING_MAX_CHECK_MB = int(os.environ.get("SIGNING_MAX_CHECK_MB", "20"))
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

# Platform identity.
PLATFORM_NAME = os.environ.get("PLATFORM_NAME", "Tỉnh số")
PROVINCE_CODE = os.environ.get("PROVINCE_CODE", "82")

# Webhooks (tinhso.events.webhooks): they go to public https addresses only, except to the
# networks listed here (addresses or CIDR, comma-separated; plain http allowed there too): a
# system inside the province's network, the demo's local receiver. Each socket operation of a
# delivery times out after EVENTS_WEBHOOK_TIMEOUT seconds.
EVENTS_WEBHOOK_PRIVATE_NETWORKS = [
    str(ipaddress.ip_network(network.strip(), strict=False))
    for network in os.environ.get("EVENTS_WEBHOOK_PRIVATE_NETWORKS", "127.0.0.1/32" if DEMO else "").split(
        ","
    )
    if network.strip()
]
EVENTS_WEBHOOK_TIMEOUT = float(os.environ.get("EVENTS_WEBHOOK_TIMEOUT", "5"))

# Self-registration and password reset (tinhso.accounts.verification): a 6-digit code lives
# CODE_TTL_MINUTES, allows CODE_MAX_TRIES wrong entries and CODE_MAX_SENDS sends at least
# CODE_RESEND_SECONDS apart; per hour at most CODE_MAX_PER_DESTINATION codes to one phone or
# address, CODE_MAX_PER_ACCOUNT requests for one account and CODE_MAX_PER_ADDRESS from one
# client address. A reset link by e-mail lives PASSWORD_RESET_TIMEOUT seconds.
CODE_TTL_MINUTES = int(os.environ.get("CODE_TTL_MINUTES", "10"))
CODE_MAX_TRIES = int(os.environ.get("CODE_MAX_TRIES", "5"))
CODE_MAX_SENDS = int(os.environ.get("CODE_MAX_SENDS", "3"))
CODE_RESEND_SECONDS = int(os.environ.get("CODE_RESEND_SECONDS", "60"))
CODE_MAX_PER_DESTINATION = int(os.environ.get("CODE_MAX_PER_DESTINATION", "5"))
CODE_MAX_PER_ACCOUNT = int(os.environ.get("CODE_MAX_PER_ACCOUNT", "5"))
CODE_MAX_PER_ADDRESS = int(os.environ.get("CODE_MAX_PER_ADDRESS", "20"))
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", "3600"))

# The feedback map (tinhso.feedback.geo): the province's outline (GeoJSON made by
# `manage.py vendor_map_assets` from the ISO 3166-2 codes of its former provinces; empty: the one
# shipped for Đồng Tháp), how far beyond it a pin is still accepted, and optionally the province's
# own tiles: an XYZ tile server ({z}/{x}/{y}) or a raster PMTiles archive it serves.
PROVINCE_ISO_3166_2 = env_list("PROVINCE_ISO_3166_2") or ["VN-45", "VN-46"]
PROVINCE_OUTLINE = os.environ.get("PROVINCE_OUTLINE", "")
PROVINCE_OUTLINE_TOLERANCE_M = int(os.environ.get("PROVINCE_OUTLINE_TOLERANCE_M", "20000"))
# A point and area per commune (tinhso.feedback.geo): unset, the shipped Đồng Tháp file; "" none.
COMMUNE_POINTS = os.environ.get("COMMUNE_POINTS")
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_PMTILES_URL = os.environ.get("MAP_PMTILES_URL", "")
# The province's tiles may come from its own map server: the policy lets the browser reach its
# origin, and the PMTiles layer draws its tiles from blob: URLs.
_MAP_ORIGINS = sorted(
    {f"{p.scheme}://{p.netloc}" for p in map(urlsplit, (MAP_TILE_URL, MAP_PMTILES_URL)) if p.netloc}
)
_MAP_IMAGES = " ".join(_MAP_ORIGINS + (["blob:"] if MAP_PMTILES_URL else []))
if _MAP_IMAGES:
    CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
        "img-src 'self' data:;", f"img-src 'self' data: {_MAP_IMAGES};"
    ).replace("connect-src 'self';", " ".join(["connect-src 'self'", *_MAP_ORIGINS]) + ";")

# The national document-exchange axis (tinhso.documents.axis): its URL, the installation's agency
# code there (the province's, e.g. H20) and the shared secret. Unset, documents go only between
# the installation's own agencies. The demo uses its local axis (``run_local_axis``, started by
# scripts/demo.sh) with a published secret that is refused outside the demo.
# The integration platform (LGSP, tinhso.lgsp): the X-Road instance the gateway serves, the
# gateway's address (for the pages and ``tinhso.lgsp.client``), the largest request body it
# forwards and the largest body it keeps in the exchange log (larger ones: SHA-256 only).
LGSP_INSTANCE = os.environ.get("LGSP_INSTANCE", "VN-DT")
LGSP_GATEWAY_URL = os.environ.get("LGSP_GATEWAY_URL", "")
LGSP_MAX_BODY = int(os.environ.get("LGSP_MAX_BODY", str(50 * 1024 * 1024)))
LGSP_LOG_BODY_LIMIT = int(os.environ.get("LGSP_LOG_BODY_LIMIT", str(64 * 1024)))
# The platform's own consumer system and its private key, for ``tinhso.lgsp.client.call``.
LGSP_CLIENT = os.environ.get("LGSP_CLIENT", "")
LGSP_CLIENT_KEY_FILE = os.environ.get("LGSP_CLIENT_KEY_FILE", "")
DOCUMENTS_AXIS_URL = os.environ.get("DOCUMENTS_AXIS_URL", "")
DOCUMENTS_AXIS_AGENCY_CODE = os.environ.get("DOCUMENTS_AXIS_AGENCY_CODE", "H20" if DEMO else "")
DOCUMENTS_AXIS_SECRET = os.environ.get(
    "DOCUMENTS_AXIS_SECRET", "tinhso-local-axis-demo-secret" if DEMO else ""
)

# The national connectors (tinhso.national): the national public service portal (status sync,
# dossiers submitted there, catalogue updates), its URL, the installation's system code there and
# the shared secret; the national population database through the data-sharing gateway, its
# service URL and the X-Road client id the platform calls as. Unset, nothing goes out (fail
# closed). The demo uses the local servers (``run_local_portal``, started by scripts/demo.sh)
# with a published secret that is refused outside the demo.
NATIONAL_PORTAL_URL = os.environ.get("NATIONAL_PORTAL_URL", "")
NATIONAL_PORTAL_SYSTEM = os.environ.get("NATIONAL_PORTAL_SYSTEM", "H20" if DEMO else "")
NATIONAL_PORTAL_SECRET = os.environ.get(
    "NATIONAL_PORTAL_SECRET", "tinhso-local-portal-demo-secret" if DEMO else ""
)
NATIONAL_PORTAL_TIMEOUT = float(os.environ.get("NATIONAL_PORTAL_TIMEOUT", "5"))
POPULATION_DB_URL = os.environ.get("POPULATION_DB_URL", "")
POPULATION_XROAD_CLIENT = os.environ.get("POPULATION_XROAD_CLIENT", "VN-DT/GOV/H20/TINHSO" if DEMO else "")
# The private key (PEM) of that client at the province's gateway: each lookup then carries a signed
# client assertion (the gateway's authentication), POPULATION_DB_URL being the service's r1 address.
POPULATION_XROAD_KEY_FILE = os.environ.get("POPULATION_XROAD_KEY_FILE", "")
POPULATION_DB_TIMEOUT = float(os.environ.get("POPULATION_DB_TIMEOUT", "5"))
