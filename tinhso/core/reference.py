"""Reference data kept in memory by each server process: read on nearly every request, written
rarely (the procedure catalogue, the administrative units, the published flows).

Each kind has a row in ``ReferenceVersion`` that database triggers set to a random value on every
write to the kind's tables (statement triggers on PostgreSQL, row triggers on SQLite), so bulk
updates, imports, the admin and migrations all count. ``ReferenceCache.get()`` reads that one row
and rebuilds the copy when the version or the date moved. Inside a transaction that wrote to the
tables the version read is that transaction's own, and versions are compared for equality, so a
copy built there is never reused after a rollback.
"""

import datetime
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import connection
from django.utils import timezone

T = TypeVar("T")

_POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION core_bump_reference_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO core_referenceversion (name, version) VALUES (TG_ARGV[0], (random() * 9e18)::bigint)
    ON CONFLICT (name) DO UPDATE SET version = excluded.version;
    RETURN NULL;
END $$;
"""


def install_triggers(schema_editor, name: str, tables: list[str]) -> None:
    """Make every write to ``tables`` change the version of ``name`` (for a migration)."""
    if not name.isidentifier():
        raise ValueError(f"Reference data names are identifiers, not {name!r}.")
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(_POSTGRESQL_FUNCTION, params=None)
        for table in tables:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION core_bump_reference_version('{name}')",
                params=None,
            )
    elif vendor == "sqlite":
        bump = f"INSERT INTO core_referenceversion VALUES ('{name}', random())"  # noqa: S608
        for table in tables:
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_reference_version_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN {bump} ON CONFLICT (name) DO UPDATE SET version = excluded.version; END",
                    params=None,
                )


def remove_triggers(schema_editor, tables: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_reference_version ON {table}", params=None)
        elif vendor == "sqlite":
            for event in ("insert", "update", "delete"):
                schema_editor.execute(
                    f"DROP TRIGGER IF EXISTS {table}_reference_version_{event}", params=None
                )


def today() -> datetime.date:
    return timezone.localdate()


def version(name: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM core_referenceversion WHERE name = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else None


class ReferenceCache(Generic[T]):
    """``build(day)``'s result, kept while the version of ``name`` and the date stay the same."""

    def __init__(self, name: str, build: Callable[[datetime.date], T]):
        self.name, self.build = name, build
        self._key: tuple[int | None, datetime.date] | None = None
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        key = (version(self.name), today())
        with self._lock:
            if self._key != key:
                self._value, self._key = self.build(key[1]), key
            return self._value
