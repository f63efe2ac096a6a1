"""``{% provisional_due_notice start due %}``: a notice under a due time computed over days off
that the province has not confirmed yet (see ``calendar.provisional_years``)."""

from django import template

from tinhso.worktime.calendar import provisional_years

register = template.Library()


@register.inclusion_tag("worktime/provisional_notice.html")
def provisional_due_notice(start, due):
    years = provisional_years(start, due) if start and due else []
    return {"years": years}
