import io

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Pages render without a collectstatic manifest (production uses the hashed manifest)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def client():
    """HTTPS behind the reverse proxy, as in production (SECURE_SSL_REDIRECT is on outside the demo)."""
    return Client(headers={"X-Forwarded-Proto": "https"})


@pytest.fixture
def dong_thap(dong_thap_units):
    """All 34 provincial units and the 102 communes and wards of Đồng Tháp (code 82)."""


@pytest.fixture
def legacy_sample(dong_thap):
    call_command("import_legacy_units", "tinhso/units/data/legacy_sample.csv", stdout=io.StringIO())
