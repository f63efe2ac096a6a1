"""Reference data kept in memory by each server process: read on nearly every request, written
rarely (the procedure catalogue, the administrative units, the published flows, the working-time
calendar). This is the platform's one per-process cache.

Each kind has a row in ``ReferenceVersion`` that database triggers set to a random value on every
write to the kind's tables, in the writing transaction (statement triggers on PostgreSQL, row
triggers on SQLite), so actions, bulk and queryset updates, imports, the admin and migrations all
count. ``ReferenceCache.get()`` compares the kind's version and the date with those its copy was
built for and rebuilds it when they moved. All versions are read in one query, once per request
(``versions``): read again after a statement writes to a table with a version (and on each call
after such a write inside a transaction, until it ends), and on every call outside a request.
Inside a transaction that wrote to the tables the version read is that transaction's own, and
versions are compared for equality, so a copy built there is never reused after a rollback.

A copy holds values, never model instances shared between requests: frozen dataclasses and tuples,
or ``Row``, from which each caller gets its own fresh instance.
"""

import copy
import datetime
import json
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connection
from django.db.models import Model
from django.db.models.fields.files import FieldFile
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


_local = threading.local()
READING = ("SELECT", "SAVEPOINT", "RELEASE")
SCHEMA_CHANGES = ("CREATE", "DROP", "ALTER")


def today() -> datetime.date:
    return timezone.localdate()


def _read_versions() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, version FROM core_referenceversion")
        return dict(cursor.fetchall())


def versions() -> dict[str, int]:
    """Every kind's version, read in one query. Within a request the answer is kept until a
    statement writes to a table with a version; one read after such a write inside a transaction
    is not kept (the transaction may roll back) until the transaction has ended."""
    if not connection.in_atomic_block:
        _local.wrote = False
    known = getattr(_local, "versions", None)
    if known is None:
        known = _read_versions()
        if getattr(_local, "in_request", False) and not getattr(_local, "wrote", False):
            _local.versions = known
    return known


def version(name: str) -> int | None:
    return versions().get(name)


def request_started(**kwargs) -> None:
    _local.in_request, _local.versions, _local.wrote = True, None, False


def request_finished(**kwargs) -> None:
    _local.in_request, _local.versions, _local.wrote = False, None, False


@contextmanager
def as_one_request() -> Iterator[None]:
    """Keep the versions within the block as a request does: for a long job such as the demo
    loader, which reads the reference data thousands of times and seldom writes it."""
    request_started()
    try:
        yield
    finally:
        request_finished()


def _tables_with_versions(connection) -> tuple[str, ...]:
    """The tables whose writes change a version (those ``install_triggers`` gave triggers)."""
    if not hasattr(connection, "_tinhso_reference_tables"):
        sql = (
            "SELECT DISTINCT event_object_table FROM information_schema.triggers "
            "WHERE trigger_name LIKE '%%reference_version%%'"
            if connection.vendor == "postgresql"
            else "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE '%%reference_version%%'"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            connection._tinhso_reference_tables = tuple(row[0] for row in cursor.fetchall())
    return connection._tinhso_reference_tables


def forget_versions_on_write(execute, sql, params, many, context):
    """A database execute wrapper: a statement that writes to a table with a version may change
    it (a read, a savepoint or a write elsewhere cannot)."""
    start = sql.lstrip()[:9].upper()
    if not start.startswith(READING):
        connection = context["connection"]
        if start.startswith(SCHEMA_CHANGES):  # a migration: the tables with versions may change
            connection.__dict__.pop("_tinhso_reference_tables", None)
        if any(table in sql for table in _tables_with_versions(connection)):
            _local.versions = None
            _local.wrote = connection.in_atomic_block
    return execute(sql, params, many, context)


def install_wrapper(sender, connection, **kwargs) -> None:
    """``connection_created``: watch the new connection's statements."""
    if forget_versions_on_write not in connection.execute_wrappers:
        connection.execute_wrappers.append(forget_versions_on_write)


class _Json(str):
    """A JSON value (a dict or a list) kept as its text: loading it is cheaper than a deep copy."""


def _plain(value):
    """A field's value as a copy keeps it: a file by its name, JSON as text, containers copied."""
    if isinstance(value, FieldFile):
        return value.name
    if isinstance(value, dict | list):
        try:
            return _Json(json.dumps(value))
        except TypeError:
            return copy.deepcopy(value)
    return value


def _fresh(value):
    """A kept value for one caller (scalars are immutable and shared)."""
    if isinstance(value, _Json):
        return json.loads(value)
    return copy.deepcopy(value) if isinstance(value, dict | list | set) else value


@dataclass(frozen=True)
class Row:
    """A model instance's field values (and those of the related objects it was read with), kept
    in a copy; ``instance()`` gives each caller a new instance of its own."""

    model: type[Model]
    values: tuple
    related: tuple[tuple[str, "Row | None"], ...] = ()

    @classmethod
    def of(cls, obj, *related: str) -> "Row":
        """``obj``'s values, with those of its already-read related objects named in ``related``."""
        fields = obj._meta.concrete_fields
        return cls(
            type(obj),
            tuple(_plain(getattr(obj, field.attname)) for field in fields),
            tuple(
                (name, None if getattr(obj, name) is None else cls.of(getattr(obj, name))) for name in related
            ),
        )

    def instance(self) -> Any:
        fields = self.model._meta.concrete_fields
        obj = self.model.from_db(
            None, [field.attname for field in fields], [_fresh(value) for value in self.values]
        )
        for name, row in self.related:
            setattr(obj, name, None if row is None else row.instance())
        return obj


class Instances(Mapping[Hashable, Any]):
    """Kept ``Row`` values by key, read as a mapping: each look-up builds a fresh instance of that
    row only (a procedure received at a hundred agencies builds one when a dossier names it)."""

    def __init__(self, rows: Mapping[Hashable, Row]):
        self._rows = rows

    def __getitem__(self, key: Hashable) -> Any:
        return self._rows[key].instance()

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


class ReferenceCache(Generic[T]):
    """``build(day)``'s result, kept while the version of ``name`` and the date stay the same
    (the version alone when ``dated`` is false: data that does not depend on the day).
    The result must be immutable, or a dict that callers only add immutable values to."""

    def __init__(self, name: str, build: Callable[[datetime.date], T], *, dated: bool = True):
        self.name, self.build, self.dated = name, build, dated
        self._key: tuple[int | None, datetime.date | None] | None = None
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        day = today()
        key = (version(self.name), day if self.dated else None)
        with self._lock:
            if self._key != key:
                self._value, self._key = self.build(day), key
            return self._value
