"""``{{ value|figure:kind }}``: a number of the operations centre as Vietnamese writes it (95,5%;
1.234; 3,5 ngày), a dash without data; ``kind`` True or "percent", "days", or a count."""

from django import template
from django.utils.translation import gettext

from tinhso.statistics.charts import number

register = template.Library()


@register.filter
def figure(value, kind=False):
    if value is None:
        return "—"
    if kind is True or kind == "percent":
        return f"{number(value)}%"
    if kind == "days":
        return gettext("%(days)s days") % {"days": number(value)}
    return number(value, 0)
