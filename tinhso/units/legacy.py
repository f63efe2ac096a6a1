"""Import of old (pre-July-2025, three-tier) administrative units from a CSV file.

The file is UTF-8 (a BOM is accepted), comma-separated, with a header row. Columns:

``code``            official code of the old unit (required), e.g. ``815`` for thành phố Mỹ Tho
``name``            full name (required), e.g. ``Thành phố Mỹ Tho``
``division_type``   Vietnamese name or choice value (required): tỉnh, thành phố trung ương,
                    quận, huyện, thị xã, thành phố thuộc tỉnh, xã, phường, thị trấn, đặc khu
``level``           1 province, 2 district, 3 commune (required)
``parent_code``     code of the parent unit valid on this unit's last day (in the file or
                    already in the database); empty for a province
``valid_from``      first day (YYYY-MM-DD or DD/MM/YYYY); empty when unknown
``valid_to``        last day, e.g. ``2025-06-30``; empty when still valid
``successor_code``  code of the unit valid on the day after ``valid_to`` that took over
``note``            free text, not imported (sources, uncertain mappings)

Rows are matched on (code, valid_from), so importing the same file twice changes nothing.
The whole file is imported in one transaction: one bad row and nothing is saved; every
problem is reported with its line number.
"""

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tinhso.core.text import format_date, nfc
from tinhso.units.models import AdministrativeUnit, division_type_from_text
from tinhso.units.validity import today

REQUIRED_COLUMNS = ["code", "name", "division_type", "level"]
OPTIONAL_COLUMNS = ["parent_code", "valid_from", "valid_to", "successor_code", "note"]


class LegacyImportError(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class Row:
    line: int
    code: str
    name: str
    division_type: str
    level: int
    parent_code: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    successor_code: str
    unit: AdministrativeUnit | None = field(default=None)


@dataclass
class ImportResult:
    created: int
    updated: int


def parse_date(text: str) -> datetime.date | None:
    text = text.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(_("“%(value)s” is not a date (use YYYY-MM-DD or DD/MM/YYYY)") % {"value": text})


def parse_rows(text: str) -> list[Row]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise LegacyImportError(
            [_("Line 1: missing column(s): %(columns)s.") % {"columns": ", ".join(missing)}]
        )
    rows, errors = [], []
    for record in reader:
        line = reader.line_num
        values = {(key or "").strip(): nfc(value) for key, value in record.items() if key}
        problems = []
        if not values.get("code"):
            problems.append(_("the code is empty"))
        if not values.get("name"):
            problems.append(_("the name is empty"))
        division_type = division_type_from_text(values.get("division_type", ""))
        if division_type is None:
            problems.append(
                _("unknown division type “%(value)s”") % {"value": values.get("division_type", "")}
            )
        level = values.get("level", "")
        if level not in {"1", "2", "3"}:
            problems.append(_("the level must be 1, 2 or 3, not “%(value)s”") % {"value": level})
        dates = {}
        for name in ("valid_from", "valid_to"):
            try:
                dates[name] = parse_date(values.get(name, ""))
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            errors.append(_("Line %(line)d: %(problems)s.") % {"line": line, "problems": "; ".join(problems)})
            continue
        rows.append(
            Row(
                line=line,
                code=values["code"],
                name=values["name"],
                division_type=division_type,
                level=int(level),
                parent_code=values.get("parent_code", ""),
                valid_from=dates["valid_from"],
                valid_to=dates["valid_to"],
                successor_code=values.get("successor_code", ""),
            )
        )
    if errors:
        raise LegacyImportError(errors)
    return rows


def field_label(name: str) -> str:
    try:
        return str(AdministrativeUnit._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def unit_on(code: str, on: datetime.date) -> AdministrativeUnit | None:
    return AdministrativeUnit.objects.filter(code=code).valid_on(on).first()


def import_legacy_units(text: str) -> ImportResult:
    """Import the CSV ``text`` (format above); raises LegacyImportError with every problem."""
    rows = parse_rows(text)
    errors: list[str] = []
    created = updated = 0
    with transaction.atomic():
        for row in rows:
            unit = AdministrativeUnit.objects.filter(code=row.code, valid_from=row.valid_from).first()
            if unit is None:
                unit = AdministrativeUnit(code=row.code, valid_from=row.valid_from)
                created += 1
            else:
                updated += 1
            unit.name = row.name
            unit.division_type = row.division_type
            unit.level = row.level
            unit.valid_to = row.valid_to
            unit.successor = None
            unit.save()
            row.unit = unit
        for row in rows:
            unit = row.unit
            last_day = row.valid_to or today()
            unit.parent = None
            if row.parent_code:
                unit.parent = unit_on(row.parent_code, last_day)
                if unit.parent is None:
                    errors.append(
                        _("Line %(line)d: no unit with code %(code)s is valid on %(date)s (parent_code).")
                        % {"line": row.line, "code": row.parent_code, "date": format_date(last_day)}
                    )
                    continue
            if row.successor_code:
                if row.valid_to is None:
                    errors.append(
                        _("Line %(line)d: a unit with a successor needs an end date (valid_to).")
                        % {"line": row.line}
                    )
                    continue
                next_day = row.valid_to + datetime.timedelta(days=1)
                unit.successor = unit_on(row.successor_code, next_day)
                if unit.successor is None:
                    errors.append(
                        _("Line %(line)d: no unit with code %(code)s is valid on %(date)s (successor_code).")
                        % {"line": row.line, "code": row.successor_code, "date": format_date(next_day)}
                    )
                    continue
            try:
                unit.full_clean()
            except ValidationError as exc:
                for field_name, messages in exc.message_dict.items():
                    label = field_label(field_name)
                    errors.extend(
                        _("Line %(line)d: %(field)s: %(message)s")
                        % {"line": row.line, "field": label, "message": message}
                        for message in messages
                    )
                continue
            unit.save()
        if errors:
            raise LegacyImportError(errors)
    return ImportResult(created=created, updated=updated)
