"""On PostgreSQL, a trigram index so that ``name_folded LIKE '%khai sinh%'`` (the catalogue
search) uses an index. Skipped on SQLite (the demo), and where the pg_trgm extension cannot be
created: the search then scans the one folded column, still without any per-row Python."""

from django.db import DatabaseError, migrations, transaction

INDEX = "procedures_procedure_name_folded_trgm"


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError:  # no privilege to create the extension: keep the plain index
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON procedures_procedure USING gin (name_folded gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("procedures", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
