"""File storage that forgets the files of a rolled-back transaction.

A file is written before the row that points at it commits. When that transaction (or the
savepoint the file was written in) rolls back, nothing would point at the file any more. The
storage classes here register an ``on_commit`` callback for every file saved inside a transaction;
Django runs it on commit and drops it unrun on rollback (``run_on_commit`` is filtered or
cleared), and a callback dropped unrun deletes its file. When in doubt the file is kept, and
``manage.py sweep_orphan_files`` removes it later if no row points at it: when the connection was
lost (the commit may have happened on the server), or when the commit happened but an earlier
callback failed.
"""

import datetime
import logging

from django.apps import apps
from django.core.files.storage import FileSystemStorage as DjangoFileSystemStorage
from django.db import models, transaction
from django.utils import timezone
from storages.backends.s3 import S3Storage as DjangoS3Storage

logger = logging.getLogger(__name__)


def _connection_lost(connection) -> bool:
    raw = connection.connection
    return raw is None or bool(getattr(raw, "broken", False) or getattr(raw, "closed", False))


class _DeleteUnlessCommitted:
    """The ``on_commit`` callback of one saved file: called on commit, deleted unrun otherwise."""

    def __init__(self, storage, name: str, connection):
        self.storage, self.name, self.connection = storage, name, connection
        self.committed = False

    def __call__(self):
        self.committed = True

    def __del__(self):
        # Also kept: the transaction committed but an earlier on_commit callback raised, so this
        # one never ran (Django sets the flag on commit and clears it once every hook has run).
        connection = self.connection
        if self.committed or connection.run_commit_hooks_on_set_autocommit_on or _connection_lost(connection):
            return
        try:
            self.storage.delete(self.name)
        except Exception:  # a failed clean-up must not hide the error that rolled back
            logger.exception("Could not delete %s after its transaction rolled back", self.name)


class RollbackAware:
    """Mixin for a Django storage class: files saved in a transaction that rolls back are deleted."""

    def _save(self, name, content):
        name = super()._save(name, content)
        connection = transaction.get_connection()
        if connection.in_atomic_block:
            transaction.on_commit(_DeleteUnlessCommitted(self, name, connection))
        return name


class FileSystemStorage(RollbackAware, DjangoFileSystemStorage):
    pass


class S3Storage(RollbackAware, DjangoS3Storage):
    pass


def stored_names(storage, directory: str = ""):
    """Every file name under ``directory`` of ``storage``, walking its folders."""
    try:
        folders, files = storage.listdir(directory)
    except FileNotFoundError:  # nothing was ever stored
        return
    for name in files:
        yield f"{directory}/{name}" if directory else name
    for folder in folders:
        yield from stored_names(storage, f"{directory}/{folder}" if directory else folder)


def _file_fields():
    """(model, field name) of every file field of every installed model."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]


def _referenced(names: list[str], fields) -> set[str]:
    found = set()
    for model, field in fields:
        found.update(model._base_manager.filter(**{f"{field}__in": names}).values_list(field, flat=True))
    return found


def orphan_files(storage, grace: datetime.timedelta, batch: int = 1000):
    """The files of ``storage`` older than ``grace`` that no row of any model points at.

    A file is written before the row that points at it commits: the grace period (longer than any
    transaction) keeps the files of transactions still running. Files are read in batches, so
    the memory used does not grow with the store.
    """
    fields = _file_fields()
    cutoff = timezone.now() - grace
    candidates = []

    def orphans_of(names):
        referenced = _referenced(names, fields)
        return [name for name in names if name not in referenced]

    for name in stored_names(storage):
        if storage.get_modified_time(name) > cutoff:
            continue
        candidates.append(name)
        if len(candidates) == batch:
            yield from orphans_of(candidates)
            candidates = []
    if candidates:
        yield from orphans_of(candidates)
