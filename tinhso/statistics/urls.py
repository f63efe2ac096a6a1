from django.urls import path

from tinhso.statistics import views

app_name = "statistics"

urlpatterns = [
    path("", views.report, name="report"),
    path("qua-han/", views.overdue, name="overdue"),
]
