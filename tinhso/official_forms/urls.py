from django.urls import path

from tinhso.official_forms import views

app_name = "official_forms"

urlpatterns = [
    path("so-theo-doi/", views.register, name="register"),
    path("ho-so/<str:code>/mau-<int:number>.pdf", views.dossier_form, name="dossier_form"),
    path("bieu-mau-da-ky/<int:pk>.pdf", views.issued_form, name="issued_form"),
    path("mot-cua/ho-so/<int:pk>/mau-<int:number>.pdf", views.back_office_form, name="back_office_form"),
]
