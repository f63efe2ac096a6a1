"""The statements kept as plain SQL (finding 6 of issue 15): their names come from the models
and they give the same answers on PostgreSQL (the tests) and SQLite (the demo)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from tinhso.core.sql import sql
from tinhso.core.tests.plain_sql import exercise
from tinhso.dossiers.models import Dossier
from tinhso.statistics.rollup import REBUILD_SQL

ROOT = Path(__file__).resolve().parents[3]
EXPECTED = {
    "tracked": [None, 2, [1, 2]],
    "wrong_factor": None,
    "failures": [1, 1],
    "notifications_sent": 2,
    "personal_documents": [True],
    "idempotency_key": True,
    "unknown_key": None,
    "scope_is_the_subtree": True,
    "token_user": "lanhdao.tinh",
    "received_drained": 1,
    "received_rebuilt": 1,
    "received_in_province": 1,
    "received_in_field": 1,
}


def check(answer: dict) -> None:
    assert answer["tracked"][0].endswith("-0001")
    assert {**answer, "tracked": [None, *answer["tracked"][1:]]} == EXPECTED


def test_names_come_from_the_models():
    assert (
        sql("{d} {d.procedure} {d.code} {n}", d=Dossier, n=3) == '"dossiers_dossier" "procedure_id" "code" 3'
    )
    with pytest.raises(FieldDoesNotExist):
        sql("{d.no_such_field}", d=Dossier)


def test_plain_sql_columns_are_the_field_names():
    """``REBUILD_SQL`` names its tables through the models and its columns as the fields are
    called: a field given another column (``db_column``) must be named through ``sql`` there."""
    models = [
        apps.get_model(label)
        for label in (
            "dossiers.Dossier",
            "dossiers.DossierStatusChange",
            "dossiers.DueTimeChange",
            "dossiers.Attachment",
            "procedures.Procedure",
            "payments.Payment",
        )
    ]
    assert "dossiers_" not in REBUILD_SQL and "procedures_" not in REBUILD_SQL
    for model in models:
        for field in model._meta.concrete_fields:
            assert field.column == field.attname, f"{model.__name__}.{field.name}"


@pytest.mark.django_db
def test_plain_sql_on_postgresql(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    check(exercise())


def test_plain_sql_on_sqlite(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "tinhso.core.tests.plain_sql", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    check(json.loads(result.stdout.strip().splitlines()[-1]))
