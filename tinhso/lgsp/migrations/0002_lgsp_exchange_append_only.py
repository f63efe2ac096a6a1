"""Database triggers that refuse UPDATE and DELETE on the exchange log, even in raw SQL (as the
audit trail's, ``tinhso/audit/migrations/0002``). A database superuser can still disable them:
``verify_exchange_log`` then detects the change. On SQLite (the demo) only UPDATE is refused,
because ``flush`` empties tables with DELETE there."""

from django.db import migrations

TABLES = ("lgsp_exchange", "lgsp_exchangeanchor")

POSTGRESQL_INSTALL = """
CREATE FUNCTION lgsp_exchange_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the exchange log is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END;
$$;
""" + "".join(
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION lgsp_exchange_append_only();\n"
    for table in TABLES
)
POSTGRESQL_REMOVE = "".join(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};\n" for table in TABLES) + (
    "DROP FUNCTION IF EXISTS lgsp_exchange_append_only();"
)
SQLITE_INSTALL = [
    f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
    f"BEGIN SELECT RAISE(ABORT, 'the exchange log is append-only: UPDATE on {table} refused'); END;"
    for table in TABLES
]
SQLITE_REMOVE = [f"DROP TRIGGER IF EXISTS {table}_no_update;" for table in TABLES]


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_INSTALL, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_INSTALL:
            schema_editor.execute(statement)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REMOVE, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_REMOVE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("lgsp", "0001_lgsp_gateway")]

    operations = [migrations.RunPython(install, remove)]
