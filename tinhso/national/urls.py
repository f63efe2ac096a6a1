from django.urls import path

from tinhso.national import views

app_name = "national"

urlpatterns = [
    path("cong-dvc-quoc-gia/", views.portal_sync, name="portal_sync"),
    path("cong-dvc-quoc-gia/gui-lai/<int:pk>/", views.resend, name="resend"),
    path("dan-cu/ho-so/<int:pk>/", views.population_lookup, name="population_lookup"),
    path("dan-cu/ho-so-nhap/<int:pk>/", views.population_fill, name="population_fill"),
]
