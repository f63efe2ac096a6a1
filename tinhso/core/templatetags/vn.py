"""Template filters for Vietnamese formats: ``{{ fee|vnd }}``, ``{{ day|vn_date }}``."""

import datetime

from django import template
from django.utils.html import format_html

from tinhso.core import text

register = template.Library()


@register.filter
def vnd(value):
    """The amount, kept on one line ("16.000 đ" never breaks before "đ" on a phone)."""
    if value in (None, ""):
        return ""
    return format_html('<span class="money">{}</span>', text.format_money(value))


@register.filter
def vn_date(value):
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        return text.format_datetime(value)
    return text.format_date(value)
