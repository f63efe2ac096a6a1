from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tinhso.agencies.models import Agency
from tinhso.core.text import format_weekday_date
from tinhso.units.models import AdministrativeUnit


def province_display_name(province: AdministrativeUnit) -> str:
    """ "tỉnh Đồng Tháp" in Vietnamese, "Đồng Tháp province" in English."""
    for prefix, template in (("Tỉnh ", _("%(name)s province")), ("Thành phố ", _("%(name)s city"))):
        if province.name.startswith(prefix):
            return template % {"name": province.name.removeprefix(prefix)}
    return province.name


def home(request):
    today = timezone.localdate()
    province = AdministrativeUnit.objects.valid_on(today).filter(code=settings.PROVINCE_CODE, level=1).first()
    memberships = []
    if request.user.is_authenticated:
        memberships = request.user.active_memberships().select_related("agency")
    context = {
        "province_name": province_display_name(province) if province else settings.PLATFORM_NAME,
        "commune_count": (
            AdministrativeUnit.objects.valid_on(today).filter(parent=province).count() if province else 0
        ),
        "agency_count": Agency.objects.valid_on(today).count(),
        "today_text": format_weekday_date(today),
        "memberships": memberships,
    }
    return render(request, "core/home.html", context)


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness: answers 200 only when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure makes us unhealthy
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def _error(request, status, title, message):
    return render(
        request, "core/error.html", {"status": status, "title": title, "message": message}, status=status
    )


def bad_request(request, exception=None):
    return _error(
        request, 400, _("Bad request"), _("The request could not be understood. Please check and try again.")
    )


def permission_denied(request, exception=None):
    return _error(request, 403, _("Access denied"), _("You do not have permission to see this page."))


def page_not_found(request, exception=None):
    return _error(request, 404, _("Page not found"), _("The page you asked for does not exist or has moved."))


def server_error(request):
    """Rendered without context processors: the database may be what failed."""
    from django.http import HttpResponseServerError

    return HttpResponseServerError(get_template("500.html").render())
