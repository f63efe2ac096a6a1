"""Answers to a procedure's e-form (definition: ``tinhso.procedures.eform``).

One parser serves the web form, the API and the final check before submission: answers are read
from a ``source`` of input names → strings (the POST data, or stored answers turned back into
inputs by ``to_source``), so a stored draft is validated exactly like a posted page.

Input names follow the answer's path: ``ho_ten``, ``dia_chi.commune``, ``thanh_vien.0.ho_ten``
(a repeatable group also posts ``thanh_vien.count``). Stored answers are JSON: text and choices
as strings (a multiple choice as a list), numbers as numbers, dates as ISO ``YYYY-MM-DD``,
an address as ``{"province", "commune", "detail"}``, a group as an object, a repeatable group as
a list of objects. Errors are keyed by input name, each a Vietnamese sentence.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from tinhso.accounts.validators import normalize_phone, validate_cccd
from tinhso.core.reference import ReferenceCache
from tinhso.core.text import format_date, nfc
from tinhso.units.models import Level
from tinhso.units.services import unit_by_code, units_matching

TEXT_MAX = 255
MULTILINE_MAX = 2000
MAX_ITEMS = 50
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


OUTSIDE = "ngoai-tinh"  # the commune choice "outside the province" of an address question


def province_code() -> str:
    return settings.PROVINCE_CODE


def _current_communes(day: datetime.date) -> tuple[tuple[str, str, int], ...]:
    """(code, name, id) of the installation's communes and wards valid on ``day``, by name."""
    units = units_matching(level=Level.COMMUNE, parent=province_code(), on=day)
    return tuple(units.values_list("code", "name", "pk"))


_communes = ReferenceCache("units", _current_communes)


class Context:
    """What one parse or render needs more than once: the communes, from a per-process copy
    that is read again when the units change (``tinhso.core.reference``)."""

    def __init__(self) -> None:
        self._loaded: tuple[dict[str, str], dict[str, int]] | None = None

    def _load_communes(self) -> tuple[dict[str, str], dict[str, int]]:
        if self._loaded is None:
            rows = _communes.get()
            self._loaded = (
                {code: name for code, name, _pk in rows},
                {code: pk for code, _name, pk in rows},
            )
        return self._loaded

    @property
    def communes(self) -> dict[str, str]:
        return self._load_communes()[0]

    @property
    def commune_ids(self) -> dict[str, int]:
        """Code → id of the same communes (to store a checked address without reading it again)."""
        return self._load_communes()[1]


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def input_id(name: str) -> str:
    return "f-" + name.replace(".", "-").replace("_", "-")


# Parsing ----------------------------------------------------------------------------------


def parse_fields(fields: list, source, prefix: str = "", context: Context | None = None):
    """(answers, errors) for ``fields`` read from ``source``. Answers that are not valid are kept
    as typed (so a page shows them again); ``errors`` maps input names to messages."""
    context = context or Context()
    values: dict = {}
    errors: dict[str, str] = {}
    for field in fields:
        if field.get("unless") and values.get(field["unless"]):
            continue  # e.g. the father's details when "the father is not determined" is ticked
        name = _join(prefix, field["name"])
        value = _PARSERS[field["type"]](field, source, name, errors, context)
        if value not in (None, "", [], {}):
            values[field["name"]] = value
    return values, errors


def _required(field, name, errors) -> None:
    if field.get("required"):
        errors[name] = _("Enter “%(label)s”.") % {"label": field["label"]}


def _parse_text(field, source, name, errors, context):
    value = nfc(source.get(name, ""))
    if not value:
        _required(field, name, errors)
        return None
    limit = field.get("max_length") or (MULTILINE_MAX if field.get("multiline") else TEXT_MAX)
    if len(value) > limit:
        errors[name] = _("“%(label)s” must be %(limit)s characters or fewer.") % {
            "label": field["label"],
            "limit": limit,
        }
        return value
    try:
        match field.get("format"):
            case "cccd":
                value = validate_cccd(value)
            case "phone":
                value = normalize_phone(value)
            case "email":
                value = value.lower()
                validate_email(value)
    except ValidationError as exc:
        errors[name] = (
            _("Enter an email address in the right format, like ten@example.vn.")
            if exc.code == "invalid" and field.get("format") == "email"
            else exc.messages[0]
        )
    return value


NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")


def _parse_number(field, source, name, errors, context):
    typed = nfc(source.get(name, ""))
    raw = typed.replace(" ", "")
    if not raw:
        _required(field, name, errors)
        return None
    label = field["label"]
    if not NUMBER.match(raw):
        errors[name] = _("“%(label)s” must be a number.") % {"label": label}
        return typed
    try:
        number = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        errors[name] = _("“%(label)s” must be a number.") % {"label": label}
        return typed
    if field.get("integer") and number != number.to_integral_value():
        errors[name] = _("“%(label)s” must be a whole number.") % {"label": label}
        return typed
    if "min" in field and number < Decimal(str(field["min"])):
        errors[name] = _("“%(label)s” must be at least %(min)s.") % {"label": label, "min": field["min"]}
    elif "max" in field and number > Decimal(str(field["max"])):
        errors[name] = _("“%(label)s” must be at most %(max)s.") % {"label": label, "max": field["max"]}
    return int(number) if number == number.to_integral_value() else float(number)


def parse_date(raw: str) -> datetime.date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    return None


def _parse_date(field, source, name, errors, context):
    raw = nfc(source.get(name, ""))
    if not raw:
        _required(field, name, errors)
        return None
    day = parse_date(raw)
    if day is None:
        errors[name] = _("“%(label)s” must be a real date written as dd/mm/yyyy, e.g. 25/12/1990.") % {
            "label": field["label"]
        }
        return raw
    if field.get("not_future") and day > timezone.localdate():
        errors[name] = _("“%(label)s” cannot be in the future.") % {"label": field["label"]}
    return day.isoformat()


def _parse_choice(field, source, name, errors, context):
    allowed = {choice["value"] for choice in field["choices"]}
    if field.get("multiple"):
        picked = [nfc(value) for value in source.getlist(name) if nfc(value)]
        if not picked:
            _required(field, name, errors)
            return None
        if any(value not in allowed for value in picked):
            errors[name] = _("Choose from the list for “%(label)s”.") % {"label": field["label"]}
        return picked
    value = nfc(source.get(name, ""))
    if not value:
        _required(field, name, errors)
        return None
    if value not in allowed:
        errors[name] = _("Choose from the list for “%(label)s”.") % {"label": field["label"]}
    return value


def _parse_address(field, source, name, errors, context):
    commune = nfc(source.get(f"{name}.commune", ""))
    detail = nfc(source.get(f"{name}.detail", "")) if field.get("detail", True) else ""
    if not commune and not detail:
        if field.get("required"):
            errors[f"{name}.commune"] = _("Choose the commune or ward for “%(label)s”.") % {
                "label": field["label"]
            }
        return None
    if commune == OUTSIDE and field.get("detail", True):
        # A place outside the province (a birth in another province's hospital, a parent
        # living elsewhere): the whole address as written, not a unit of this installation.
        if not detail:
            errors[f"{name}.detail"] = _(
                "Write the full address for “%(label)s”: street, commune and province."
            ) % {"label": field["label"]}
        elif len(detail) > TEXT_MAX:
            errors[f"{name}.detail"] = _("“%(label)s” must be %(limit)s characters or fewer.") % {
                "label": field["label"],
                "limit": TEXT_MAX,
            }
        return {"outside": True, "detail": detail} if detail else None
    if commune not in context.communes:
        errors[f"{name}.commune"] = _("Choose the commune or ward for “%(label)s”.") % {
            "label": field["label"]
        }
    if field.get("detail", True):
        if not detail and field.get("required"):
            errors[f"{name}.detail"] = _("Enter the house number and street for “%(label)s”.") % {
                "label": field["label"]
            }
        elif len(detail) > TEXT_MAX:
            errors[f"{name}.detail"] = _("“%(label)s” must be %(limit)s characters or fewer.") % {
                "label": field["label"],
                "limit": TEXT_MAX,
            }
    value = {"province": province_code(), "commune": commune}
    if detail:
        value["detail"] = detail
    return value


def item_count(field, source, name) -> int:
    try:
        count = int(source.get(f"{name}.count", ""))
    except ValueError:
        count = field.get("min_items") or 1
    return max(0, min(count, field.get("max_items") or MAX_ITEMS))


def _whose(fields: list, owner: str) -> list:
    """``fields`` with labels that say whose they are, for the error messages: "Họ, chữ đệm và
    tên (người mẹ)" rather than a "Họ, chữ đệm và tên" that the mother and father both have."""
    owner = owner[:1].lower() + owner[1:]
    return [{**inner, "label": f"{inner['label']} ({owner})"} for inner in fields]


def _parse_group(field, source, name, errors, context):
    if not field.get("repeatable"):
        values, group_errors = parse_fields(_whose(field["fields"], field["label"]), source, name, context)
        if not values and not field.get("required"):
            return None  # an optional group left empty: nothing inside it is required
        errors.update(group_errors)
        return values
    items = []
    for index in range(item_count(field, source, name)):
        owner = f"{field['label']} {index + 1}"
        values, item_errors = parse_fields(_whose(field["fields"], owner), source, f"{name}.{index}", context)
        errors.update(item_errors)
        items.append(values)
    low, high = field.get("min_items") or (1 if field.get("required") else 0), field.get("max_items")
    if len(items) < low:
        errors[name] = _("Add at least %(count)s to “%(label)s”.") % {"count": low, "label": field["label"]}
    elif high and len(items) > high:
        errors[name] = _("“%(label)s” can have at most %(count)s entries.") % {
            "count": high,
            "label": field["label"],
        }
    return items


_PARSERS = {
    "text": _parse_text,
    "number": _parse_number,
    "date": _parse_date,
    "choice": _parse_choice,
    "address": _parse_address,
    "group": _parse_group,
}


# Stored answers → inputs ------------------------------------------------------------------


def to_source(fields: list, data, prefix: str = "", source: MultiValueDict | None = None) -> MultiValueDict:
    """Stored answers as the inputs a page would post (dates back to dd/mm/yyyy)."""
    source = source if source is not None else MultiValueDict()
    data = data if isinstance(data, dict) else {}
    for field in fields:
        name = _join(prefix, field["name"])
        value = data.get(field["name"])
        if value is None:
            continue
        kind = field["type"]
        if kind == "group":
            if field.get("repeatable"):
                items = value if isinstance(value, list) else []
                source.setlist(f"{name}.count", [str(len(items))])
                for index, item in enumerate(items):
                    to_source(field["fields"], item, f"{name}.{index}", source)
            else:
                to_source(field["fields"], value, name, source)
        elif kind == "address":
            if isinstance(value, dict):
                commune = OUTSIDE if value.get("outside") else str(value.get("commune", ""))
                source.setlist(f"{name}.commune", [commune])
                source.setlist(f"{name}.detail", [str(value.get("detail", ""))])
        elif kind == "choice" and isinstance(value, list):
            source.setlist(name, [str(item) for item in value])
        elif kind == "date" and isinstance(value, str) and (day := parse_date(value)):
            source.setlist(name, [format_date(day)])
        elif not isinstance(value, dict | list):
            source.setlist(name, [str(value)])
    return source


def validate_answers(pages: list, data) -> dict[str, str]:
    """Every error of the stored answers ``data`` against all ``pages`` (empty when valid)."""
    fields = [field for page in pages for field in page["fields"]]
    _values, errors = parse_fields(fields, to_source(fields, data))
    return errors


def clean_answers(pages: list, data) -> tuple[dict, dict[str, str]]:
    """(normalised answers, errors) for stored-format ``data`` (e.g. from the API)."""
    fields = [field for page in pages for field in page["fields"]]
    return parse_fields(fields, to_source(fields, data))


def first_page_with_errors(pages: list, errors: dict[str, str]) -> int | None:
    for number, page in enumerate(pages, start=1):
        names = {field["name"] for field in page["fields"]}
        if any(key.split(".", 1)[0] in names for key in errors):
            return number
    return None


# Editing repeatable groups ----------------------------------------------------------------


def _walk(data: dict, path: list[str]):
    """The container at ``path`` (names and item indexes) in nested answers, or None."""
    node = data
    for part in path:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def add_item(data: dict, path: str) -> None:
    """Append an empty entry to the repeatable group at ``path`` ("thanh_vien")."""
    *parents, name = path.split(".")
    container = _walk(data, parents)
    if isinstance(container, dict):
        items = container.get(name)
        container[name] = [*items, {}] if isinstance(items, list) else [{}, {}]


def remove_item(data: dict, path: str) -> None:
    """Remove the entry at ``path`` ("thanh_vien.1")."""
    *parents, index = path.split(".")
    items = _walk(data, parents)
    if isinstance(items, list) and index.isdigit() and int(index) < len(items):
        del items[int(index)]


# Rendering -------------------------------------------------------------------------------


def build_nodes(fields: list, source, errors: dict, prefix: str = "", context: Context | None = None) -> list:
    """What the templates render: one node per field, with its inputs' names, values and errors."""
    context = context or Context()
    nodes = []
    for field in fields:
        name = _join(prefix, field["name"])
        node = {
            "type": field["type"],
            "name": name,
            "id": input_id(name),
            "label": field["label"],
            "hint": field.get("hint", ""),
            "required": field.get("required", False),
            "error": errors.get(name, ""),
            "value": source.get(name, ""),
        }
        kind = field["type"]
        if kind == "text":
            node["multiline"] = field.get("multiline", False)
            node["input_type"] = {"email": "email", "phone": "tel"}.get(field.get("format"), "text")
            node["inputmode"] = "numeric" if field.get("format") == "cccd" else ""
        elif kind == "number":
            node["unit"] = field.get("unit", "")
        elif kind == "choice":
            picked = set(source.getlist(name))
            node["multiple"] = field.get("multiple", False)
            node["choices"] = [
                {
                    "value": c["value"],
                    "label": c["label"],
                    "checked": c["value"] in picked,
                    "id": f"{node['id']}-{i}",
                }
                for i, c in enumerate(field["choices"], start=1)
            ]
        elif kind == "address":
            commune = source.get(f"{name}.commune", "")
            node["commune"] = {"name": f"{name}.commune", "id": input_id(f"{name}.commune"), "value": commune}
            node["commune_error"] = errors.get(f"{name}.commune", "")
            node["communes"] = list(context.communes.items())
            node["outside"] = OUTSIDE if field.get("detail", True) else ""
            node["detail"] = (
                {
                    "name": f"{name}.detail",
                    "id": input_id(f"{name}.detail"),
                    "value": source.get(f"{name}.detail", ""),
                }
                if field.get("detail", True)
                else None
            )
            node["detail_error"] = errors.get(f"{name}.detail", "")
        elif kind == "group":
            node["repeatable"] = field.get("repeatable", False)
            if node["repeatable"]:
                count = item_count(field, source, name)
                node["count_name"] = f"{name}.count"
                node["count"] = count
                node["items"] = [
                    {
                        "number": index + 1,
                        "path": f"{name}.{index}",
                        "nodes": build_nodes(field["fields"], source, errors, f"{name}.{index}", context),
                    }
                    for index in range(count)
                ]
                node["can_add"] = count < (field.get("max_items") or MAX_ITEMS)
                node["can_remove"] = count > (field.get("min_items") or 0)
            else:
                node["nodes"] = build_nodes(field["fields"], source, errors, name, context)
        nodes.append(node)
    return nodes


def display_rows(fields: list, data, context: Context | None = None) -> list[dict]:
    """Label and readable answer of each field, for "check your answers" and the dossier page."""
    context = context or Context()
    data = data if isinstance(data, dict) else {}
    rows = []
    for field in fields:
        value = data.get(field["name"])
        row = {"label": field["label"], "text": "", "items": []}
        kind = field["type"]
        if value in (None, "", [], {}):
            row["text"] = ""
        elif kind == "group":
            items = value if field.get("repeatable") else [value]
            row["items"] = [display_rows(field["fields"], item, context) for item in items]
        elif kind == "address" and isinstance(value, dict) and value.get("outside"):
            row["text"] = str(value.get("detail", ""))
        elif kind == "address" and isinstance(value, dict):
            commune = context.communes.get(value.get("commune", ""), value.get("commune", ""))
            parts = [value.get("detail", ""), commune, _province_name()]
            row["text"] = ", ".join(part for part in parts if part)
        elif kind == "choice":
            labels = {choice["value"]: choice["label"] for choice in field["choices"]}
            picked = value if isinstance(value, list) else [value]
            row["text"] = ", ".join(labels.get(item, str(item)) for item in picked)
        elif kind == "date" and isinstance(value, str) and (day := parse_date(value)):
            row["text"] = format_date(day)
        else:
            row["text"] = str(value)
        rows.append(row)
    return rows


def _current_province_name(day: datetime.date) -> str:
    unit = unit_by_code(province_code(), day)
    return unit.name if unit else ""


_province_names = ReferenceCache("units", _current_province_name)


def _province_name() -> str:
    return _province_names.get()
