"""Electronic identifier codes of agencies (mã định danh điện tử của cơ quan, tổ chức).

What the texts say (checked against the published texts):

* Decision 20/2020/QĐ-TTg (22 July 2020), Art. 4(1): the code of a ministry, sector or locality
  is a string of at most 35 characters split into groups; the characters are the dot ``.``,
  the digits 0–9 and the capital letters A–Z of the English alphabet. The groups are written
  from left to right starting with the level-1 group: ``H15.50.05.13`` is level 1 ``H15``,
  level 2 ``50``, level 3 ``05``, level 4 ``13``.
* The level-1 code is one capital letter and two digits: ``G..`` for ministries and
  government bodies (Decision 09/2025/QĐ-TTg: e.g. G01 Bộ Công an, G22 Văn phòng Chính phủ),
  ``H..`` for the People's Committee of a province and ``K..`` for its People's Council.
* QCVN 102:2016/BTTTT (Circular 10/2016/TT-BTTTT), used by document-exchange systems before
  2020, wrote the same hierarchy right to left with fixed-width zero padding:
  ``V1V2V3.Z1Z2.Y1Y2.MX1X2``: level 4 (3 digits), level 3 (2), level 2 (2), level 1 last.
  ``000.00.00.H49`` is the People's Committee of Quảng Ninh itself; zero groups are padding.
* Decision 09/2025/QĐ-TTg (14 April 2025): when provinces merge, the new province keeps the
  level-1 code of the former province whose name it took; the other level-1 codes are closed.
  So agencies of the new Đồng Tháp keep old Đồng Tháp's level-1 code, while former Tiền Giang
  agencies, whose codes are closed, become predecessors (see ``Agency.successor``).

``parse_agency_code`` accepts both styles and returns the canonical left-to-right form that
the platform stores; ``AgencyCode.legacy`` writes the QCVN 102:2016 form back for old systems.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_LENGTH = 35
LEVEL1 = re.compile(r"[A-Z][0-9]{2}")
ALLOWED = re.compile(r"[0-9A-Z.]+")
# Widths of the zero groups that pad a QCVN 102:2016 code to its four levels (level 4, 3, 2).
LEGACY_PADDING = ["000", "00", "00"]


class InvalidAgencyCode(ValueError):
    """A code that is neither a Decision 20/2020 nor a QCVN 102:2016 agency code."""


@dataclass(frozen=True)
class AgencyCode:
    groups: tuple[str, ...]

    @property
    def level(self) -> int:
        return len(self.groups)

    @property
    def level1(self) -> str:
        return self.groups[0]

    @property
    def canonical(self) -> str:
        """Decision 20/2020 form: ``H15.50.05.13``."""
        return ".".join(self.groups)

    @property
    def legacy(self) -> str:
        """QCVN 102:2016 form: groups right to left, padded with zero groups to four levels."""
        reversed_groups = list(reversed(self.groups))
        padding = LEGACY_PADDING[: max(0, 4 - self.level)]
        return ".".join([*padding, *reversed_groups])

    @property
    def parent(self) -> "AgencyCode | None":
        return AgencyCode(self.groups[:-1]) if self.level > 1 else None

    def __str__(self) -> str:
        return self.canonical


def _is_padding(group: str) -> bool:
    return set(group) == {"0"}


def parse_agency_code(text: str) -> AgencyCode:
    """Parse ``H15.50.05.13`` or ``13.05.50.H15`` / ``000.00.00.H49`` into an AgencyCode.

    Lower-case letters and surrounding spaces are accepted and normalised.
    """
    value = (text or "").strip().upper()
    if not value:
        raise InvalidAgencyCode(_("The agency code is empty."))
    if len(value) > MAX_LENGTH:
        raise InvalidAgencyCode(
            _("The agency code has %(length)d characters; at most %(max)d are allowed.")
            % {"length": len(value), "max": MAX_LENGTH}
        )
    if not ALLOWED.fullmatch(value):
        raise InvalidAgencyCode(
            _("The agency code may only contain capital letters A–Z, digits and dots: “%(code)s”.")
            % {"code": text}
        )
    groups = value.split(".")
    if any(group == "" for group in groups):
        raise InvalidAgencyCode(
            _("The agency code has an empty group (two dots in a row, or a dot at an end).")
        )
    if LEVEL1.fullmatch(groups[0]):
        ordered = groups
    elif LEVEL1.fullmatch(groups[-1]):
        ordered = list(reversed(groups))
        while len(ordered) > 1 and _is_padding(ordered[-1]):
            ordered.pop()
    else:
        raise InvalidAgencyCode(
            _(
                "The agency code must start (or, in the old QCVN 102:2016 style, end) with a level-1 group "
                "of one capital letter and two digits, such as H15: “%(code)s”."
            )
            % {"code": text}
        )
    for group in ordered[1:]:
        if LEVEL1.fullmatch(group):
            raise InvalidAgencyCode(
                _("The agency code has more than one level-1 group: “%(code)s”.") % {"code": text}
            )
        if _is_padding(group):
            raise InvalidAgencyCode(
                _("The agency code has a group of only zeros inside it: “%(code)s”.") % {"code": text}
            )
    return AgencyCode(tuple(ordered))


def agency_symbol(agency) -> str:
    """The agency's own abbreviation, else the initials of its name without diacritics
    ("Ủy ban nhân dân phường Mỹ Tho" → "UBNDPMT")."""
    if agency.symbol:
        return agency.symbol.upper()
    initials = "".join(word[0] for word in agency.name.split() if word[0].isalnum())
    folded = unicodedata.normalize("NFD", initials.replace("Đ", "D").replace("đ", "d"))
    return "".join(char for char in folded if not unicodedata.combining(char)).upper()
