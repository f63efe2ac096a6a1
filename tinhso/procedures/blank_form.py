"""The blank declaration (tờ khai) of a procedure as a PDF to print and fill by hand, drawn from
its e-form definition (``tinhso.procedures.eform``) so that it always asks what the online form
asks: the national motto, the title, each page of the e-form as a section, each field with dotted
lines to write on, choices as boxes to tick, repeatable groups as a table, and the signature
block. Layout after Decree 30/2020/NĐ-CP, Appendix I (A4, margins 20/15/20/30 mm, Times New Roman —
Liberation Serif where it is missing, the same metrics —, national motto in capitals with the
motto under it and a rule), in Vietnamese as the legal forms are. Rendered once per version of
the procedure (its ``updated_at``: every catalogue or admin write changes it) and cached."""

from django.core.cache import cache
from django.template.loader import render_to_string

from tinhso.core.pdf import html_to_pdf

DECLARATION_WORDS = ("tờ khai",)
REPEATED_ROWS = 4
CACHE_SECONDS = 30 * 24 * 3600


def declaration(procedure):
    """The required document the blank form stands for (its name is the form's title), or None
    when the procedure has no e-form or asks for no declaration."""
    if not (procedure.eform or {}).get("pages"):
        return None
    for document in procedure.documents.all():
        if document.replaced_by_eform or any(word in document.name.lower() for word in DECLARATION_WORDS):
            return document
    return None


def _field(field: dict) -> dict:
    """A field as the template draws it: a dotted line to write on (and ``more_lines``) for text,
    number, date and address; ``choices`` for boxes; ``columns`` and ``rows`` for a group."""
    item = {
        "label": field["label"],
        "type": field["type"],
        "hint": field.get("hint", ""),
        "required": field.get("required", False),
    }
    kind = field["type"]
    if kind == "choice":
        item["choices"] = [choice["label"] for choice in field.get("choices") or []]
        item["multiple"] = field.get("multiple", False)
    elif kind == "group":
        children = [_field(child) for child in field.get("fields") or []]
        flat = all(child["type"] not in ("group", "choice") for child in children)
        if field.get("repeatable") and flat:
            item["columns"] = children
            item["rows"] = range(
                max(field.get("min_items") or 1, min(field.get("max_items") or REPEATED_ROWS, REPEATED_ROWS))
            )
        else:
            item["fields"] = children
    else:
        lines = 3 if field.get("multiline") else 2 if kind == "address" and field.get("detail", True) else 1
        item["more_lines"] = range(lines - 1)
        item["unit"] = field.get("unit", "")
    return item


def declaration_pdf(procedure) -> bytes | None:
    """The blank declaration of ``procedure`` as PDF bytes (None: it has none), from the cache
    when this version of the procedure was drawn before."""
    document = declaration(procedure)
    if document is None:
        return None
    key = f"blank-declaration:{procedure.pk}:{procedure.updated_at.timestamp()}"
    pdf = cache.get(key)
    if pdf is None:
        html = render_to_string(
            "procedures/blank_form.html",
            {
                "procedure": procedure,
                "title": document.name,
                "agencies": [agency.name for agency in procedure.agencies.all()],
                "pages": [
                    {
                        "title": page.get("title", ""),
                        "hint": page.get("hint", ""),
                        "fields": [_field(f) for f in page.get("fields") or []],
                    }
                    for page in procedure.eform["pages"]
                ],
            },
        )
        pdf = html_to_pdf(html)
        cache.set(key, pdf, CACHE_SECONDS)
    return pdf
