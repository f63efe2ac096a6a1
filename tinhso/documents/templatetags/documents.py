"""``{{ event|event_label }}`` and ``{{ code|status_label }}`` for the documents' timelines."""

from django import template
from django.utils.translation import gettext as _

from tinhso.documents import handling
from tinhso.documents.edxml import STATUS_LABELS

register = template.Library()


@register.filter
def status_label(code: str) -> str:
    if not code:
        return "—"
    return f"{code} {STATUS_LABELS.get(code, '')}".strip()


@register.filter
def event_label(event) -> str:
    label = event.get_kind_display()
    if event.kind == "status":
        label = _("status %(status)s") % {"status": status_label(event.status_code)}
    return label


@register.filter
def presentation_due(document):
    """When the leader should have the registered ``document`` (``handling.presentation_due``)."""
    return handling.presentation_due(document)
