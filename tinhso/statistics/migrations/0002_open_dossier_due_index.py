"""The index behind "overdue now": open (received, not closed) dossiers by status and due time.

It lives on the dossier table, which the dossiers app owns; move it to ``Dossier.Meta.indexes``
there when convenient (same name) and make this migration a no-op.
"""

from django.db import migrations

OPEN_DUE_INDEX = (
    "CREATE INDEX IF NOT EXISTS statistics_open_due_idx ON dossiers_dossier (status, due_at) "
    "WHERE status IN (2, 4, 5, 6)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("statistics", "0001_initial"),
        ("dossiers", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(OPEN_DUE_INDEX, "DROP INDEX IF EXISTS statistics_open_due_idx"),
    ]
