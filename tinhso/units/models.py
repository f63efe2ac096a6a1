"""Administrative units (đơn vị hành chính) of both eras.

Since 1 July 2025 Vietnam has two tiers: 34 provincial units and 3,321 communes, wards and
special zones (Resolution 202/2025/QH15; codes from Decision 19/2025/QĐ-TTg). Units of the old
three-tier system (province → district → commune) stay in the table with an end date of
30 June 2025 and a successor, because dossiers and documents from before the merger keep
their old units. Levels are data (1 province, 2 district, 3 commune), never hard-coded tiers.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tinhso.core.text import fold, nfc
from tinhso.units.validity import ValidityModel, resolve_chain

# The first day of the two-tier local government (Resolution 202/2025/QH15).
TWO_TIER_START = datetime.date(2025, 7, 1)


class Level(models.IntegerChoices):
    PROVINCE = 1, _("provincial level")
    DISTRICT = 2, _("district level")
    COMMUNE = 3, _("commune level")


class DivisionType(models.TextChoices):
    PROVINCE = "province", _("province")
    CENTRAL_CITY = "central_city", _("centrally-governed city")
    URBAN_DISTRICT = "urban_district", _("urban district")
    RURAL_DISTRICT = "rural_district", _("rural district")
    DISTRICT_TOWN = "district_town", _("district-level town")
    PROVINCIAL_CITY = "provincial_city", _("provincial city")
    COMMUNE = "commune", _("commune")
    WARD = "ward", _("ward")
    TOWNSHIP = "township", _("township")
    SPECIAL_ZONE = "special_zone", _("special zone")


LEVEL_TYPES = {
    Level.PROVINCE: {DivisionType.PROVINCE, DivisionType.CENTRAL_CITY},
    Level.DISTRICT: {
        DivisionType.URBAN_DISTRICT,
        DivisionType.RURAL_DISTRICT,
        DivisionType.DISTRICT_TOWN,
        DivisionType.PROVINCIAL_CITY,
    },
    Level.COMMUNE: {
        DivisionType.COMMUNE,
        DivisionType.WARD,
        DivisionType.TOWNSHIP,
        DivisionType.SPECIAL_ZONE,
    },
}

# The Vietnamese names of the division types, as written in official lists and CSV files.
VIETNAMESE_TYPE_NAMES = {
    "tinh": DivisionType.PROVINCE,
    "thanh pho trung uong": DivisionType.CENTRAL_CITY,
    "thanh pho truc thuoc trung uong": DivisionType.CENTRAL_CITY,
    "quan": DivisionType.URBAN_DISTRICT,
    "huyen": DivisionType.RURAL_DISTRICT,
    "thi xa": DivisionType.DISTRICT_TOWN,
    "thanh pho thuoc tinh": DivisionType.PROVINCIAL_CITY,
    "thanh pho": DivisionType.PROVINCIAL_CITY,
    "xa": DivisionType.COMMUNE,
    "phuong": DivisionType.WARD,
    "thi tran": DivisionType.TOWNSHIP,
    "dac khu": DivisionType.SPECIAL_ZONE,
}


def division_type_from_text(text: str) -> DivisionType | None:
    """ "phường", "Thành phố thuộc tỉnh" or a choice value such as "ward" → DivisionType."""
    key = fold(text)
    if key in DivisionType.values:
        return DivisionType(key)
    return VIETNAMESE_TYPE_NAMES.get(key)


class AdministrativeUnit(ValidityModel):
    code = models.CharField(_("code"), max_length=12, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    name_folded = models.CharField(_("search key"), max_length=200, db_index=True, editable=False)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    division_type = models.CharField(_("type"), max_length=20, choices=DivisionType.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    class Meta(ValidityModel.Meta):
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["level", "name_folded", "code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.name_folded = fold(self.name)
        self.code = nfc(self.code)
        super().save(*args, **kwargs)

    def clean(self):
        self.name = nfc(self.name)
        self.code = nfc(self.code)
        errors = self.validity_errors()
        if self.level and self.division_type and self.division_type not in LEVEL_TYPES.get(self.level, set()):
            errors.setdefault("division_type", []).append(
                gettext("A %(type)s cannot be a unit of the %(level)s.")
                % {"type": self.get_division_type_display(), "level": self.get_level_display()}
            )
        parent = self.parent if self.parent_id else None
        if self.level == Level.PROVINCE and parent is not None:
            errors.setdefault("parent", []).append(gettext("A provincial unit has no parent unit."))
        elif self.level and self.level != Level.PROVINCE and parent is None:
            errors.setdefault("parent", []).append(gettext("This unit needs a parent unit."))
        elif parent is not None and parent.level >= self.level:
            errors.setdefault("parent", []).append(
                gettext("The parent unit must be of a higher level than this unit.")
            )
        if errors:
            raise ValidationError(errors)

    def resolve_successor(self, on=None):
        return resolve_chain(self, on)
