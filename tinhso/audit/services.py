"""Writing and reading the audit trail.

``record`` is called by every business action inside its transaction. It takes a lock on the
one object it writes about (on PostgreSQL a transaction-scoped advisory lock keyed by a 64-bit
hash of the object), so two writers on the same object take turns while writers on different
objects never wait for each other: there is no global lock. The lock is held until the caller's
transaction ends, which keeps the chain's order equal to the commit order. Callers must use the
default READ COMMITTED isolation, so the previous entry committed by another writer is seen once
the lock is granted. An object created in the caller's transaction is invisible to other writers:
its first entry needs neither the lock nor the look-up (``record(..., new=True)``). On SQLite
(the demo) the database serialises writers by itself; the unique (object_type, object_id,
sequence) constraint refuses any duplicate on every database.
"""

import hashlib
import json
import re

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tinhso.audit.hashing import GENESIS_HASH, root_hash
from tinhso.audit.models import AuditAnchor, AuditEntry
from tinhso.core.net import client_ip
from tinhso.core.rows import insert
from tinhso.core.sql import sql
from tinhso.core.text import nfc

ACTION_PATTERN = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
PERSONAL_DATA_READ = "personal_data.read"
# Key of the advisory lock that lets only one anchoring run at a time (writers never take it).
ANCHOR_LOCK_KEY = int.from_bytes(hashlib.sha256(b"tinhso.audit.anchor").digest()[:8], "big", signed=True)


# The head of an object's chain, read by every entry but an object's first: plain SQL, for the
# statement the ORM would build afresh on each call costs more than the read itself.
HEAD_SQL = sql(
    "SELECT {AuditEntry.sequence}, {AuditEntry.hash} FROM {AuditEntry} WHERE {AuditEntry.object_type} = %s "
    "AND {AuditEntry.object_id} = %s ORDER BY {AuditEntry.sequence} DESC LIMIT 1",
    AuditEntry,
)


def object_key(obj) -> tuple[str, str]:
    """(object_type, object_id) of a saved model instance: ("agencies.agency", "42")."""
    if obj is None or obj.pk is None:
        raise ValueError("Only saved objects can be audited.")
    return obj._meta.concrete_model._meta.label_lower, str(obj.pk)


def lock_key(object_type: str, object_id: str) -> int:
    """A signed 64-bit integer derived from the object, for ``pg_advisory_xact_lock``."""
    digest = hashlib.sha256(f"{object_type}\n{object_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def actor_label(actor) -> str:
    """Name and account id, kept in the entry when the account is deleted: "Nguyễn Văn An (#12)"."""
    if actor is None:
        return ""
    name = nfc(getattr(actor, "full_name", "")) or actor.get_username()
    return f"{name} (#{actor.pk})"


def _normalised_data(changes) -> dict:
    """The data as the JSON column will give it back (dates, decimals... become strings)."""
    return json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder))


def _advisory_lock(using: str, key: int) -> None:
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def record(
    actor, action: str, obj, changes: dict | None = None, request=None, *, new: bool = False
) -> AuditEntry:
    """Append an entry about ``obj`` to its chain; ``actor`` None means the system.

    ``changes`` is any JSON-able dict, e.g. ``{"name": ["old", "new"]}``. Call it inside the
    business action's ``transaction.atomic``: if that transaction rolls back, so does the entry.
    ``new`` says that ``obj`` was created in this transaction, so no other writer can see it yet:
    its chain starts here without the lock and the look-up of a previous entry (the unique
    constraint would still refuse a second first entry).
    """
    if not ACTION_PATTERN.fullmatch(action) or len(action) > 64:
        raise ValueError(f"Invalid audit action name: {action!r}.")
    if actor is not None and not actor.is_authenticated:
        actor = None
    object_type, object_id = object_key(obj)
    using = router.db_for_write(AuditEntry)
    with transaction.atomic(using=using, savepoint=False):
        previous = None
        if not new:
            _advisory_lock(using, lock_key(object_type, object_id))
            with connections[using].cursor() as cursor:
                cursor.execute(HEAD_SQL, [object_type, object_id])
                previous = cursor.fetchone()
        sequence, prev_hash = (previous[0] + 1, previous[1]) if previous else (1, GENESIS_HASH)
        entry = AuditEntry(
            object_type=object_type,
            object_id=object_id,
            sequence=sequence,
            action=action,
            actor=actor,
            actor_label=actor_label(actor),
            at=timezone.now(),
            data=_normalised_data(changes),
            ip=client_ip(request),
            prev_hash=prev_hash,
        )
        entry.hash = entry.compute_hash()
        insert(entry)
    return entry


def reader_position(actor) -> dict:
    """The reader's agencies and roles when they read, kept in the entry so that the person sees
    who read their data even after the officer moved (Law 91/2025/QH15 art. 4: the data subject
    is told about the processing of their data)."""
    if actor is None or not hasattr(actor, "active_memberships"):
        return {"agency": "", "role": ""}
    memberships = list(actor.active_memberships().values_list("agency__name", "role"))
    agencies = sorted({agency for agency, _role in memberships})
    roles = sorted({role for _agency, role in memberships})
    if not roles and (actor.is_staff or actor.is_superuser):
        roles = ["admin"]
    return {"agency": "; ".join(agencies), "role": ",".join(roles)}


def record_personal_data_read(
    actor, person, fields: list[str], purpose: str, request=None, *, reference: str = ""
) -> AuditEntry | None:
    """The one service that logs a read of ``person``'s personal data by ``actor`` (Law
    91/2025/QH15 on personal data protection art. 4 — the data subject's right to know who
    processed their data — and Decree 356/2025/NĐ-CP).

    One entry per read, on ``person``'s chain, with the field names, the purpose, the dossier or
    report code (``reference``) and the reader's agency and role; never the values read. A person
    reading their own data is not logged: returns None.
    """
    if actor is not None and person is not None and actor.is_authenticated and _same(actor, person):
        return None
    fields = [nfc(name) for name in fields if nfc(name)]
    purpose = nfc(purpose)
    if not fields:
        raise ValueError("List the personal-data fields that were read.")
    if not purpose:
        raise ValueError("Give the purpose of reading personal data.")
    data = {"fields": fields, "purpose": purpose, "reference": nfc(reference), **reader_position(actor)}
    return record(actor, PERSONAL_DATA_READ, person, data, request)


def record_dossier_read(actor, dossier, fields: list[str], purpose: str, request=None) -> AuditEntry | None:
    """Log a read of a dossier's applicant data through ``record_personal_data_read``. A walk-in
    applicant has no account: the read is logged on the dossier itself."""
    person = dossier.applicant if dossier.applicant_id else dossier
    return record_personal_data_read(actor, person, fields, purpose, request, reference=dossier.display_code)


def _same(actor, person) -> bool:
    return object_key(actor) == object_key(person)


def history_for(obj: object) -> QuerySet[AuditEntry]:
    """Every entry about ``obj``, oldest first."""
    object_type, object_id = object_key(obj)
    return AuditEntry.objects.filter(object_type=object_type, object_id=object_id).order_by("sequence")


def personal_data_reads_about(person):
    """What was read about ``person``, by whom, when and why, newest first (Law 91/2025/QH15 on
    personal data protection, Decree 356/2025/NĐ-CP)."""
    return history_for(person).filter(action=PERSONAL_DATA_READ).select_related("actor").order_by("-at")


def anchor_trail() -> AuditAnchor | None:
    """Anchor the latest hash of every chain changed since the previous anchor.

    Returns the new anchor, or None when nothing was recorded since the previous one. Only one
    anchoring runs at a time; writers are not blocked. An entry whose transaction commits after
    an anchor that already covers higher ids is anchored the next time its object changes (its
    chain is verified in any case).
    """
    using = router.db_for_write(AuditAnchor)
    with transaction.atomic(using=using):
        _advisory_lock(using, ANCHOR_LOCK_KEY)
        previous = AuditAnchor.objects.using(using).order_by("-id").first()
        after_id = previous.last_entry_id if previous else 0
        rows = (
            AuditEntry.objects.using(using)
            .filter(id__gt=after_id)
            .order_by("id")
            .values_list("id", "object_type", "object_id", "sequence", "hash")
        )
        heads = {}
        count = 0
        last_id = after_id
        for entry_id, object_type, object_id, sequence, digest in rows.iterator(chunk_size=5000):
            heads[(object_type, object_id)] = [entry_id, object_type, object_id, sequence, digest]
            count += 1
            last_id = entry_id
        if not count:
            return None
        head_list = sorted(heads.values(), key=lambda head: head[1:3])
        anchor = AuditAnchor(
            created_at=timezone.now(),
            entries_count=count,
            last_entry_id=last_id,
            heads=head_list,
            root_hash=root_hash(head[1:] for head in head_list),
            prev_anchor_hash=previous.hash if previous else GENESIS_HASH,
        )
        anchor.hash = anchor.compute_hash()
        anchor.save(using=using)
    return anchor
