"""Writes to the states and actions of flows change ``core.ReferenceVersion`` "flows" too: the
per-process copy of a published version's start and actions follows any edit."""

from django.db import migrations

from tinhso.core.reference import install_triggers, remove_triggers

TABLES = ["workflows_state", "workflows_action"]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("workflows", "0003_step_alert_sent"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: install_triggers(schema_editor, "flows", TABLES),
            lambda apps, schema_editor: remove_triggers(schema_editor, TABLES),
            elidable=False,
        ),
    ]
