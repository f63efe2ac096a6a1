"""What reception asks of the catalogue for every dossier that crosses a commune boundary, kept in
memory by each server process (``tinhso.core.reference``, the "catalogue" version, for the day):
which procedure codes are on a list of procedures received regardless of boundary in force today
(``BoundaryFreeList``), each procedure's implementing agencies, and each commune's valid agencies.
Writes to the lists, the procedures' agencies and the agencies change the version (``procedures``
migrations 0004 and 0009)."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from tinhso.agencies.models import Agency
from tinhso.core.reference import ReferenceCache, Row
from tinhso.procedures.models import BoundaryFreeList, Procedure


@dataclass(frozen=True)
class CommuneAgency:
    pk: int
    kind: str
    row: Row


@dataclass(frozen=True)
class ReceptionRules:
    listed_codes: frozenset[str]
    implementing: Mapping[int, frozenset[int]]  # procedure id -> agency ids
    commune_agencies: Mapping[int, tuple[CommuneAgency, ...]]  # unit id -> agencies by code

    def is_boundary_free(self, procedure: Procedure) -> bool:
        """Whether a list in force today names ``procedure`` (by code)."""
        return procedure.code in self.listed_codes

    def implementing_agency_ids(self, procedure_id: int) -> frozenset[int]:
        return self.implementing.get(procedure_id, frozenset())

    def first_agency_of_commune(
        self, unit_id: int, *, kind: str = "", among: frozenset[int] = frozenset()
    ) -> Agency | None:
        """The valid agency of the commune ``unit_id`` with the lowest code, among the ids
        ``among`` when given, else of ``kind`` (a fresh instance for the caller)."""
        for agency in self.commune_agencies.get(unit_id, ()):
            if (agency.pk in among) if among else agency.kind == kind:
                return agency.row.instance()
        return None


def _build(day: datetime.date) -> ReceptionRules:
    listed = BoundaryFreeList.objects.in_force(day).order_by().values_list("procedures__code", flat=True)
    implementing: dict[int, set[int]] = {}
    for procedure_id, agency_id in Procedure.agencies.through.objects.values_list(
        "procedure_id", "agency_id"
    ):
        implementing.setdefault(procedure_id, set()).add(agency_id)
    communes: dict[int, list[CommuneAgency]] = {}
    for agency in Agency.objects.valid_on(day).filter(unit__isnull=False).order_by("code"):
        communes.setdefault(agency.unit_id, []).append(CommuneAgency(agency.pk, agency.kind, Row.of(agency)))
    return ReceptionRules(
        frozenset(code for code in listed if code),
        {pk: frozenset(ids) for pk, ids in implementing.items()},
        {unit_id: tuple(agencies) for unit_id, agencies in communes.items()},
    )


_rules: ReferenceCache[ReceptionRules] = ReferenceCache("catalogue", _build)


def reception_rules() -> ReceptionRules:
    """Today's rules, from this process's copy (read again when the catalogue changed)."""
    return _rules.get()
