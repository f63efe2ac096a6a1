from django.urls import path

from tinhso.motcua import views

app_name = "motcua"

urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("trang-chinh/", views.start_view, name="start"),
    path("qua-han/", views.overdue_view, name="overdue"),
    path("da-xu-ly/", views.handled_view, name="handled"),
    path("tiep-nhan-truc-tiep/", views.counter_view, name="counter"),
    path("ho-so/<int:pk>/", views.dossier_view, name="dossier"),
    path("ho-so/<int:pk>/thao-tac/<slug:key>/", views.action_view, name="action"),
    path("ho-so/<int:pk>/tu-choi/", views.refuse_view, name="refuse"),
    path("ho-so/<int:pk>/yeu-cau-bo-sung/", views.supplement_view, name="supplement"),
    path("ho-so/<int:pk>/yeu-cau-nop-phi/", views.payment_view, name="payment"),
    path("ho-so/<int:pk>/thu-phi-tai-quay/", views.cash_view, name="cash"),
    path("ho-so/<int:pk>/gia-han/", views.extend_view, name="extend"),
    path("ho-so/<int:pk>/dung-xu-ly/", views.stop_view, name="stop"),
    path("ho-so/<int:pk>/dung-theo-yeu-cau-rut/", views.grant_withdrawal_view, name="grant_withdrawal"),
    path("ho-so/<int:pk>/tu-choi-rut/", views.refuse_withdrawal_view, name="refuse_withdrawal"),
    path("ho-so/<int:pk>/ky-ket-qua/", views.sign_view, name="sign"),
    path("ho-so/<int:pk>/du-thao-ket-qua/", views.draft_view, name="draft"),
    path("ho-so/<int:pk>/du-thao-ket-qua/<int:draft_pk>/", views.draft_file, name="draft_file"),
]
