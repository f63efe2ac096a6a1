"""The dossier's fields the officers' inbox reads, copied onto its flow row, and the triggers that
keep the copies equal to the dossier's whoever writes either row: on PostgreSQL a flow row takes
them from its dossier whenever it is written, and a dossier's change is written to its flow row;
SQLite (the demo) does the same after the write."""

import django.db.models.deletion
from django.db import migrations, models

# The flow's copy and the dossier's column it copies.
COPIES = [
    ("dossier_status", "status"),
    ("dossier_due_at", "due_at"),
    ("dossier_submitted_at", "submitted_at"),
    ("procedure_id", "procedure_id"),
    ("receiving_agency_id", "receiving_agency_id"),
]
COPY_COLUMNS = ", ".join(copy for copy, _ in COPIES)
DOSSIER_COLUMNS = ", ".join(column for _, column in COPIES)

POSTGRES = [
    """CREATE FUNCTION workflows_flow_copy_dossier() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT {dossier_columns} INTO {new_copies} FROM {dossier} WHERE id = NEW.dossier_id;
    RETURN NEW;
END $$""",
    "CREATE TRIGGER workflows_flow_copy BEFORE INSERT OR UPDATE OF dossier_id, {copy_columns} ON {flow} "
    "FOR EACH ROW EXECUTE FUNCTION workflows_flow_copy_dossier()",
    """CREATE FUNCTION workflows_dossier_to_flow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {flow} SET ({copy_columns}) = ({new_columns}) WHERE dossier_id = NEW.id;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER workflows_dossier_to_flow AFTER UPDATE OF {dossier_columns} ON {dossier} "
    "FOR EACH ROW WHEN (({old_columns}) IS DISTINCT FROM ({new_columns})) "
    "EXECUTE FUNCTION workflows_dossier_to_flow()",
]
# SQLite: the flow row written takes the copies from its dossier.
SQLITE_COPY = (
    "UPDATE {flow} SET ({copy_columns}) = (SELECT {dossier_columns} FROM {dossier} WHERE id = NEW.dossier_id) "
    "WHERE id = NEW.id;"
)
SQLITE = [
    "CREATE TRIGGER workflows_flow_copy_on_insert AFTER INSERT ON {flow} BEGIN " + SQLITE_COPY + " END",
    "CREATE TRIGGER workflows_flow_copy_on_update AFTER UPDATE OF dossier_id, {copy_columns} ON {flow} BEGIN "
    + SQLITE_COPY
    + " END",
    "CREATE TRIGGER workflows_dossier_to_flow AFTER UPDATE OF {dossier_columns} ON {dossier} BEGIN "
    "UPDATE {flow} SET ({copy_columns}) = ({new_columns}) WHERE dossier_id = NEW.id; END",
]
BACKFILL = (
    "UPDATE {flow} SET ({copy_columns}) = "
    "(SELECT {dossier_columns} FROM {dossier} d WHERE d.id = {flow}.dossier_id)"
)


def names(flow: str, dossier: str) -> dict[str, str]:
    """What the statements above are formatted with, for the quoted tables ``flow`` and ``dossier``."""
    return {
        "flow": flow,
        "dossier": dossier,
        "copy_columns": COPY_COLUMNS,
        "dossier_columns": DOSSIER_COLUMNS,
        "new_copies": ", ".join(f"NEW.{copy}" for copy, _ in COPIES),
        "new_columns": ", ".join(f"NEW.{column}" for _, column in COPIES),
        "old_columns": ", ".join(f"OLD.{column}" for _, column in COPIES),
    }


def tables(apps, schema_editor) -> dict[str, str]:
    quote = schema_editor.connection.ops.quote_name
    return names(
        quote(apps.get_model("workflows", "DossierFlow")._meta.db_table),
        quote(apps.get_model("dossiers", "Dossier")._meta.db_table),
    )


def create(apps, schema_editor):
    values = tables(apps, schema_editor)
    schema_editor.execute(BACKFILL.format(**values))
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement.format(**values))


def drop(apps, schema_editor):
    values = tables(apps, schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS workflows_dossier_to_flow ON {dossier}".format(**values))
        schema_editor.execute("DROP TRIGGER IF EXISTS workflows_flow_copy ON {flow}".format(**values))
        schema_editor.execute("DROP FUNCTION IF EXISTS workflows_dossier_to_flow()")
        schema_editor.execute("DROP FUNCTION IF EXISTS workflows_flow_copy_dossier()")
    else:
        for trigger in ("workflows_dossier_to_flow", "workflows_flow_copy_on_insert", "workflows_flow_copy_on_update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}")


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0002_agency_symbol"),
        ("dossiers", "0015_finished_received_index"),
        ("procedures", "0011_fee_reduced_when"),
        ("workflows", "0005_inbox_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="dossierflow",
            name="dossier_status",
            field=models.PositiveSmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="dossierflow",
            name="dossier_due_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="dossierflow",
            name="dossier_submitted_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="dossierflow",
            name="procedure",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="procedures.procedure",
            ),
        ),
        migrations.AddField(
            model_name="dossierflow",
            name="receiving_agency",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="agencies.agency",
            ),
        ),
        migrations.RunPython(create, drop),
        migrations.AddIndex(
            model_name="dossierflow",
            index=models.Index(
                condition=models.Q(("dossier_status", 7)), fields=["receiving_agency"], name="workflows_withdrawal_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="dossierflow",
            index=models.Index(
                condition=models.Q(("dossier_status", 7)),
                fields=["current_agency"],
                name="workflows_withdrawal_here_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="dossierflow",
            index=models.Index(
                condition=models.Q(("dossier_status__in", [2, 4, 6])),
                fields=["current_agency", "dossier_due_at"],
                name="workflows_running_due_idx",
            ),
        ),
    ]
