from django.contrib import admin

from tinhso.audit.services import record_personal_data_read
from tinhso.payments.models import Payment, Receipt


class PersonalDataReadMixin:
    """Opening a payment's or receipt's page reads the payer's data (Law 91/2025/QH15 art. 4)."""

    read_fields: list[str] = []

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        item = self.get_object(request, object_id)
        if request.method == "GET" and item is not None and response.status_code == 200:
            record_personal_data_read(
                request.user,
                item.payer,
                self.read_fields,
                "payments.admin_view",
                request,
                reference=self.dossier_code(item),
            )
        return response

    def dossier_code(self, item) -> str:
        return item.dossier.display_code


@admin.register(Payment)
class PaymentAdmin(PersonalDataReadMixin, admin.ModelAdmin):
    """Read-only: payments change only through the gateway's IPN."""

    list_display = ["txn_ref", "dossier", "amount", "status", "created_at", "paid_at"]
    list_filter = ["status", "gateway"]
    search_fields = ["txn_ref", "dossier__code", "dossier__submission_reference", "gateway_transaction_no"]
    read_fields = ["payment"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Receipt)
class ReceiptAdmin(PersonalDataReadMixin, admin.ModelAdmin):
    list_display = ["number", "dossier_code", "payer_name", "total", "issued_at"]
    search_fields = ["number", "dossier_code", "payer_name"]
    read_fields = ["full_name", "payment"]

    def dossier_code(self, item) -> str:
        return item.dossier_code

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
