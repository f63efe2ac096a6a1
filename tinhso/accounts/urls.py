from django.urls import path, re_path

from tinhso.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account, name="account"),
    path("dang-nhap/", views.login_view, name="login"),
    path("dang-xuat/", views.logout_view, name="logout"),
    path("xac-thuc-hai-buoc/", views.totp_verify, name="totp_verify"),
    path("xac-thuc-hai-buoc/dang-ky/", views.totp_enroll, name="totp_enroll"),
    path("xac-thuc-hai-buoc/tat/", views.totp_disable, name="totp_disable"),
    path("du-lieu-ca-nhan/ai-da-xem/", views.personal_data_reads, name="personal_data_reads"),
    path("du-lieu-ca-nhan/tai-ve/", views.personal_data_export, name="personal_data_export"),
    path("can-bo/", views.officers_security, name="officers_security"),
    re_path(
        r"^can-bo/(?P<pk>[0-9]+)/(?P<action>cap-ma-dang-ky|dat-lai|mo-khoa)/$",
        views.officer_security_action,
        name="officer_security_action",
    ),
    path("sso/<slug:provider>/", views.oidc_login, name="oidc_login"),
    path("sso/<slug:provider>/callback/", views.oidc_callback, name="oidc_callback"),
]
