from django.urls import path

from tinhso.statistics import views

app_name = "statistics"

urlpatterns = [
    path("", views.report, name="report"),
    path("qua-han/", views.overdue, name="overdue"),
    path("ho-so/<slug:figure>/", views.figure, name="figure"),
    path("chi-so-766/<slug:flag>/", views.index_figure, name="index_figure"),
]
