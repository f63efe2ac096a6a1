from django.urls import path

from tinhso.feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("gui/", views.submit, name="submit"),
    path("ban-do/ranh-gioi-tinh.geojson", views.province_outline, name="province_outline"),
    path("da-gui/<str:code>/", views.submitted, name="submitted"),
    path("cua-toi/", views.my_reports, name="mine"),
    path("anh/<int:pk>/", views.photo, name="photo"),
    path("can-bo/dieu-phoi/", views.routing_inbox, name="routing_inbox"),
    path("can-bo/co-quan/", views.agency_inbox, name="agency_inbox"),
    path("can-bo/phe-duyet/", views.approvals, name="approvals"),
    path("can-bo/qua-han/", views.overdue, name="overdue"),
    path("can-bo/tong-dai/", views.hotline, name="hotline"),
    path("can-bo/<str:code>/", views.officer_detail, name="officer_detail"),
    path(
        "can-bo/<str:code>/<slug:step>/",
        views.officer_action,
        name="officer_action",
    ),
    path("<str:code>/", views.report_detail, name="detail"),
    path("<str:code>/theo-doi/", views.follow, name="follow"),
    path("<str:code>/danh-gia/", views.rate, name="rate"),
    path("<str:code>/mo-lai/", views.reopen, name="reopen"),
]
