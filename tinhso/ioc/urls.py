from django.urls import path

from tinhso.ioc import views

app_name = "ioc"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("chi-tieu/", views.targets, name="scorecard"),
    path("danh-sach/<slug:figure>/", views.records, name="records"),
    path("man-hinh/<str:token>/", views.wall, name="wall"),
]
