from django.contrib import admin

from tinhso.payments.models import Payment, Receipt


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    """Read-only: payments change only through the gateway's IPN."""

    list_display = ["txn_ref", "dossier", "amount", "status", "created_at", "paid_at"]
    list_filter = ["status", "gateway"]
    search_fields = ["txn_ref", "dossier__code", "gateway_transaction_no"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Receipt)
class ReceiptAdmin(admin.ModelAdmin):
    list_display = ["number", "dossier_code", "payer_name", "total", "issued_at"]
    search_fields = ["number", "dossier_code", "payer_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
