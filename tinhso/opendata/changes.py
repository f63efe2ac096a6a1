"""What changed between two versions of a resource: the rows added, removed and changed, each row
named by its source's key columns (a procedure by its code, a monthly figure by its month and
agency), and in a changed row the cells that moved."""

from dataclasses import dataclass, field

from tinhso.opendata.models import Version

SHOWN_MAX = 100


@dataclass
class Changes:
    columns: list[dict]
    added: list[list] = field(default_factory=list)
    removed: list[list] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)  # {"key": [...], "cells": [(column, old, new)]}
    counts: dict[str, int] = field(default_factory=dict)


def compare(old: Version, new: Version, key: tuple[str, ...]) -> Changes:
    """``new`` against ``old``; at most ``SHOWN_MAX`` rows of each kind are kept, all are counted.
    A change of the columns themselves counts every row as removed and added."""
    ids = [column["id"] for column in new.fields]
    same_columns = [column["id"] for column in old.fields] == ids and set(key) <= set(ids)
    key_at = [ids.index(name) for name in key] if same_columns else []

    def by_key(records: list[list]) -> dict[tuple, list]:
        if not same_columns:
            return {tuple(row): row for row in records}
        return {tuple(row[index] for index in key_at): row for row in records}

    before, after = by_key(old.records), by_key(new.records)
    changes = Changes(columns=new.fields)
    added = [after[name] for name in after if name not in before]
    removed = [before[name] for name in before if name not in after]
    changed = []
    for name in after.keys() & before.keys() if same_columns else ():
        cells = [
            (new.fields[index]["info"], before[name][index], after[name][index])
            for index in range(len(ids))
            if before[name][index] != after[name][index]
        ]
        if cells:
            changed.append({"key": list(name), "cells": cells})
    changed.sort(key=lambda row: [str(part) for part in row["key"]])
    changes.counts = {"added": len(added), "removed": len(removed), "changed": len(changed)}
    changes.added, changes.removed, changes.changed = (
        added[:SHOWN_MAX],
        removed[:SHOWN_MAX],
        changed[:SHOWN_MAX],
    )
    return changes
