"""``{% officer_links as links %}``: the back-office pages the signed-in officer may open, for
the one navigation of the one-stop and feedback back offices."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from tinhso.accounts.middleware import second_factor_done
from tinhso.accounts.models import Role
from tinhso.accounts.permissions import can, has_role
from tinhso.documents.rules import STAFF_ROLES as DOCUMENT_ROLES
from tinhso.motcua.inbox import HANDLING_ROLES
from tinhso.motcua.parts import LINKS
from tinhso.statistics.rules import visible as statistics_visible

register = template.Library()


@register.simple_tag(takes_context=True)
def officer_links(context) -> list[tuple[str, str, bool]]:
    request = context["request"]
    user = request.user
    if user.requires_second_factor and not second_factor_done(request):
        return []  # until the code is given, every link leads back to the code page
    links = [(reverse("motcua:start"), _("Start"))]
    if has_role(user, *HANDLING_ROLES):
        links.append((reverse("motcua:inbox"), _("Dossiers to handle")))
    if has_role(user, Role.ONE_STOP_OFFICER):
        links.append((reverse("motcua:counter"), _("Counter reception")))
    if can(user, "feedback.route"):
        links.append((reverse("feedback:routing_inbox"), _("Reports to route")))
    if can(user, "feedback.work"):
        links.append((reverse("feedback:agency_inbox"), _("Reports of my agency")))
    if has_role(user, *DOCUMENT_ROLES):
        links.append((reverse("documents:incoming_list"), _("Official documents")))
    if statistics_visible(user):
        links.append((reverse("statistics:report"), _("Statistics")))
        # The operations centre opens for the same people (its rule is the statistics one).
        links.append((reverse("ioc:dashboard"), _("Operations centre")))
    links += [(reverse(url_name), str(label)) for url_name, label, rule in LINKS if can(user, rule)]
    path = request.path
    return [(url, label, path == url) for url, label in links]
