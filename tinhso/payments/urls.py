from django.urls import path

from tinhso.payments import sandbox_views, views

app_name = "payments"

urlpatterns = [
    path("ho-so/<str:code>/", views.pay, name="pay"),
    path("vnpay/ipn", views.ipn, name="ipn"),
    path("vnpay/ket-qua", views.gateway_return, name="return"),
    path("bien-lai/<str:number>/", views.receipt_view, name="receipt"),
    path("doi-soat/", views.reconciliation, name="reconcile"),
    path("sandbox/paymentv2/vpcpay.html", sandbox_views.pay, name="sandbox_pay"),
    path("sandbox/paymentv2/<str:token>/", sandbox_views.decide, name="sandbox_decide"),
    path("sandbox/merchant_webapi/api/transaction", sandbox_views.merchant_api, name="sandbox_api"),
]
