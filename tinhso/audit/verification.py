"""Verifying the whole audit trail: every chain, every anchor, and the anchor chain.

Entries are streamed in (object_type, object_id, sequence) order, the order of the unique index,
so memory stays constant however long the trail is. The first broken link is reported.

Tampering by someone who bypasses the application (a database superuser can disable the
append-only trigger) shows up as follows: a changed entry no longer matches its hash; a deleted
entry leaves a gap in its object's sequence; rewriting a whole chain with fresh hashes, or
deleting its newest entries, no longer matches the chain head kept in the anchors; rewriting the
anchors too is caught by comparing the latest anchor hash with a copy published out of band
(``verify_audit --anchor HASH``).
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from tinhso.audit.hashing import GENESIS_HASH, entry_hash, root_hash
from tinhso.audit.models import AuditAnchor, AuditEntry

ENTRY_FIELDS = (
    "id",
    "object_type",
    "object_id",
    "sequence",
    "action",
    "actor_id",
    "actor_label",
    "at",
    "data",
    "ip",
    "prev_hash",
    "hash",
)
CHUNK = 5000


@dataclass
class Break:
    """The first broken link found."""

    problem: str
    expected: str
    found: str
    object: str = ""
    sequence: int | None = None
    entry_id: int | None = None
    anchor_id: int | None = None

    def message(self) -> str:
        values = {
            "problem": self.problem,
            "expected": self.expected,
            "found": self.found,
            "object": self.object,
            "sequence": self.sequence,
            "entry": self.entry_id,
            "anchor": self.anchor_id,
        }
        if self.anchor_id is not None and self.entry_id is not None:
            text = _(
                "Broken link in anchor #%(anchor)s, object %(object)s, sequence %(sequence)s, "
                "entry #%(entry)s: %(problem)s (expected %(expected)s, found %(found)s)."
            )
        elif self.anchor_id is not None:
            text = _(
                "Broken link in anchor #%(anchor)s: %(problem)s (expected %(expected)s, found %(found)s)."
            )
        else:
            text = _(
                "Broken link in object %(object)s, sequence %(sequence)s, entry #%(entry)s: "
                "%(problem)s (expected %(expected)s, found %(found)s)."
            )
        return text % values


@dataclass
class Report:
    entries: int = 0
    objects: int = 0
    anchors: int = 0
    unanchored: int = 0
    published_anchor_found: bool | None = None
    broken: Break | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None and self.published_anchor_found is not False


def verify_trail(published_anchor: str | None = None) -> Report:
    """Check every entry and anchor; ``published_anchor`` is a hash kept out of band.

    Runs in one transaction, so that PostgreSQL streams rows through a plain server-side cursor.
    """
    report = Report()
    with transaction.atomic():
        report.broken = _verify_entries(report) or _verify_anchors(report, published_anchor)
        if report.broken is None:
            last = AuditAnchor.objects.order_by("-id").values_list("last_entry_id", flat=True).first() or 0
            report.unanchored = AuditEntry.objects.filter(id__gt=last).count()
    return report


def _verify_entries(report: Report) -> Break | None:
    rows = AuditEntry.objects.order_by("object_type", "object_id", "sequence").values_list(*ENTRY_FIELDS)
    current = None
    expected_sequence, expected_prev = 1, GENESIS_HASH
    for row in rows.iterator(chunk_size=CHUNK):
        entry_id, object_type, object_id, sequence, action, actor_id, label, at, data, ip, prev, digest = row
        if (object_type, object_id) != current:
            current = (object_type, object_id)
            report.objects += 1
            expected_sequence, expected_prev = 1, GENESIS_HASH
        report.entries += 1
        where = {"object": f"{object_type}#{object_id}", "sequence": sequence, "entry_id": entry_id}
        if sequence != expected_sequence:
            return Break(_("missing entries"), str(expected_sequence), str(sequence), **where)
        if prev != expected_prev:
            return Break(_("previous hash does not match"), expected_prev, prev, **where)
        computed = entry_hash(
            object_type=object_type,
            object_id=object_id,
            sequence=sequence,
            action=action,
            actor_label=label,
            at=at,
            data=data,
            ip=ip,
            prev_hash=prev,
        )
        if computed != digest:
            return Break(_("content does not match its hash"), computed, digest, **where)
        if actor_id is not None and not label.endswith(f"(#{actor_id})"):
            return Break(_("actor link was changed"), label, f"#{actor_id}", **where)
        expected_sequence, expected_prev = sequence + 1, digest
    return None


def _verify_anchors(report: Report, published_anchor: str | None) -> Break | None:
    previous_hash, previous_last = GENESIS_HASH, 0
    if published_anchor is not None:
        report.published_anchor_found = False
    for anchor in AuditAnchor.objects.order_by("id").iterator(chunk_size=100):
        report.anchors += 1
        where = {"anchor_id": anchor.pk}
        if anchor.prev_anchor_hash != previous_hash:
            return Break(
                _("previous anchor hash does not match"), previous_hash, anchor.prev_anchor_hash, **where
            )
        computed = anchor.compute_hash()
        if computed != anchor.hash:
            return Break(_("anchor does not match its hash"), computed, anchor.hash, **where)
        if anchor.last_entry_id < previous_last:
            return Break(
                _("last entry goes backwards"), f">= {previous_last}", str(anchor.last_entry_id), **where
            )
        computed_root = root_hash(head[1:] for head in anchor.heads)
        if computed_root != anchor.root_hash:
            return Break(
                _("chain heads do not match the root hash"), computed_root, anchor.root_hash, **where
            )
        broken = _verify_heads(anchor)
        if broken:
            return broken
        if anchor.hash == published_anchor:
            report.published_anchor_found = True
        previous_hash, previous_last = anchor.hash, anchor.last_entry_id
    return None


def _verify_heads(anchor: AuditAnchor) -> Break | None:
    """Each chain head the anchor kept must still be in the trail, unchanged."""
    for start in range(0, len(anchor.heads), CHUNK):
        chunk = anchor.heads[start : start + CHUNK]
        found = {
            row[0]: row[1:]
            for row in AuditEntry.objects.filter(id__in=[head[0] for head in chunk]).values_list(
                "id", "object_type", "object_id", "sequence", "hash"
            )
        }
        for entry_id, object_type, object_id, sequence, digest in chunk:
            where = {
                "anchor_id": anchor.pk,
                "object": f"{object_type}#{object_id}",
                "sequence": sequence,
                "entry_id": entry_id,
            }
            if entry_id not in found:
                return Break(_("anchored entry is missing"), digest, _("nothing"), **where)
            if tuple(found[entry_id]) != (object_type, object_id, sequence, digest):
                return Break(_("anchored entry was replaced"), digest, found[entry_id][3], **where)
    return None
