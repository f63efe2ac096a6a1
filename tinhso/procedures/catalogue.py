"""Reading and writing the catalogue file (JSON or CSV); the format is in ``FORMAT.md``.

``read_catalogue`` parses and checks a whole file before anything is written, and raises
``CatalogueError`` with every problem found, each naming the procedure's position (JSON) or
line (CSV) and its code. ``save_catalogue`` then writes the checked procedures; the caller
(``tinhso.procedures.actions.import_catalogue``) runs it in one transaction.
"""

import csv
import datetime
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from tinhso.agencies.models import Agency
from tinhso.core.text import nfc
from tinhso.procedures.models import Fee, Procedure, RequiredDocument
from tinhso.procedures.models import Field as ProcedureField

FORMAT_NAME = "tinhso-procedures"
FORMAT_VERSION = 1

CSV_COLUMNS = [
    "code",
    "is_demo_code",
    "name",
    "field_code",
    "field_name",
    "level",
    "agencies",
    "applicants",
    "processing_time",
    "processing_unit",
    "processing_note",
    "excludes_financial_obligations",
    "result_type",
    "result",
    "conditions",
    "legal_basis",
    "submit_direct",
    "submit_online",
    "submit_postal",
    "submission_place",
    "online_level",
    "partial_online_justification",
    "legacy_online_level",
    "fees",
    "documents",
    "eform",
    "note",
    "unverified",
    "active",
    "valid_from",
    "valid_to",
]
CSV_JSON_COLUMNS = {"agencies", "legal_basis", "fees", "documents", "eform", "unverified"}
CSV_BOOLEAN_COLUMNS = {
    "is_demo_code",
    "excludes_financial_obligations",
    "submit_direct",
    "submit_online",
    "submit_postal",
    "active",
}
# Columns added later: a file without them is read with their default.
CSV_OPTIONAL_COLUMNS = {"excludes_financial_obligations", "partial_online_justification", "unverified"}
TRUE_WORDS = {"1", "true", "co", "có", "x", "yes"}
FALSE_WORDS = {"0", "false", "khong", "không", "", "no"}


class CatalogueError(Exception):
    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass
class CheckedProcedure:
    procedure: Procedure
    field_code: str
    agencies: list[Agency]
    fees: list[Fee]
    documents: list[RequiredDocument]
    templates: list[tuple[str, bytes] | None]


@dataclass
class Catalogue:
    fields: dict[str, ProcedureField] = field(default_factory=dict)
    procedures: list[CheckedProcedure] = field(default_factory=list)


# Export ---------------------------------------------------------------------------------


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def procedure_record(procedure: Procedure) -> dict:
    """One procedure in the file's JSON shape (fees, documents and agencies prefetched)."""
    return {
        "code": procedure.code,
        "is_demo_code": procedure.is_demo_code,
        "name": procedure.name,
        "field": procedure.field.code,
        "level": procedure.level,
        "agencies": sorted(agency.code for agency in procedure.agencies.all()),
        "applicants": procedure.applicants,
        "processing_time": {
            "amount": procedure.processing_time,
            "unit": procedure.processing_unit,
            "note": procedure.processing_note,
            **({"excludes_financial_obligations": True} if procedure.excludes_financial_obligations else {}),
        },
        "result_type": procedure.result_type,
        "result": procedure.result,
        "conditions": procedure.conditions,
        "legal_basis": procedure.legal_basis,
        "submission": {
            "direct": procedure.submit_direct,
            "online": procedure.submit_online,
            "postal": procedure.submit_postal,
            "place": procedure.submission_place,
        },
        "online_level": procedure.online_level,
        **(
            {"partial_online_justification": procedure.partial_online_justification}
            if procedure.partial_online_justification
            else {}
        ),
        "legacy_online_level": procedure.legacy_online_level,
        "fees": [
            {"name": fee.name, "amount": fee.amount, "kind": fee.kind, "unit": fee.unit, "note": fee.note}
            | ({"quantity_field": fee.quantity_field} if fee.quantity_field else {})
            | ({"exempt_when": fee.exempt_when} if fee.exempt_when else {})
            | ({"reduced_when": fee.reduced_when} if fee.reduced_when else {})
            for fee in procedure.fees.all()
        ],
        "documents": [
            {
                "name": document.name,
                "originals": document.originals,
                "copies": document.copies,
                "required": document.is_required,
                **({"replaced_by_eform": True} if document.replaced_by_eform else {}),
                "template": f"mau/{Path(document.template.name).name}" if document.template else "",
                "note": document.note,
            }
            for document in procedure.documents.all()
        ],
        "eform": procedure.eform,
        "note": procedure.note,
        **({"unverified": procedure.unverified} if procedure.unverified else {}),
        "active": procedure.is_active,
        "valid_from": _date(procedure.valid_from),
        "valid_to": _date(procedure.valid_to),
    }


def export_document(procedures=None) -> dict:
    """The whole catalogue (or ``procedures``) as one JSON-able document, ordered by code."""
    if procedures is None:
        procedures = Procedure.objects.all()
    procedures = procedures.select_related("field").prefetch_related("agencies", "fees", "documents")
    procedures = procedures.order_by("code")
    fields = ProcedureField.objects.filter(procedures__in=procedures).distinct().order_by("code")
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "fields": [{"code": item.code, "name": item.name} for item in fields],
        "procedures": [procedure_record(procedure) for procedure in procedures],
    }


def to_json(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _csv_cell(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def to_csv(document: dict) -> str:
    """One row per procedure; lists and objects as JSON in their cell. UTF-8 with BOM for Excel."""
    names = {item["code"]: item["name"] for item in document["fields"]}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for record in document["procedures"]:
        row = {
            **{key: record[key] for key in CSV_COLUMNS if key in record},
            "field_code": record["field"],
            "field_name": names[record["field"]],
            "processing_time": record["processing_time"]["amount"],
            "processing_unit": record["processing_time"]["unit"],
            "processing_note": record["processing_time"]["note"],
            "excludes_financial_obligations": record["processing_time"].get(
                "excludes_financial_obligations", False
            ),
            "partial_online_justification": record.get("partial_online_justification", ""),
            "unverified": record.get("unverified", []),
            "submit_direct": record["submission"]["direct"],
            "submit_online": record["submission"]["online"],
            "submit_postal": record["submission"]["postal"],
            "submission_place": record["submission"]["place"],
        }
        writer.writerow({key: _csv_cell(row[key]) for key in CSV_COLUMNS})
    return "\ufeff" + out.getvalue()


# Import ---------------------------------------------------------------------------------


def parse_json(text: str) -> tuple[dict, list[str]]:
    """The document and the position label of each procedure ("Thủ tục thứ 3")."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueError(
            [
                _("The file is not valid JSON (line %(line)s, column %(column)s): %(message)s.")
                % {"line": exc.lineno, "column": exc.colno, "message": exc.msg}
            ]
        ) from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise CatalogueError(
            [
                _("The file is not a procedure catalogue (“format” must be “%(name)s”).")
                % {"name": FORMAT_NAME}
            ]
        )
    if document.get("version") != FORMAT_VERSION:
        raise CatalogueError(
            [
                _("Unsupported catalogue version; this platform reads version %(version)s.")
                % {"version": FORMAT_VERSION}
            ]
        )
    if not isinstance(document.get("procedures"), list) or not isinstance(document.get("fields", []), list):
        raise CatalogueError([_("“fields” and “procedures” must be lists.")])
    positions = [
        _("Procedure no. %(position)s") % {"position": number}
        for number in range(1, len(document["procedures"]) + 1)
    ]
    return document, positions


def _csv_boolean(value: str, column: str, errors: list[str]) -> bool:
    word = nfc(value).lower()
    if word in TRUE_WORDS:
        return True
    if word not in FALSE_WORDS:
        errors.append(
            _("column “%(column)s”: “%(value)s” is not 1 or 0.") % {"column": column, "value": value}
        )
    return False


def parse_csv(text: str) -> tuple[dict, list[str]]:
    """The CSV rows turned into the JSON document's shape, and each row's line label."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    missing = [
        column
        for column in CSV_COLUMNS
        if column not in (reader.fieldnames or []) and column not in CSV_OPTIONAL_COLUMNS
    ]
    if missing:
        raise CatalogueError([_("Missing CSV columns: %(columns)s.") % {"columns": ", ".join(missing)}])
    fields: dict[str, str] = {}
    procedures, positions, problems = [], [], []
    end = reader.line_num
    for row in reader:
        start, end = end + 1, reader.line_num
        position = _("Line %(line)s") % {"line": start}
        where = _("%(where)s (code %(code)s)") % {"where": position, "code": row["code"]}
        errors: list[str] = []
        values = {}
        for column in CSV_COLUMNS:
            cell = row.get(column) or ""
            if column in CSV_JSON_COLUMNS:
                try:
                    values[column] = json.loads(cell) if cell.strip() else ([] if column != "eform" else {})
                except json.JSONDecodeError as exc:
                    errors.append(
                        _("column “%(column)s” is not valid JSON: %(message)s.")
                        % {"column": column, "message": exc.msg}
                    )
            elif column in CSV_BOOLEAN_COLUMNS:
                values[column] = _csv_boolean(cell, column, errors)
            else:
                values[column] = cell
        problems.extend(f"{where}: {message}" for message in errors)
        if errors:
            continue
        fields[values["field_code"]] = values["field_name"]
        optional = {column for column in CSV_OPTIONAL_COLUMNS if not values[column]}
        procedures.append(
            {
                **{key: values[key] for key in CSV_COLUMNS if key in values and key not in optional},
                "field": values["field_code"],
                "processing_time": {
                    "amount": _number_or_text(values["processing_time"]),
                    "unit": values["processing_unit"],
                    "note": values["processing_note"],
                    **(
                        {"excludes_financial_obligations": True}
                        if values["excludes_financial_obligations"]
                        else {}
                    ),
                },
                "submission": {
                    "direct": values["submit_direct"],
                    "online": values["submit_online"],
                    "postal": values["submit_postal"],
                    "place": values["submission_place"],
                },
                "legacy_online_level": _number_or_text(values["legacy_online_level"]) or None,
                "valid_from": values["valid_from"] or None,
                "valid_to": values["valid_to"] or None,
            }
        )
        positions.append(position)
    if problems:
        raise CatalogueError(problems)
    document = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "fields": [{"code": code, "name": name} for code, name in fields.items()],
        "procedures": procedures,
    }
    return document, positions


def _number_or_text(value: str):
    text = value.strip()
    return int(text) if text.isdigit() else text


class _Reader:
    """Checks one record, collecting messages instead of stopping at the first."""

    def __init__(self, errors: list[str]):
        self.errors = errors

    def get(self, source: dict, key: str, kind: type | tuple, default=None, required=False, label=None):
        if key not in source or source[key] is None:
            if required:
                self.errors.append(_("“%(key)s” is missing.") % {"key": label or key})
            return default
        value = source[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            self.errors.append(_("“%(key)s” has the wrong type.") % {"key": label or key})
            return default
        return value


def _parse_date(text: str | None, key: str, errors: list[str]) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        errors.append(_("“%(key)s” must be a date written YYYY-MM-DD.") % {"key": key})
        return None


def _model_errors(exc: ValidationError, model) -> list[str]:
    messages = []
    for name, items in exc.message_dict.items():
        if name == "__all__":
            messages.extend(items)
            continue
        try:
            label = str(model._meta.get_field(name).verbose_name)
        except LookupError:
            label = name
        messages.extend(f"{label}: {item}" for item in items)
    return messages


def _read_template(path: str, base_dir: Path | None, errors: list[str]) -> tuple[str, bytes] | None:
    if not path:
        return None
    target = (base_dir or Path.cwd()) / path
    try:
        return target.name, target.read_bytes()
    except OSError:
        errors.append(_("the template file %(path)s cannot be read.") % {"path": path})
        return None


def _is_number_question(eform: dict | None, name: str) -> bool:
    """Whether ``name`` is a number question on a page of ``eform`` (not inside a group)."""
    pages = (eform or {}).get("pages") or []
    return any(
        isinstance(field, dict) and field.get("name") == name and field.get("type") == "number"
        for page in pages
        if isinstance(page, dict)
        for field in page.get("fields") or []
    )


def _answer_rule_errors(eform: dict | None, rule: dict, key: str) -> list[str]:
    """What is wrong with a fee's ``exempt_when`` or ``reduced_when`` (``key``): ``field`` must be a
    choice question on a page of ``eform`` and ``values`` a non-empty list of its answer values;
    ``reduced_when`` also has the reduced ``amount``."""
    keys = {"field", "values", "amount"} if key == "reduced_when" else {"field", "values"}
    if set(rule) != keys:
        return [
            _("%(key)s must have exactly the keys %(keys)s.")
            % {"key": key, "keys": ", ".join(f"“{name}”" for name in sorted(keys))}
        ]
    name, values = rule["field"], rule["values"]
    question = next(
        (
            field
            for page in (eform or {}).get("pages") or []
            if isinstance(page, dict)
            for field in page.get("fields") or []
            if isinstance(field, dict) and field.get("name") == name and field.get("type") == "choice"
        ),
        None,
    )
    if question is None:
        return [_("%(key)s: “%(name)s” is not a choice question of the e-form.") % {"key": key, "name": name}]
    allowed = {choice.get("value") for choice in question.get("choices") or [] if isinstance(choice, dict)}
    if (
        not isinstance(values, list)
        or not values
        or not all(isinstance(v, str) and v in allowed for v in values)
    ):
        return [
            _("%(key)s: “values” must list answers of “%(name)s” (%(allowed)s).")
            % {"key": key, "name": name, "allowed": ", ".join(sorted(str(value) for value in allowed))}
        ]
    return []


def _reduced_when_errors(fee: Fee) -> list[str]:
    """What is wrong with the reduced rate itself: a whole amount above 0 and below the full amount,
    and no answer both exempting and reducing."""
    amount = fee.reduced_when["amount"]
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount < (fee.amount or 0):
        return [
            _("reduced_when: “amount” must be a whole number of đồng above 0 and below the fee’s amount.")
        ]
    both = set(fee.reduced_when["values"]) & set((fee.exempt_when or {}).get("values") or [])
    if fee.exempt_when.get("field") == fee.reduced_when["field"] and both:
        return [
            _("reduced_when: %(values)s also exempt from this fee (exempt_when).")
            % {"values": ", ".join(sorted(both))}
        ]
    return []


def _check_procedure(
    record,
    existing: dict[str, Procedure],
    agencies: dict[str, Agency],
    base_dir: Path | None,
    errors: list[str],
) -> CheckedProcedure | None:
    if not isinstance(record, dict):
        errors.append(_("a procedure must be a JSON object."))
        return None
    read = _Reader(errors)
    code = nfc(read.get(record, "code", str, "", required=True))
    procedure = existing.get(code) or Procedure(code=code)
    time = read.get(record, "processing_time", dict, {}, required=True)
    submission = read.get(record, "submission", dict, {})
    values = {
        "is_demo_code": read.get(record, "is_demo_code", bool, False),
        "name": read.get(record, "name", str, "", required=True),
        "level": read.get(record, "level", str, "", required=True),
        "applicants": read.get(record, "applicants", str, ""),
        "processing_time": read.get(time, "amount", int, 0, required=True, label="processing_time.amount"),
        "processing_unit": read.get(time, "unit", str, "working_days", label="processing_time.unit"),
        "processing_note": read.get(time, "note", str, "", label="processing_time.note"),
        "excludes_financial_obligations": read.get(
            time,
            "excludes_financial_obligations",
            bool,
            False,
            label="processing_time.excludes_financial_obligations",
        ),
        "result_type": read.get(record, "result_type", str, "", required=True),
        "result": read.get(record, "result", str, ""),
        "conditions": read.get(record, "conditions", str, ""),
        "legal_basis": read.get(record, "legal_basis", list, []),
        "submit_direct": read.get(submission, "direct", bool, True, label="submission.direct"),
        "submit_online": read.get(submission, "online", bool, False, label="submission.online"),
        "submit_postal": read.get(submission, "postal", bool, False, label="submission.postal"),
        "submission_place": read.get(submission, "place", str, "", label="submission.place"),
        "online_level": read.get(record, "online_level", str, "none"),
        "partial_online_justification": read.get(record, "partial_online_justification", str, ""),
        "legacy_online_level": read.get(record, "legacy_online_level", int, None),
        "eform": read.get(record, "eform", dict, {}),
        "note": read.get(record, "note", str, ""),
        "unverified": read.get(record, "unverified", list, []),
        "is_active": read.get(record, "active", bool, True),
        "valid_from": _parse_date(read.get(record, "valid_from", str), "valid_from", errors),
        "valid_to": _parse_date(read.get(record, "valid_to", str), "valid_to", errors),
    }
    for name, value in values.items():
        setattr(procedure, name, value)
    try:
        procedure.full_clean(exclude=["field"], validate_unique=False)
    except ValidationError as exc:
        errors.extend(_model_errors(exc, Procedure))

    linked = []
    for agency_code in read.get(record, "agencies", list, []):
        agency = agencies.get(nfc(agency_code)) if isinstance(agency_code, str) else None
        if agency is None:
            errors.append(_("there is no agency in operation with code %(code)s.") % {"code": agency_code})
        else:
            linked.append(agency)

    fees = []
    for number, item in enumerate(read.get(record, "fees", list, []), start=1):
        where = _("fee %(number)s") % {"number": number}
        fee_errors: list[str] = []
        sub = _Reader(fee_errors)
        if not isinstance(item, dict):
            errors.append(f"{where}: " + _("must be a JSON object."))
            continue
        fee = Fee(
            position=number,
            name=sub.get(item, "name", str, "", required=True),
            amount=sub.get(item, "amount", int, 0, required=True),
            kind=sub.get(item, "kind", str, "fixed"),
            unit=sub.get(item, "unit", str, ""),
            note=sub.get(item, "note", str, ""),
            quantity_field=sub.get(item, "quantity_field", str, ""),
            exempt_when=sub.get(item, "exempt_when", dict, {}),
            reduced_when=sub.get(item, "reduced_when", dict, {}),
        )
        try:
            fee.full_clean(exclude=["procedure"])
        except ValidationError as exc:
            fee_errors.extend(_model_errors(exc, Fee))
        if fee.quantity_field and not _is_number_question(procedure.eform, fee.quantity_field):
            fee_errors.append(
                _("quantity_field “%(name)s” is not a number question of the e-form.")
                % {"name": fee.quantity_field}
            )
        if fee.exempt_when:
            fee_errors.extend(_answer_rule_errors(procedure.eform, fee.exempt_when, "exempt_when"))
        if fee.reduced_when:
            rule_errors = _answer_rule_errors(procedure.eform, fee.reduced_when, "reduced_when")
            fee_errors.extend(rule_errors or _reduced_when_errors(fee))
        errors.extend(f"{where}: {message}" for message in fee_errors)
        fees.append(fee)

    documents, templates = [], []
    for number, item in enumerate(read.get(record, "documents", list, []), start=1):
        where = _("document %(number)s") % {"number": number}
        doc_errors: list[str] = []
        sub = _Reader(doc_errors)
        if not isinstance(item, dict):
            errors.append(f"{where}: " + _("must be a JSON object."))
            continue
        document = RequiredDocument(
            position=number,
            name=sub.get(item, "name", str, "", required=True),
            originals=sub.get(item, "originals", int, 1),
            copies=sub.get(item, "copies", int, 0),
            is_required=sub.get(item, "required", bool, True),
            replaced_by_eform=sub.get(item, "replaced_by_eform", bool, False),
            note=sub.get(item, "note", str, ""),
        )
        try:
            document.full_clean(exclude=["procedure", "template"])
        except ValidationError as exc:
            doc_errors.extend(_model_errors(exc, RequiredDocument))
        templates.append(_read_template(sub.get(item, "template", str, ""), base_dir, doc_errors))
        errors.extend(f"{where}: {message}" for message in doc_errors)
        documents.append(document)

    field_code = read.get(record, "field", str, "", required=True)
    return CheckedProcedure(procedure, field_code, linked, fees, documents, templates)


def check_document(document: dict, positions: list[str], base_dir: Path | None = None) -> Catalogue:
    """Check every field and procedure of a parsed document; raise ``CatalogueError`` listing
    every problem, or return the catalogue ready for ``save_catalogue``."""
    problems: list[str] = []
    catalogue = Catalogue()
    existing_fields = {item.code: item for item in ProcedureField.objects.all()}
    for number, item in enumerate(document.get("fields", []), start=1):
        where = _("Field no. %(position)s") % {"position": number}
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("code"), str)
            or not isinstance(item.get("name"), str)
        ):
            problems.append(f"{where}: " + _("a field needs a text “code” and “name”."))
            continue
        code = nfc(item["code"])
        field_obj = existing_fields.get(code) or ProcedureField(code=code)
        field_obj.name = nfc(item["name"])
        try:
            field_obj.full_clean(validate_unique=False)
        except ValidationError as exc:
            problems.extend(f"{where} ({code}): {message}" for message in _model_errors(exc, ProcedureField))
        catalogue.fields[code] = field_obj
    known_fields = set(existing_fields) | set(catalogue.fields)

    codes = [nfc(record.get("code", "")) for record in document["procedures"] if isinstance(record, dict)]
    existing = {item.code: item for item in Procedure.objects.filter(code__in=codes)}
    agencies = {agency.code: agency for agency in Agency.objects.valid_on()}
    seen: set[str] = set()
    for record, where in zip(document["procedures"], positions, strict=True):
        code = nfc(record.get("code", "")) if isinstance(record, dict) else ""
        if code:
            where = _("%(where)s (code %(code)s)") % {"where": where, "code": code}
        errors: list[str] = []
        checked = _check_procedure(record, existing, agencies, base_dir, errors)
        if code in seen:
            errors.append(_("this code appears more than once in the file."))
        seen.add(code)
        if checked is not None and checked.field_code and checked.field_code not in known_fields:
            errors.append(_("the field %(code)s is not defined.") % {"code": checked.field_code})
        problems.extend(f"{where}: {message}" for message in errors)
        if checked is not None:
            catalogue.procedures.append(checked)
    if problems:
        raise CatalogueError(problems)
    return catalogue


def read_catalogue(path: Path | str, text: str | None = None) -> Catalogue:
    """Parse and check the file at ``path`` (CSV when it ends in .csv, else JSON)."""
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CatalogueError(
                [_("The file %(path)s cannot be read: %(error)s") % {"path": path, "error": exc}]
            ) from exc
    parse = parse_csv if path.suffix.lower() == ".csv" else parse_json
    document, positions = parse(text)
    return check_document(document, positions, base_dir=path.parent)


def _sync_templates(checked: CheckedProcedure, stored: list[RequiredDocument]) -> None:
    """Keep a stored template when the file brings the same bytes at the same position."""
    for index, (document, template) in enumerate(zip(checked.documents, checked.templates, strict=True)):
        if template is None:
            continue
        name, content = template
        old = stored[index] if index < len(stored) else None
        if old is not None and old.template:
            with old.template.open("rb") as file:
                if file.read() == content:
                    document.template = old.template.name
                    continue
        document.template.save(name, ContentFile(content), save=False)


def _replace_rows(procedure: Procedure, new_rows: list, stored: list) -> None:
    """Write ``new_rows`` over the stored rows position by position, keeping their ids (payments
    and dossier attachments refer to fees and documents), then add or delete the difference."""
    for index, row in enumerate(new_rows):
        row.procedure = procedure
        if index < len(stored):
            row.pk = stored[index].pk
        row.save()
    for row in stored[len(new_rows) :]:
        row.delete()


def save_catalogue(catalogue: Catalogue) -> list[tuple[Procedure, bool]]:
    """Write a checked catalogue: fields, then each procedure with its agencies, fees and
    documents (overwriting the stored ones in place). Returns (procedure, created) pairs. Call it inside
    a transaction."""
    fields = {item.code: item for item in ProcedureField.objects.all()}
    for code, item in catalogue.fields.items():
        item.save()
        fields[code] = item
    saved = []
    for checked in catalogue.procedures:
        procedure = checked.procedure
        created = procedure.pk is None
        procedure.field = fields[checked.field_code]
        procedure.save()
        procedure.agencies.set(checked.agencies)
        stored_documents = list(procedure.documents.all())
        _sync_templates(checked, stored_documents)
        _replace_rows(procedure, checked.fees, list(procedure.fees.all()))
        _replace_rows(procedure, checked.documents, stored_documents)
        saved.append((procedure, created))
    return saved
