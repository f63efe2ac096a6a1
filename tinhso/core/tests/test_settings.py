import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from tinhso import settings as production_settings

ROOT = Path(__file__).resolve().parents[3]
REQUIRED = sorted(production_settings.DEMO_SETTINGS)
TEST_ONLY = {
    "DEBUG",
    "TINHSO_DEMO",
    "DJANGO_SETTINGS_MODULE",
    "SECURE_HTTPS",
    "STATIC_MANIFEST",
    "ALLOWED_HOSTS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    *REQUIRED,
}
PRODUCTION = {
    "SECRET_KEY": "x" * 60 + "production-secret-key-for-the-check",
    "ALLOWED_HOSTS": "dichvucong.example.vn",
    "DATABASE_URL": os.environ["DATABASE_URL"],
    "SITE_URL": "https://dichvucong.example.vn",
    "EMAIL_HOST": "mail.example.vn",
    "DEFAULT_FROM_EMAIL": "Tỉnh số <no-reply@dichvucong.example.vn>",
    "VNPAY_TMN_CODE": "DONGTHAP",
    "VNPAY_HASH_SECRET": "the-secret-vnpay-gave-this-merchant",
    "VNPAY_PAYMENT_URL": "https://pay.vnpay.vn/vpcpay.html",
    "VNPAY_API_URL": "https://merchant.vnpay.vn/merchant_webapi/api/transaction",
}


def environment(**env):
    """This process's environment without the test settings' values, plus ``env``."""
    values = {k: v for k, v in os.environ.items() if k not in TEST_ONLY}
    values.update(env)
    return values


def run_check(**env):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def load_settings(monkeypatch, **env):
    """Execute tinhso/settings.py afresh (as a separate module) with exactly ``env`` set."""
    for name in TEST_ONLY:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("tinhso_settings_probe", production_settings.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_production_settings_pass_the_deployment_checklist():
    result = run_check(**PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_naming_every_missing_setting():
    result = run_check()
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("django.core.exceptions.ImproperlyConfigured: Refusing to start")
    for name in REQUIRED:
        assert name in message


@pytest.mark.parametrize("name", REQUIRED)
def test_each_required_setting_is_refused_when_missing_or_blank(monkeypatch, name):
    with pytest.raises(ImproperlyConfigured) as refused:
        load_settings(monkeypatch, **{**PRODUCTION, name: "  "})
    assert f"set {name} in the environment" in str(refused.value)


@pytest.mark.parametrize("name", production_settings.DEMO_SECRETS)
def test_the_demos_published_secrets_are_refused_outside_the_demo(monkeypatch, name):
    published = production_settings.DEMO_SETTINGS[name]
    with pytest.raises(ImproperlyConfigured, match=name):
        load_settings(monkeypatch, **{**PRODUCTION, name: published})


def test_production_values_are_taken_from_the_environment(monkeypatch):
    module = load_settings(monkeypatch, **PRODUCTION)
    assert module.VNPAY["HASH_SECRET"] == "the-secret-vnpay-gave-this-merchant"
    assert module.VNPAY["TMN_CODE"] == module.VNPAY_SANDBOX["TMN_CODE"] == "DONGTHAP"
    assert module.SITE_URL == "https://dichvucong.example.vn"
    assert module.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert module.EMAIL_HOST == "mail.example.vn"
    assert not hasattr(module, "EMAIL_BACKEND")


def test_the_demo_starts_with_nothing_set_on_its_own_values(monkeypatch):
    module = load_settings(monkeypatch, TINHSO_DEMO="1")
    assert module.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert module.VNPAY["HASH_SECRET"] == module.DEMO_SETTINGS["VNPAY_HASH_SECRET"]
    assert module.EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend"


def test_debug_alone_does_not_lift_the_requirements(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        load_settings(monkeypatch, **{**PRODUCTION, "SECRET_KEY": "", "DEBUG": "1"})


def deploy_errors():
    return {
        message.id
        for message in run_checks(include_deployment_checks=True)
        if message.id.startswith("tinhso")
    }


@pytest.fixture
def production(settings):
    """Django's settings as the PRODUCTION environment gives them (the checks read these)."""
    settings.SECRET_KEY = PRODUCTION["SECRET_KEY"]
    settings.SITE_URL = PRODUCTION["SITE_URL"]
    settings.SESSION_COOKIE_SECURE = True
    settings.DEFAULT_FROM_EMAIL = PRODUCTION["DEFAULT_FROM_EMAIL"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.VNPAY = {
        "TMN_CODE": "DONGTHAP",
        "HASH_SECRET": PRODUCTION["VNPAY_HASH_SECRET"],
        "PAYMENT_URL": PRODUCTION["VNPAY_PAYMENT_URL"],
        "API_URL": PRODUCTION["VNPAY_API_URL"],
    }
    settings.VNPAY_SANDBOX_ENABLED = False
    return settings


def test_the_deployment_checks_pass_on_production_values(production):
    assert deploy_errors() == set()


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_the_deployment_checks_report_every_unfit_value(production):
    production.SECRET_KEY = production.DEMO_SETTINGS["SECRET_KEY"]
    production.DATABASES = {**production.DATABASES}
    production.DATABASES["default"] = {
        **production.DATABASES["default"],
        "ENGINE": "django.db.backends.sqlite3",
    }
    production.VNPAY = {**production.VNPAY, "HASH_SECRET": production.DEMO_SETTINGS["VNPAY_HASH_SECRET"]}
    production.SITE_URL = "http://127.0.0.1:8000"
    production.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert deploy_errors() == {"tinhso.E001", "tinhso.E002", "tinhso.E004", "tinhso.E005", "tinhso.E007"}


def test_the_deployment_checks_report_plain_http_an_empty_secret_and_the_switched_off_sandbox(production):
    production.SITE_URL = "http://dichvucong.example.vn"
    production.VNPAY = {
        **production.VNPAY,
        "HASH_SECRET": "",
        "PAYMENT_URL": "/thanh-toan/sandbox/paymentv2/vpcpay.html",
    }
    production.DEFAULT_FROM_EMAIL = "tinhso <no-reply@localhost>"
    assert deploy_errors() == {"tinhso.E003", "tinhso.E006", "tinhso.E007", "tinhso.W001"}


def test_the_demo_is_not_held_to_the_deployment_checks(production):
    production.DEMO = True
    production.SITE_URL = "http://127.0.0.1:8000"
    assert deploy_errors() == set()


def test_object_storage_is_a_matter_of_configuration():
    env = environment(
        **PRODUCTION,
        STORAGE_S3_BUCKET="tinhso-files",
        STORAGE_S3_ENDPOINT="http://127.0.0.1:9000",
        STORAGE_S3_ACCESS_KEY="minio",
        STORAGE_S3_SECRET_KEY="minio-secret",
    )
    code = (
        'from django.core.files.storage import storages; s = storages["default"]; '
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.default_acl, s.querystring_auth)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == [
        "S3Storage",
        "tinhso-files",
        "http://127.0.0.1:9000",
        "private",
        "True",
    ], result.stderr


def test_a_real_payment_gateway_is_the_only_other_origin_forms_may_reach():
    env = environment(**PRODUCTION)
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings; print(settings.CONTENT_SECURITY_POLICY)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    policy = result.stdout
    assert "form-action 'self' https://pay.vnpay.vn;" in policy, result.stderr
    assert "script-src 'self';" in policy
