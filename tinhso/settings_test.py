"""Settings for the test suite: the production settings, served over plain HTTP on loopback.

DEBUG stays off so the tests see what production does; only HTTPS-only cookies and redirects
and the hashed static manifest (which needs collectstatic) are turned off.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("SITE_URL", "http://testserver")
os.environ.setdefault("EMAIL_HOST", "localhost")
os.environ.setdefault("DEFAULT_FROM_EMAIL", "Tỉnh số <no-reply@testserver>")
os.environ.setdefault("VNPAY_TMN_CODE", "TESTTMN1")
os.environ.setdefault("VNPAY_HASH_SECRET", "test-only-vnpay-hash-secret")
os.environ.setdefault("SECURE_HTTPS", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from tinhso.settings import *  # noqa: F403

WHITENOISE_USE_FINDERS = True
VNPAY_SANDBOX_ENABLED = True
# Argon2id costs ~0.16 s of CPU a hash on these machines; the suite hashes thousands of passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns when it is missing
# Each pytest-xdist worker writes its files apart from the other's.
if "MEDIA_ROOT" not in os.environ and os.environ.get("PYTEST_XDIST_WORKER"):
    MEDIA_ROOT = MEDIA_ROOT / os.environ["PYTEST_XDIST_WORKER"]  # noqa: F405
