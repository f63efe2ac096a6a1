from django.urls import path

from tinhso.lgsp import views

app_name = "lgsp"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("dich-vu/<int:pk>/", views.service_detail, name="service"),
    path("dich-vu/<int:pk>/openapi.json", views.openapi, name="openapi"),
    path("dich-vu/<int:pk>/thu/", views.try_service, name="try"),
    path("yeu-cau/", views.requests, name="requests"),
    path("yeu-cau/<int:pk>/quyet-dinh/", views.decide, name="decide"),
    path("quyen/<int:pk>/thu-hoi/", views.revoke, name="revoke"),
    path("van-hanh/", views.health, name="health"),
]
