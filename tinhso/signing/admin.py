from django.contrib import admin

from tinhso.signing.models import AgencyCertificate, SignedDocument, TrustRoot


@admin.register(TrustRoot)
class TrustRootAdmin(admin.ModelAdmin):
    list_display = ["name", "is_demo", "is_active", "fingerprint"]
    list_filter = ["is_demo", "is_active"]
    readonly_fields = ["fingerprint", "created_at"]


@admin.register(AgencyCertificate)
class AgencyCertificateAdmin(admin.ModelAdmin):
    list_display = ["agency", "valid_from", "valid_to", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["agency__name_folded", "agency__code", "fingerprint"]
    readonly_fields = [
        "agency",
        "certificate_pem",
        "chain_pem",
        "fingerprint",
        "valid_from",
        "valid_to",
        "created_at",
    ]
    fields = [*readonly_fields, "is_active"]

    def has_add_permission(self, request):
        return False


@admin.register(SignedDocument)
class SignedDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "agency", "dossier", "signer_name", "signed_at"]
    search_fields = ["id", "sha256", "dossier__code"]
    readonly_fields = [field.name for field in SignedDocument._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
