"""The catalogue's in-memory copy now follows ``core.ReferenceVersion`` ("catalogue"), whose
triggers also cover the required documents and the agencies (where a dossier may be submitted)."""

import importlib

from django.db import migrations

from tinhso.core.reference import install_triggers, remove_triggers

OLD = importlib.import_module("tinhso.procedures.migrations.0003_catalogue_version")
TABLES = [
    "procedures_procedure",
    "procedures_fee",
    "procedures_field",
    "procedures_procedure_agencies",
    "procedures_requireddocument",
    "agencies_agency",
]


def forward(apps, schema_editor):
    OLD.remove(apps, schema_editor)
    install_triggers(schema_editor, "catalogue", TABLES)


def backward(apps, schema_editor):
    remove_triggers(schema_editor, TABLES)
    OLD.install(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("agencies", "0001_initial"),
        ("procedures", "0003_catalogue_version"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
        migrations.DeleteModel(name="CatalogueVersion"),
    ]
