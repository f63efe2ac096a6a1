"""Database triggers that refuse UPDATE and DELETE on the audit tables, even in raw SQL.

The one UPDATE allowed on entries is the ON DELETE SET NULL of the actor link when an account is
deleted (``actor_id`` is not hashed; the hashed ``actor_label`` keeps who it was). A database
superuser can still disable the triggers or TRUNCATE: ``verify_audit`` detects what was changed,
and anchors published out of band detect a rewritten or emptied trail.

On SQLite (the demo) only UPDATE is refused, because ``flush`` empties tables with DELETE there.
"""

from django.db import migrations

ENTRY_COLUMNS = (
    "id",
    "object_type",
    "object_id",
    "sequence",
    "action",
    "actor_label",
    "at",
    "data",
    "ip",
    "prev_hash",
    "hash",
)

POSTGRESQL_INSTALL = """
CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END;
$$;
CREATE FUNCTION audit_anchor_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
CREATE TRIGGER audit_auditanchor_append_only BEFORE UPDATE OR DELETE ON audit_auditanchor
    FOR EACH ROW EXECUTE FUNCTION audit_anchor_append_only();
"""

POSTGRESQL_REMOVE = """
DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_auditanchor_append_only ON audit_auditanchor;
DROP FUNCTION IF EXISTS audit_entry_append_only();
DROP FUNCTION IF EXISTS audit_anchor_append_only();
"""

_UNCHANGED = " AND ".join(f'NEW."{column}" IS OLD."{column}"' for column in ENTRY_COLUMNS)
SQLITE_INSTALL = [
    f"""
CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE ON audit_auditentry
WHEN NOT (OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL AND {_UNCHANGED})
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE on audit_auditentry refused'); END;
""",
    """
CREATE TRIGGER audit_auditanchor_no_update BEFORE UPDATE ON audit_auditanchor
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE on audit_auditanchor refused'); END;
""",
]

SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS audit_auditanchor_no_update;",
]


def install(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_INSTALL, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_INSTALL:
            schema_editor.execute(statement, params=None)


def remove(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_REMOVE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REMOVE:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
