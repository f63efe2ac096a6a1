import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run_check(**env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "TINHSO_DEMO",
            "SECRET_KEY",
            "DJANGO_SETTINGS_MODULE",
            "SECURE_HTTPS",
            "STATIC_MANIFEST",
            "ALLOWED_HOSTS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checklist():
    result = run_check(
        SECRET_KEY="x" * 60 + "production-secret-key-for-the-check", ALLOWED_HOSTS="dichvucong.example.vn"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check()
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_object_storage_is_a_matter_of_configuration():
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment.update(
        STORAGE_S3_BUCKET="tinhso-files",
        STORAGE_S3_ENDPOINT="http://127.0.0.1:9000",
        STORAGE_S3_ACCESS_KEY="minio",
        STORAGE_S3_SECRET_KEY="minio-secret",
        SECRET_KEY="x" * 50,
    )
    code = (
        'from django.core.files.storage import storages; s = storages["default"]; '
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.default_acl, s.querystring_auth)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=environment,
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
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment.update(SECRET_KEY="x" * 50, VNPAY_PAYMENT_URL="https://pay.vnpay.vn/vpcpay.html")
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
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    policy = result.stdout
    assert "form-action 'self' https://pay.vnpay.vn;" in policy, result.stderr
    assert "script-src 'self';" in policy
