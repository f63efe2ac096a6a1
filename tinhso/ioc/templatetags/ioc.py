"""``{{ value|figure:percent }}``: a number of the operations centre as Vietnamese writes it
(95,5%; 1.234), a dash without data."""

from django import template

from tinhso.statistics.charts import number

register = template.Library()


@register.filter
def figure(value, percent=False):
    if value is None:
        return "—"
    return f"{number(value)}%" if percent else number(value, 0)
