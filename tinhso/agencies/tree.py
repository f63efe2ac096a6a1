"""The agency tree kept in memory by each server process (``tinhso.core.reference``): every
officer's request asks which agencies lie under theirs, and the tree changes seldom. Every era's
agencies are in it, as the stored paths are (``Agency.descendants``). Writes to the agencies
change the "catalogue" version (``procedures`` migration 0004), which this copy follows."""

import datetime
from dataclasses import dataclass

from tinhso.agencies.models import Agency
from tinhso.core.reference import ReferenceCache


@dataclass(frozen=True)
class Node:
    parent_id: int | None
    path: str
    kind: str


def _build(day: datetime.date) -> dict[int, Node]:
    rows = Agency.objects.order_by().values_list("pk", "parent_id", "path", "kind")
    return {pk: Node(parent_id, path, kind) for pk, parent_id, path, kind in rows}


_tree: ReferenceCache[dict[int, Node]] = ReferenceCache("catalogue", _build, dated=False)


def nodes() -> dict[int, Node]:
    """Every agency by id. The mapping is shared: read it, never change it."""
    return _tree.get()


def subtree_ids(agency_ids: set[int] | list[int]) -> frozenset[int]:
    """The agencies among ``agency_ids`` and every agency under one of them."""
    tree = nodes()
    paths = tuple(tree[pk].path for pk in agency_ids if pk in tree and tree[pk].path)
    if not paths:
        return frozenset()
    return frozenset(pk for pk, node in tree.items() if node.path.startswith(paths))


def root_ids() -> frozenset[int]:
    """The agencies at the top of the tree (the provincial People's Committee)."""
    return frozenset(pk for pk, node in nodes().items() if node.parent_id is None)
