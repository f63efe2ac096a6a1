"""The triggers that write one ``FeedEntry`` for every row inserted into a source outbox, in the
inserting transaction (``tinhso.events.feed``). On PostgreSQL the entry carries the id of that
transaction; SQLite (the demo) has one writer at a time, so the entry id alone gives the order."""

from django.db import migrations

# (source, app label, model) of the outboxes the feed publishes.
SOURCES = [
    ("dossier", "dossiers", "DossierEvent"),
    ("document", "documents", "DocumentEvent"),
    ("feedback", "feedback", "StateChange"),
]

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION events_feed_capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {feed} (txid, source, source_id)
    VALUES (pg_current_xact_id()::text::bigint, TG_ARGV[0], NEW.id);
    RETURN NULL;
END $$
"""


def tables(apps):
    feed = apps.get_model("events", "FeedEntry")._meta.db_table
    return feed, [(source, apps.get_model(app, model)._meta.db_table) for source, app, model in SOURCES]


def create(apps, schema_editor):
    feed, sources = tables(apps)
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute(POSTGRES_FUNCTION.format(feed=feed))
        for source, table in sources:
            execute(
                f"CREATE TRIGGER events_feed_{source} AFTER INSERT ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION events_feed_capture('{source}')"
            )
    else:
        for source, table in sources:
            execute(
                f"CREATE TRIGGER events_feed_{source} AFTER INSERT ON {table} BEGIN "
                f"INSERT INTO {feed} (txid, source, source_id) VALUES (0, '{source}', NEW.id); END"
            )


def drop(apps, schema_editor):
    _, sources = tables(apps)
    postgres = schema_editor.connection.vendor == "postgresql"
    for source, table in sources:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS events_feed_{source}" + (f" ON {table}" if postgres else ""))
    if postgres:
        schema_editor.execute("DROP FUNCTION IF EXISTS events_feed_capture()")


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_events_initial"),
        ("dossiers", "0009_submission_reference"),
        ("documents", "0007_event_kinds_after_signing"),
        ("feedback", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop)]
