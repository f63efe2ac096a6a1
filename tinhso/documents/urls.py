from django.urls import path

from tinhso.documents import views, views_drafting

app_name = "documents"

urlpatterns = [
    path("", views.incoming_list, name="incoming_list"),
    path("den/vao-so-van-ban-giay/", views.register_paper_view, name="register_paper"),
    path("den/<int:pk>/", views.incoming_view, name="incoming"),
    path("den/<int:pk>/vao-so/", views.register_view, name="register"),
    path("den/<int:pk>/tra-lai/", views.refuse_view, name="refuse"),
    path("den/<int:pk>/giao-xu-ly/", views.assign_view, name="assign"),
    path("den/<int:pk>/giao-nguoi-xu-ly/", views.name_handler_view, name="name_handler"),
    path("den/<int:pk>/hoan-thanh/", views.complete_view, name="complete"),
    path("den/<int:pk>/y-kien-phoi-hop/", views.opinion_view, name="opinion"),
    path("<str:kind>/<int:pk>/quyen-doc/", views.grant_view, name="grant"),
    path("<str:kind>/<int:pk>/lien-ket/", views.link_view, name="link"),
    path("<str:kind>/<int:pk>/lien-ket/<int:link_pk>/go/", views.unlink_view, name="unlink"),
    path(
        "<str:kind>/<int:pk>/quyen-doc/<int:grant_pk>/thu-hoi/", views.revoke_grant_view, name="revoke_grant"
    ),
    path("den/<int:pk>/tep/", views.incoming_file, name="incoming_file"),
    path("di/", views.outgoing_list, name="outgoing_list"),
    path("di/soan-thao/", views.draft_view, name="draft"),
    path("di/<int:pk>/", views.outgoing_view, name="outgoing"),
    path("di/<int:pk>/cap-so/", views.issue_view, name="issue"),
    path("di/<int:pk>/gui/", views.send_view, name="send"),
    path("di/<int:pk>/gui-lai/<int:package_pk>/", views.resend_view, name="resend"),
    path("di/<int:pk>/tep/", views.outgoing_file, name="outgoing_file"),
    path("di/<int:pk>/thu-hoi/", views.withdraw_view, name="withdraw"),
    path("di/<int:pk>/thu-hoi/<int:withdrawal_pk>/", views.decide_withdrawal_view, name="decide_withdrawal"),
    path("goi-tin-khong-gui-duoc/", views.dead_letters, name="dead_letters"),
    path(
        "goi-tin-khong-gui-duoc/<int:package_pk>/gui-lai/",
        views.dead_letter_resend,
        name="dead_letter_resend",
    ),
    path("di/ky/", views.sign_list, name="sign_list"),
    path("di/ky/lo/", views.sign_batch_view, name="sign_batch"),
    path("di/<int:pk>/ky/", views.sign_view, name="sign"),
    path("so/<str:kind>.<str:fmt>", views.register_print, name="register_print"),
    path("tim-kiem/", views.search_view, name="search"),
    path("tim-kiem/<int:pk>/xoa/", views.delete_search_view, name="delete_search"),
    path("hinh-anh-chu-ky/", views.images_view, name="images"),
    path("di/<int:pk>/ban-thao.pdf", views.draft_preview, name="draft_preview"),
    path("di/soan-theo-mau/", views_drafting.template_draft_view, name="template_draft"),
    path("di/<int:pk>/sua/", views_drafting.edit_draft_view, name="edit_draft"),
    path("di/<int:pk>/trinh-duyet/", views_drafting.route_view, name="route"),
    path("di/<int:pk>/duyet/<int:step_pk>/", views_drafting.review_view, name="review"),
    path("di/cho-toi-duyet/", views_drafting.review_inbox, name="review_inbox"),
]
