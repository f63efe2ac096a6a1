"""``{% may_administer as flag %}``: whether the administration site has something the signed-in
user may manage, so the header links to it only then (a staff account without any model
permission would land on "You don't have permission to view or edit anything")."""

from django import template
from django.contrib import admin

register = template.Library()


@register.simple_tag(takes_context=True)
def may_administer(context) -> bool:
    request = context["request"]
    return admin.site.has_permission(request) and bool(admin.site.get_app_list(request))
