"""CKAN's Action API paths: ``/api/3/action/<name>`` (harvesters) and ``/api/action/<name>``
(``ckanapi``)."""

from django.urls import path

from tinhso.opendata import ckan

app_name = "ckan"

urlpatterns = [
    path("3/action/<str:name>", ckan.action, name="action"),
    path("action/<str:name>", ckan.action, name="action_unversioned"),
]
