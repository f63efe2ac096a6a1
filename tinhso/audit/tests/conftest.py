from contextlib import contextmanager

import pytest
from django.contrib.auth.models import Group
from django.db import connection


@pytest.fixture
def officer(django_user_model):
    return django_user_model.objects.create_user(
        username="an.nguyen", full_name="Nguyễn Văn An", kind="officer", email="an.nguyen@dongthap.gov.vn"
    )


@pytest.fixture
def citizen(django_user_model):
    return django_user_model.objects.create_user(
        username="087190001234", full_name="Trần Thị Bích Ngọc", kind="citizen", cccd="087190001234"
    )


@pytest.fixture
def department():
    return Group.objects.create(name="Sở Tư pháp tỉnh Đồng Tháp")


@pytest.fixture
def committee():
    return Group.objects.create(name="Ủy ban nhân dân xã Mỹ An Hưng")


@contextmanager
def tampering():
    """Switch the append-only triggers off, as a database superuser could, then back on.

    On SQLite the triggers are dropped; the test's transaction rollback brings them back.
    """
    tables = ["audit_auditentry", "audit_auditanchor"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            for table in tables:
                cursor.execute(f"DROP TRIGGER {table}_no_update")
        yield cursor
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
