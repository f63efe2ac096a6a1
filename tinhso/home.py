"""The home page. It lives at the project level, above every app, because it shows what several
apps hold (the province's units, its agencies, the user's memberships); ``core`` stays below them."""

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

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
