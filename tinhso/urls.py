from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from tinhso.api import api
from tinhso.core import urls as core_urls
from tinhso.home import home
from tinhso.ioc.views import public as transparency

urlpatterns = [
    path("api/v1/", api.urls),  # first: the API's surge paths resolve without trying the pages
    path("api/", include("tinhso.opendata.ckan_urls")),
    path("", include(([path("", home, name="home"), *core_urls.urlpatterns], core_urls.app_name))),
    path("tai-khoan/", include("tinhso.accounts.urls")),
    path("don-vi-hanh-chinh/", include("tinhso.units.urls")),
    path("thu-tuc/", include("tinhso.procedures.urls")),
    path("phan-anh/", include("tinhso.feedback.urls")),
    path("ho-so/", include("tinhso.dossiers.urls")),
    path("thanh-toan/", include("tinhso.payments.urls")),
    path("mot-cua/", include("tinhso.motcua.urls")),
    path("quy-trinh/", include("tinhso.workflows.urls")),
    path("xac-thuc-ket-qua/", include("tinhso.signing.urls")),
    path("bieu-mau/", include("tinhso.official_forms.urls")),
    path("ket-noi-quoc-gia/", include("tinhso.national.urls")),
    path("van-ban/", include("tinhso.documents.urls")),
    path("thong-ke/", include("tinhso.statistics.urls")),
    path("dieu-hanh/", include("tinhso.ioc.urls")),
    path("su-kien/", include("tinhso.events.urls")),
    path("lien-thong/", include("tinhso.lgsp.urls")),
    path("du-lieu-mo/", include("tinhso.opendata.urls")),
    path("minh-bach/", transparency, name="transparency"),
    path("lich-nghi/", include("tinhso.worktime.urls")),
    path("open311/v2/", include("tinhso.feedback.open311_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("quan-tri/", admin.site.urls),
]

handler400 = "tinhso.core.views.bad_request"
handler403 = "tinhso.core.views.permission_denied"
handler404 = "tinhso.core.views.page_not_found"
handler500 = "tinhso.core.views.server_error"

admin.site.site_header = settings.PLATFORM_NAME
admin.site.site_title = settings.PLATFORM_NAME
