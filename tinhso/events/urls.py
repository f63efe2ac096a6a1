from django.urls import path

from tinhso.events import views

app_name = "events"

urlpatterns = [
    path("webhook/", views.subscriptions, name="subscriptions"),
    path("webhook/moi/", views.subscription_new, name="subscription_new"),
    path("webhook/<int:pk>/", views.subscription_detail, name="subscription"),
    path("webhook/<int:pk>/sua/", views.subscription_edit, name="subscription_edit"),
    path("webhook/<int:pk>/doi-khoa/", views.subscription_rotate, name="subscription_rotate"),
    path("webhook/gui-lai/<int:pk>/", views.delivery_resend, name="delivery_resend"),
    path("doc-luong/", views.feed_readers, name="feed_readers"),
]
