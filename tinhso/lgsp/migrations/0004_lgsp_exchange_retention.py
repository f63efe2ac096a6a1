"""The exchange log's retention (``tinhso.lgsp.exchange_log.prune``): the append-only trigger lets
a DELETE of exchange rows through only in a transaction that set ``tinhso.lgsp_retention`` to
``on``, which ``prune`` does to delete an anchored prefix of the chain past its period. Updates,
and deletes of anchors, stay refused; the verifier checks that the first row kept follows an
anchor."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION lgsp_exchange_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'lgsp_exchange'
       AND current_setting('tinhso.lgsp_retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the exchange log is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END;
$$;
"""
PREVIOUS = """
CREATE OR REPLACE FUNCTION lgsp_exchange_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the exchange log is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END;
$$;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREVIOUS, params=None)


class Migration(migrations.Migration):
    dependencies = [("lgsp", "0003_lgsp_client_usage_and_issue_index")]

    operations = [migrations.RunPython(install, remove)]
