"""Adding rows without the ORM's per-call statement building, for the hottest write paths.

Django builds the SQL of every ``save()``, ``create()`` and ``bulk_create()`` afresh: for the
small rows an online submission adds (its history row, outbox event, attachments, idempotency
key) that costs more Python than the statement costs PostgreSQL. ``insert`` builds the
``INSERT … RETURNING`` of a model once per number of rows and keeps it. The values still go
through each field exactly as ``save()`` would (``pre_save``: defaults and ``auto_now_add``;
``get_db_prep_save``: dates, foreign keys, JSON). No signal is sent, so it is only for models
that nothing listens to.
"""

from functools import cache
from typing import TypeVar

from django.db import connections, router
from django.db.models import Model

M = TypeVar("M", bound=Model)


@cache
def _statement(model, count: int, alias: str) -> tuple[str, tuple]:
    connection = connections[alias]
    meta = model._meta
    fields = tuple(field for field in meta.local_concrete_fields if field is not meta.auto_field)
    name = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {name(meta.db_table)} ({', '.join(name(field.column) for field in fields)}) "  # noqa: S608 - names from the model
        f"VALUES {', '.join([row] * count)} RETURNING {name(meta.pk.column)}"
    )
    return sql, fields


def insert(*objects: M) -> list[M]:
    """Insert unsaved instances of one model (with an automatic primary key) in one statement;
    sets their primary keys and returns them as a list, in order (none: nothing to do)."""
    if not objects:
        return []
    model = type(objects[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    sql, fields = _statement(model, len(objects), alias)
    params = [
        field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in objects for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = [row[0] for row in cursor.fetchall()]
    for obj, key in zip(objects, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = alias
    return list(objects)
