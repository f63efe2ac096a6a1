"""When each feed entry was written (the database's clock, set by the column's default, so the
capturing triggers need no change): for the retention schedule (``tinhso.events.retention``).

SQLite adds the column by rebuilding the table, which its triggers on the outboxes name; they are
dropped before and made again after (migration 0002's own functions)."""

from importlib import import_module

import django.db.models.functions.datetime
from django.db import migrations, models

triggers = import_module("tinhso.events.migrations.0002_events_feed_triggers")


def drop_on_sqlite(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        triggers.drop(apps, schema_editor)


def create_on_sqlite(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        triggers.create(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_events_subscription_events"),
    ]

    operations = [
        migrations.RunPython(drop_on_sqlite, create_on_sqlite),
        migrations.AddField(
            model_name="feedentry",
            name="created_at",
            field=models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), db_index=True),
        ),
        migrations.RunPython(create_on_sqlite, drop_on_sqlite),
    ]
