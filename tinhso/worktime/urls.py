from django.urls import path

from tinhso.worktime import views

app_name = "worktime"

urlpatterns = [
    path("", views.current, name="current"),
    path("<int:year>/", views.year, name="year"),
]
