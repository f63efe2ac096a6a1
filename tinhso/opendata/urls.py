from django.urls import path, re_path

from tinhso.opendata import views

app_name = "opendata"

FORMATS = r"(?P<fmt>ttl|rdf|jsonld)"

urlpatterns = [
    path("", views.index, name="index"),
    re_path(r"^catalog\." + FORMATS + "$", views.catalog, name="catalog"),
    re_path(r"^(?P<name>[a-z0-9_-]{2,100})\." + FORMATS + "$", views.dataset_rdf, name="dataset_rdf"),
    path("<str:name>/", views.dataset, name="dataset"),
    path("<str:name>/<uuid:resource>/v<int:number>.csv", views.csv_download, name="csv"),
    path("<str:name>/<uuid:resource>/v<int:number>/thay-doi/", views.version_changes, name="changes"),
    path("<str:name>/<str:operation>/", views.manage, name="manage"),
]
