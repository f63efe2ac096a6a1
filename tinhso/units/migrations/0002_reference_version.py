"""Writes to the units change ``core.ReferenceVersion`` "units" (the per-process commune list)."""

from django.db import migrations

from tinhso.core.reference import install_triggers, remove_triggers

TABLES = ["units_administrativeunit"]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("units", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: install_triggers(schema_editor, "units", TABLES),
            lambda apps, schema_editor: remove_triggers(schema_editor, TABLES),
            elidable=False,
        ),
    ]
