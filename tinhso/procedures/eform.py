"""E-form definitions (tờ khai điện tử) stored as data on each procedure.

A definition is a JSON object; ``{}`` means the procedure has no e-form yet::

    {
      "version": 1,
      "pages": [                                   # one page = one screen of the form
        {
          "title": "Thông tin người được khai sinh",
          "hint": "…",                             # optional
          "fields": [ FIELD, … ]                   # at least one
        }
      ]
    }

Every FIELD has ``name`` (``^[a-z][a-z0-9_]*$``, unique among its siblings and, at the top
level, across all pages), ``label`` (non-empty text), ``type``, and optionally ``required``
(bool, default false), ``hint`` (text) and ``unless`` (the name of an earlier field of the same
list: when that one is answered, e.g. "chưa xác định cha" ticked, this field is not asked and
its answer is dropped). A group that is not required may be left empty: its own required
fields apply only once something in it is filled. Per type, these keys are allowed too:

========  ==================================================================================
type      extra keys
========  ==================================================================================
text      ``max_length`` (int ≥ 1), ``multiline`` (bool), ``format`` ("cccd", "phone", "email")
number    ``min``, ``max`` (numbers, min ≤ max), ``integer`` (bool), ``unit`` (text, "m²")
date      ``not_future`` (bool: the date cannot be after today)
choice    ``choices``: non-empty list of {"value": text, "label": text} with distinct values;
          ``multiple`` (bool)
address   ``detail`` (bool, default true: house number/street line). The value is a 2025
          administrative unit (province code + commune code, ``tinhso.units``) + detail.
group     ``fields``: non-empty list of FIELDs (nested groups allowed, up to 3 levels);
          ``repeatable`` (bool); ``min_items``, ``max_items`` (ints, only when repeatable);
          ``from_account`` (bool: answered in advance from the applicant's account: ho_ten,
          so_dinh_danh, ngay_sinh, dien_thoai, email, noi_cu_tru)
========  ==================================================================================

Unknown keys are refused, so that a typo ("requred") does not silently change the form.
``validate_eform`` raises ``ValidationError`` with one Vietnamese message per problem, each
saying where it is ("Trang 1, trường “ngay_sinh”: …").
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

VERSION = 1
FIELD_TYPES = ("text", "number", "date", "choice", "address", "group")
TEXT_FORMATS = ("cccd", "phone", "email")
MAX_GROUP_DEPTH = 3
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")

COMMON_KEYS = {"name", "label", "type", "required", "hint", "unless"}
TYPE_KEYS = {
    "text": {"max_length", "multiline", "format"},
    "number": {"min", "max", "integer", "unit"},
    "date": {"not_future"},
    "choice": {"choices", "multiple"},
    "address": {"detail"},
    "group": {"fields", "repeatable", "min_items", "max_items", "from_account"},
}
BOOLEAN_KEYS = {
    "required",
    "multiline",
    "integer",
    "not_future",
    "multiple",
    "detail",
    "repeatable",
    "from_account",
}
TEXT_KEYS = {"hint", "unit"}


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


class _Checker:
    def __init__(self):
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}" if where else message)

    def check(self, definition) -> None:
        if not isinstance(definition, dict):
            self.error("", _("The e-form definition must be a JSON object."))
            return
        if definition == {}:
            return
        unknown = sorted(set(definition) - {"version", "pages"})
        if unknown:
            self.error("", _("Unknown keys: %(keys)s.") % {"keys": ", ".join(unknown)})
        if definition.get("version") != VERSION:
            self.error("", _("“version” must be %(version)s.") % {"version": VERSION})
        pages = definition.get("pages")
        if not isinstance(pages, list) or not pages:
            self.error("", _("“pages” must be a non-empty list of pages."))
            return
        seen: set[str] = set()
        for number, page in enumerate(pages, start=1):
            where = _("Page %(number)s") % {"number": number}
            if not isinstance(page, dict):
                self.error(where, _("a page must be a JSON object."))
                continue
            unknown = sorted(set(page) - {"title", "hint", "fields"})
            if unknown:
                self.error(where, _("unknown keys: %(keys)s.") % {"keys": ", ".join(unknown)})
            if not _is_text(page.get("title")):
                self.error(where, _("the page needs a title."))
            if "hint" in page and not isinstance(page["hint"], str):
                self.error(where, _("“hint” must be text."))
            self.check_fields(where, page.get("fields"), seen, depth=0)

    def check_fields(self, where: str, fields, seen: set[str], depth: int) -> None:
        if not isinstance(fields, list) or not fields:
            self.error(where, _("“fields” must be a non-empty list of fields."))
            return
        for position, field in enumerate(fields, start=1):
            self.check_field(where, position, field, seen, depth)

    def check_field(self, parent: str, position: int, field, seen: set[str], depth: int) -> None:
        if not isinstance(field, dict):
            self.error(parent, _("field %(position)s must be a JSON object.") % {"position": position})
            return
        name = field.get("name")
        if isinstance(name, str) and NAME_PATTERN.match(name):
            where = _("%(parent)s, field “%(name)s”") % {"parent": parent, "name": name}
            if name in seen:
                self.error(where, _("this name is used twice."))
            seen.add(name)
        else:
            where = _("%(parent)s, field %(position)s") % {"parent": parent, "position": position}
            self.error(
                where,
                _("“name” must start with a lower-case letter and use only a-z, 0-9 and _ (“ngay_sinh”)."),
            )
        if not _is_text(field.get("label")):
            self.error(where, _("the field needs a label."))
        if "unless" in field and (field["unless"] == name or field["unless"] not in seen):
            self.error(where, _("“unless” must name a field that comes before this one."))
        kind = field.get("type")
        if kind not in FIELD_TYPES:
            self.error(
                where,
                _("type “%(type)s” is not known; use one of: %(types)s.")
                % {"type": kind, "types": ", ".join(FIELD_TYPES)},
            )
            return
        unknown = sorted(set(field) - COMMON_KEYS - TYPE_KEYS[kind])
        if unknown:
            self.error(
                where,
                _("keys not allowed for type “%(type)s”: %(keys)s.")
                % {"type": kind, "keys": ", ".join(unknown)},
            )
        for key in sorted(BOOLEAN_KEYS & set(field)):
            if not isinstance(field[key], bool):
                self.error(where, _("“%(key)s” must be true or false.") % {"key": key})
        for key in sorted(TEXT_KEYS & set(field)):
            if not isinstance(field[key], str):
                self.error(where, _("“%(key)s” must be text.") % {"key": key})
        getattr(self, f"check_{kind}")(where, field, depth)

    def check_text(self, where: str, field: dict, depth: int) -> None:
        if "max_length" in field and not (_is_int(field["max_length"]) and field["max_length"] >= 1):
            self.error(where, _("“max_length” must be a whole number of at least 1."))
        if "format" in field and field["format"] not in TEXT_FORMATS:
            self.error(
                where,
                _("format “%(format)s” is not known; use one of: %(formats)s.")
                % {"format": field["format"], "formats": ", ".join(TEXT_FORMATS)},
            )

    def check_number(self, where: str, field: dict, depth: int) -> None:
        for key in ("min", "max"):
            if key in field and not _is_number(field[key]):
                self.error(where, _("“%(key)s” must be a number.") % {"key": key})
        low, high = field.get("min"), field.get("max")
        if _is_number(low) and _is_number(high) and low > high:
            self.error(where, _("“min” cannot be greater than “max”."))

    def check_date(self, where: str, field: dict, depth: int) -> None:
        """A date field has no keys beyond the common ones and ``not_future``."""

    def check_address(self, where: str, field: dict, depth: int) -> None:
        """An address field has no keys beyond the common ones and ``detail``."""

    def check_choice(self, where: str, field: dict, depth: int) -> None:
        choices = field.get("choices")
        if not isinstance(choices, list) or not choices:
            self.error(where, _("“choices” must be a non-empty list."))
            return
        values: set[str] = set()
        for number, choice in enumerate(choices, start=1):
            if (
                not isinstance(choice, dict)
                or set(choice) != {"value", "label"}
                or not _is_text(choice.get("value"))
                or not _is_text(choice.get("label"))
            ):
                self.error(
                    where,
                    _("choice %(number)s must be an object with a text “value” and a text “label”.")
                    % {"number": number},
                )
                continue
            if choice["value"] in values:
                self.error(
                    where, _("the choice value “%(value)s” is used twice.") % {"value": choice["value"]}
                )
            values.add(choice["value"])

    def check_group(self, where: str, field: dict, depth: int) -> None:
        if depth >= MAX_GROUP_DEPTH:
            self.error(
                where, _("groups can be nested at most %(depth)s levels deep.") % {"depth": MAX_GROUP_DEPTH}
            )
            return
        repeatable = field.get("repeatable") is True
        for key in ("min_items", "max_items"):
            if key not in field:
                continue
            if not repeatable:
                self.error(where, _("“%(key)s” is only allowed on a repeatable group.") % {"key": key})
            elif not (_is_int(field[key]) and field[key] >= 0):
                self.error(where, _("“%(key)s” must be a whole number of at least 0.") % {"key": key})
        low, high = field.get("min_items"), field.get("max_items")
        if _is_int(low) and _is_int(high) and low > high:
            self.error(where, _("“min_items” cannot be greater than “max_items”."))
        if _is_int(high) and high == 0:
            self.error(where, _("“max_items” must be at least 1."))
        self.check_fields(where, field.get("fields"), set(), depth + 1)


def eform_errors(definition) -> list[str]:
    """Every problem of ``definition`` as a Vietnamese sentence (empty when valid)."""
    checker = _Checker()
    checker.check(definition)
    return checker.errors


def validate_eform(definition) -> None:
    errors = eform_errors(definition)
    if errors:
        raise ValidationError(errors, code="invalid_eform")
