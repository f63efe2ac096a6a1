from django.urls import path

from tinhso.dossiers import views

app_name = "dossiers"

urlpatterns = [
    path("", views.index, name="index"),
    path("nop/<str:procedure_code>/", views.start, name="start"),
    path("nhap/<int:pk>/nguoi-nop/", views.applicant, name="applicant"),
    path("nhap/<int:pk>/trang/<int:number>/", views.page, name="page"),
    path("nhap/<int:pk>/giay-to/", views.documents, name="documents"),
    path("nhap/<int:pk>/giay-to/<int:document_pk>/", views.upload, name="upload"),
    path("nhap/<int:pk>/kiem-tra/", views.check, name="check"),
    path("nhap/<int:pk>/xoa/", views.delete, name="delete"),
    path("cua-toi/", views.mine, name="mine"),
    path("kho-giay-to/", views.personal_documents, name="personal_documents"),
    path("kho-giay-to/<int:pk>/", views.personal_document, name="personal_document"),
    path("tep/<int:pk>/", views.attachment, name="attachment"),
    path("tra-cuu/", views.track, name="track"),
    path("tra-cuu/<str:code>/", views.track, name="track_code"),
    path("<str:code>/da-nop/", views.confirmation, name="confirmation"),
    path("<str:code>/rut/", views.withdraw, name="withdraw"),
    path("<str:code>/bo-sung/", views.supplement, name="supplement"),
    path("<str:code>/danh-gia/", views.rate, name="rate"),
    path("<str:code>/", views.detail, name="detail"),
]
