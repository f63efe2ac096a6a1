"""Template filters for Vietnamese formats: ``{{ fee|vnd }}``, ``{{ day|vn_date }}``."""

import datetime

from django import template

from tinhso.core import text

register = template.Library()


@register.filter
def vnd(value):
    if value in (None, ""):
        return ""
    return text.format_money(value)


@register.filter
def vn_date(value):
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        return text.format_datetime(value)
    return text.format_date(value)
