"""The canonical serialisation and hashes of the audit trail.

An entry's hash is the hex SHA-256 of the UTF-8 bytes of this JSON object, with sorted keys,
no whitespace (``separators=(",", ":")``) and non-ASCII text kept as is (``ensure_ascii=False``)::

    {"action": ..., "actor": <actor_label>, "at": <UTC time, ISO 8601 with microseconds>,
     "data": <data>, "ip": <IP address or null>, "object_id": ..., "object_type": ...,
     "prev_hash": <hash of the previous entry of the same object, or 64 zeros>, "sequence": <int>}

Inside ``data`` a float with an integral value is written as an integer, so the hash does not
depend on how the database gives numbers back from JSON columns (PostgreSQL's ``jsonb`` turns
``1e20`` into ``100000000000000000000``). ``actor_id`` is deliberately not hashed: it is only a
link to the account and is set to NULL when the account is deleted; the hashed ``actor_label``
carries the account's id (``"Nguyễn Văn An (#12)"``) and the verifier checks the link against it.

An anchor's root is the SHA-256 of the chain heads it covers, one line per head, each line the
compact JSON array ``["object_type","object_id",sequence,"hash"]``, lines sorted and joined with
``\\n``; the anchor's hash is the SHA-256 of the same kind of canonical JSON over its
``created_at``, ``entries_count``, ``last_entry_id``, ``root_hash`` and ``prev_anchor_hash``.
"""

import hashlib
import json
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64


def canonical_value(value):
    """Integral floats become ints, recursively; everything else is left alone."""
    kind = type(value)
    if kind is float:
        return int(value) if value.is_integer() else value
    if kind is dict:
        return {key: canonical_value(item) for key, item in value.items()}
    if kind is list:
        return [canonical_value(item) for item in value]
    return value


def canonical_json(payload) -> bytes:
    """Sorted keys, no whitespace, UTF-8; the caller passes ``data`` through ``canonical_value``."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    *,
    object_type: str,
    object_id: str,
    sequence: int,
    action: str,
    actor_label: str,
    at: datetime,
    data,
    ip: str | None,
    prev_hash: str,
) -> str:
    return sha256_hex(
        canonical_json(
            {
                "action": action,
                "actor": actor_label,
                "at": utc_iso(at),
                "data": canonical_value(data),
                "ip": ip,
                "object_id": object_id,
                "object_type": object_type,
                "prev_hash": prev_hash,
                "sequence": sequence,
            }
        )
    )


def root_hash(heads) -> str:
    """``heads``: iterable of (object_type, object_id, sequence, hash)."""
    lines = sorted(canonical_json([otype, oid, seq, digest]) for otype, oid, seq, digest in heads)
    return sha256_hex(b"\n".join(lines))


def anchor_hash(
    *, created_at: datetime, entries_count: int, last_entry_id: int, root_hash: str, prev_anchor_hash: str
) -> str:
    return sha256_hex(
        canonical_json(
            {
                "created_at": utc_iso(created_at),
                "entries_count": entries_count,
                "last_entry_id": last_entry_id,
                "prev_anchor_hash": prev_anchor_hash,
                "root_hash": root_hash,
            }
        )
    )
