"""Writes to flows and their versions change ``core.ReferenceVersion`` "flows" (the per-process
choice of each procedure's published flow version)."""

from django.db import migrations

from tinhso.core.reference import install_triggers, remove_triggers

TABLES = ["workflows_flow", "workflows_flowversion"]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("workflows", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: install_triggers(schema_editor, "flows", TABLES),
            lambda apps, schema_editor: remove_triggers(schema_editor, TABLES),
            elidable=False,
        ),
    ]
