"""Load the 34 provincial units and 3,321 communes of the two-tier system (from 1 July 2025).

The data comes from the ``vietnam-provinces`` package with the official codes of Decision
19/2025/QĐ-TTg. Running it again updates names and types in place: rows are matched on
(code, valid from 1 July 2025), so nothing is duplicated.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from vietnam_provinces import Province, VietNamDivisionType, Ward

from tinhso.core.text import fold, nfc
from tinhso.units.models import TWO_TIER_START, AdministrativeUnit, DivisionType, Level

PACKAGE_TYPES = {
    VietNamDivisionType.TINH: DivisionType.PROVINCE,
    VietNamDivisionType.THANH_PHO_TRUNG_UONG: DivisionType.CENTRAL_CITY,
    VietNamDivisionType.XA: DivisionType.COMMUNE,
    VietNamDivisionType.PHUONG: DivisionType.WARD,
    VietNamDivisionType.DAC_KHU: DivisionType.SPECIAL_ZONE,
}
COMPARED = ["name", "name_folded", "level", "division_type", "parent_id"]
UPDATED = ["name", "name_folded", "level", "division_type", "parent"]


def province_code(value: int) -> str:
    return f"{int(value):02d}"


def ward_code(value: int) -> str:
    return f"{int(value):05d}"


def province_name(province: Province) -> str:
    """The package writes "Đồng Tháp" but "Thành phố Hà Nội": give provinces their "Tỉnh" too."""
    if province.division_type == VietNamDivisionType.TINH:
        return nfc(f"Tỉnh {province.name}")
    return nfc(province.name)


def sync(rows: list[AdministrativeUnit]) -> tuple[int, int]:
    """Create the rows that are new, update those that changed; returns (created, updated)."""
    existing = {
        unit.code: unit
        for unit in AdministrativeUnit.objects.filter(
            valid_from=TWO_TIER_START, code__in=[row.code for row in rows]
        )
    }
    to_create, to_update = [], []
    for row in rows:
        current = existing.get(row.code)
        if current is None:
            to_create.append(row)
        elif any(getattr(current, field) != getattr(row, field) for field in COMPARED):
            for field in COMPARED:
                setattr(current, field, getattr(row, field))
            to_update.append(current)
    AdministrativeUnit.objects.bulk_create(to_create, batch_size=1000)
    AdministrativeUnit.objects.bulk_update(to_update, UPDATED, batch_size=1000)
    return len(to_create), len(to_update)


def new_unit(
    code: str, name: str, level: Level, division_type: DivisionType, parent=None
) -> AdministrativeUnit:
    return AdministrativeUnit(
        code=code,
        name=name,
        name_folded=fold(name),
        level=level,
        division_type=division_type,
        parent=parent,
        valid_from=TWO_TIER_START,
    )


class Command(BaseCommand):
    help = "Import the 34 provincial units and 3,321 communes/wards of 1 July 2025 (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            help="Load all provincial units but only this province's communes (code, e.g. 82 for Đồng Tháp).",
        )

    @transaction.atomic
    def handle(self, *args, province=None, **options):
        provinces = list(Province.iter_all())
        codes = {province_code(p.code) for p in provinces}
        if province:
            wanted = province_code(province) if province.strip().isdigit() else province.strip()
            if wanted not in codes:
                raise CommandError(_("There is no provincial unit with code %(code)s.") % {"code": province})
            codes = {wanted}
        created, updated = sync(
            [
                new_unit(
                    province_code(p.code), province_name(p), Level.PROVINCE, PACKAGE_TYPES[p.division_type]
                )
                for p in provinces
            ]
        )
        parents = {
            unit.code: unit
            for unit in AdministrativeUnit.objects.filter(
                valid_from=TWO_TIER_START, level=Level.PROVINCE, code__in=codes
            )
        }
        wards = [
            new_unit(
                ward_code(w.code),
                nfc(w.name),
                Level.COMMUNE,
                PACKAGE_TYPES[w.division_type],
                parents[province_code(w.province_code)],
            )
            for w in Ward.iter_all()
            if province_code(w.province_code) in parents
        ]
        ward_created, ward_updated = sync(wards)
        self.stdout.write(
            _("%(provinces)d provinces, %(communes)d communes: %(created)d created, %(updated)d updated.")
            % {
                "provinces": len(provinces),
                "communes": len(wards),
                "created": created + ward_created,
                "updated": updated + ward_updated,
            }
        )
