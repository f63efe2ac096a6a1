"""The exchange log's hash chain, its anchors and its verifier.

Every call through the gateway is one ``Exchange`` row. Its hash is the hex SHA-256 of the
canonical JSON (``tinhso.audit.hashing.canonical_json``: sorted keys, no whitespace, UTF-8) of
all its fields but ``id`` and ``hash``, times in UTC ISO 8601 with microseconds; ``prev_hash`` is
the hash of the row with the previous ``sequence`` (64 zeros for the first). Unlike the audit
trail (one chain per object), the log is one chain: the gateway appends in batches under one
advisory lock, so the order of the chain is the order of the commits.

An anchor keeps the chain's head (last sequence and hash) chained to the previous anchor, so that
removing the newest rows is detected too; its hash can be published out of band.

Retention (``prune``, run by the retention job): the rows up to the last anchor made before the
period are deleted (the anchors stay), so the log always starts right after an anchor, and the
verifier checks that the first row kept follows that anchor's hash.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.audit.hashing import GENESIS_HASH, canonical_json, sha256_hex, utc_iso
from tinhso.audit.services import record
from tinhso.core.sql import sql
from tinhso.lgsp.models import Exchange, ExchangeAnchor

LOCK_KEY = int.from_bytes(hashlib.sha256(b"tinhso.lgsp.exchange_log").digest()[:8], "big", signed=True)
HASHED = [field.attname for field in Exchange._meta.concrete_fields if field.attname not in ("id", "hash")]
DEFAULTS = {field.attname: field.get_default() for field in Exchange._meta.concrete_fields}


def _value(value: object) -> object:
    return utc_iso(value) if isinstance(value, datetime) else value


def exchange_hash(row: dict) -> str:
    return sha256_hex(canonical_json({name: _value(row[name]) for name in HASHED}))


def anchor_hash(*, created_at: datetime, last_sequence: int, last_hash: str, prev_anchor_hash: str) -> str:
    return sha256_hex(
        canonical_json(
            {
                "created_at": utc_iso(created_at),
                "last_hash": last_hash,
                "last_sequence": last_sequence,
                "prev_anchor_hash": prev_anchor_hash,
            }
        )
    )


def _lock(using: str) -> None:
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def append(rows: list[dict]) -> list[Exchange]:
    """Chain and insert ``rows`` (the fields of ``Exchange`` but the chain's) in one transaction."""
    using = router.db_for_write(Exchange)
    with transaction.atomic(using=using):
        _lock(using)
        head = Exchange.objects.using(using).order_by("-sequence").values_list("sequence", "hash").first()
        sequence, prev_hash = head if head else (0, GENESIS_HASH)
        exchanges = []
        for row in rows:
            sequence += 1
            chained = {**row, "sequence": sequence, "prev_hash": prev_hash}
            prev_hash = exchange_hash({name: chained.get(name, DEFAULTS[name]) for name in HASHED})
            exchanges.append(Exchange(**chained, hash=prev_hash))
        Exchange.objects.using(using).bulk_create(exchanges)
    return exchanges


def anchor_log() -> ExchangeAnchor | None:
    """Anchor the head of the log; None when nothing was logged since the last anchor."""
    using = router.db_for_write(ExchangeAnchor)
    with transaction.atomic(using=using):
        _lock(using)
        head = Exchange.objects.order_by("-sequence").values_list("sequence", "hash").first()
        last = ExchangeAnchor.objects.order_by("-id").first()
        if head is None or (last is not None and last.last_sequence == head[0]):
            return None
        created_at = timezone.now()
        prev = last.hash if last else GENESIS_HASH
        return ExchangeAnchor.objects.create(
            created_at=created_at,
            last_sequence=head[0],
            last_hash=head[1],
            prev_anchor_hash=prev,
            hash=anchor_hash(
                created_at=created_at, last_sequence=head[0], last_hash=head[1], prev_anchor_hash=prev
            ),
        )


PRUNE_SQL = sql("DELETE FROM {Exchange} WHERE {Exchange.sequence} <= %s", Exchange)


def prunable_through(before: datetime) -> int:
    """The last sequence that retention may delete: the head anchored by the newest anchor made
    before ``before`` (0: none)."""
    anchor = ExchangeAnchor.objects.filter(created_at__lt=before).order_by("-id").first()
    return anchor.last_sequence if anchor else 0


def prune(before: datetime) -> int:
    """Delete the exchange rows anchored before ``before`` (the retention schedule's, through
    ``tinhso.lgsp.retention``); the deletion is recorded in the audit trail."""
    using = router.db_for_write(Exchange)
    with transaction.atomic(using=using):
        _lock(using)
        through = prunable_through(before)
        if not through or not Exchange.objects.using(using).filter(sequence__lte=through).exists():
            return 0
        connection = connections[using]
        with connection.cursor() as cursor:
            # The rows are append-only for the ORM; this deliberate statement is the one delete,
            # let through by the trigger for this transaction only (migration 0004).
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config('tinhso.lgsp_retention', 'on', true)")
            cursor.execute(PRUNE_SQL, [through])
            deleted = cursor.rowcount
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config('tinhso.lgsp_retention', 'off', true)")
        anchor = ExchangeAnchor.objects.using(using).filter(last_sequence=through).order_by("id").first()
        record(None, "lgsp.prune_exchange_log", anchor, {"through_sequence": through, "deleted": deleted})
    return deleted


@dataclass
class Report:
    exchanges: int = 0
    anchors: int = 0
    broken: str = ""

    @property
    def intact(self) -> bool:
        return not self.broken


def verify_log() -> Report:
    """Check every row and anchor in order; ``broken`` describes the first broken link."""
    report = Report()
    heads: dict[int, str] = {}
    anchored = {anchor.last_sequence for anchor in ExchangeAnchor.objects.all()}
    with transaction.atomic():
        expected_sequence, expected_prev = 1, GENESIS_HASH
        first = Exchange.objects.order_by("sequence").values_list("sequence", "prev_hash").first()
        if first is not None and first[0] > 1:  # pruned by retention: it must follow an anchor
            boundary = ExchangeAnchor.objects.filter(last_sequence=first[0] - 1).first()
            if boundary is None or boundary.last_hash != first[1]:
                report.broken = _(
                    "Exchange %(sequence)s: missing exchanges before it (expected %(expected)s)."
                ) % {"sequence": first[0], "expected": 1}
                return report
            expected_sequence, expected_prev = first
            heads[boundary.last_sequence] = boundary.last_hash
        pruned_before = expected_sequence - 1
        for row in Exchange.objects.order_by("sequence").values(*HASHED, "hash").iterator(chunk_size=2000):
            report.exchanges += 1
            where = {"sequence": row["sequence"]}
            if row["sequence"] != expected_sequence:
                report.broken = _(
                    "Exchange %(sequence)s: missing exchanges before it (expected %(expected)s)."
                ) % {
                    **where,
                    "expected": expected_sequence,
                }
                return report
            if row["prev_hash"] != expected_prev:
                report.broken = _("Exchange %(sequence)s: previous hash does not match.") % where
                return report
            if exchange_hash(row) != row["hash"]:
                report.broken = _("Exchange %(sequence)s: content does not match its hash.") % where
                return report
            if row["sequence"] in anchored:
                heads[row["sequence"]] = row["hash"]
            expected_sequence, expected_prev = row["sequence"] + 1, row["hash"]
        previous = GENESIS_HASH
        for anchor in ExchangeAnchor.objects.order_by("id"):
            report.anchors += 1
            computed = anchor_hash(
                created_at=anchor.created_at,
                last_sequence=anchor.last_sequence,
                last_hash=anchor.last_hash,
                prev_anchor_hash=anchor.prev_anchor_hash,
            )
            if anchor.prev_anchor_hash != previous or computed != anchor.hash:
                report.broken = _("Anchor #%(anchor)s does not match its hash or its predecessor.") % {
                    "anchor": anchor.pk
                }
                return report
            if anchor.last_sequence >= pruned_before and heads.get(anchor.last_sequence) != anchor.last_hash:
                report.broken = _(
                    "Anchor #%(anchor)s: the exchange %(sequence)s it anchored is missing or changed."
                ) % {"anchor": anchor.pk, "sequence": anchor.last_sequence}
                return report
            previous = anchor.hash
    return report
