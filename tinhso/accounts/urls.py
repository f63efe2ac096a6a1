from django.urls import path, re_path

from tinhso.accounts import selfservice, views

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
    path("dang-ky/", selfservice.register_start, name="register_start"),
    re_path(r"^dang-ky/(?P<kind>ca-nhan|doanh-nghiep)/$", selfservice.register, name="register"),
    path("dang-ky/ma-xac-nhan/", selfservice.register_code, name="register_code"),
    path("dang-ky/gui-lai-ma/", selfservice.register_resend, name="register_resend"),
    path("quen-mat-khau/", selfservice.password_forgot, name="password_forgot"),
    path("quen-mat-khau/da-gui-thu/", selfservice.password_email_sent, name="password_email_sent"),
    path("quen-mat-khau/ma-xac-nhan/", selfservice.password_code, name="password_code"),
    path("quen-mat-khau/gui-lai-ma/", selfservice.password_resend, name="password_resend"),
    path("quen-mat-khau/mat-khau-moi/", selfservice.password_new, name="password_new"),
    path(
        "quen-mat-khau/<str:uidb64>/<str:token>/",
        selfservice.password_reset_link,
        name="password_reset_link",
    ),
    path("bao-ve-du-lieu-ca-nhan/", selfservice.privacy_notice, name="privacy_notice"),
    path("sso/<slug:provider>/", views.oidc_login, name="oidc_login"),
    path("sso/<slug:provider>/callback/", views.oidc_callback, name="oidc_callback"),
]
