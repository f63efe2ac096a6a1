from django.urls import re_path

from tinhso.feedback import open311

app_name = "open311"

FMT = r"\.(?P<fmt>xml|json)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.services, name="services"),
    re_path(r"^services/(?P<service_code>[-\w]+)" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.requests_view, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[-\w]+)" + FMT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[-\w]+)" + FMT, open311.token, name="token"),
]
