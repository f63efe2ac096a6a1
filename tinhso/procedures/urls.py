from django.urls import path

from tinhso.procedures import views

app_name = "procedures"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("khong-phu-thuoc-dia-gioi/", views.boundary_free, name="boundary_free"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/mau/<int:pk>/", views.template, name="template"),
    path("<str:code>/to-khai.pdf", views.blank_declaration, name="blank_declaration"),
]
