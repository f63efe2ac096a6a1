from django.urls import path

from tinhso.signing import views

app_name = "signing"

urlpatterns = [
    path("kiem-tra/", views.check, name="check"),
    path("chung-thu-goc/", views.trust_roots, name="trust_roots"),
    path("chung-thu-goc/<int:pk>.pem", views.trust_root, name="trust_root"),
    path("<uuid:pk>/", views.verify, name="verify"),
    path("<uuid:pk>/tai-ve/", views.download, name="download"),
]
