"""Catalogue administration: province administrators only ("procedures.change")."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.permissions import can
from tinhso.procedures import actions
from tinhso.procedures.models import BoundaryFreeList, Fee, Field, Procedure, RequiredDocument
from tinhso.units.admin import FoldedSearchMixin


class CatalogueAdminMixin:
    """Every write needs the "procedures.change" permission; reading the admin lists too."""

    def has_view_permission(self, request, obj=None):
        return can(request.user, "procedures.change", obj)

    def has_add_permission(self, request, obj=None):
        return can(request.user, "procedures.change", obj)

    def has_change_permission(self, request, obj=None):
        return can(request.user, "procedures.change", obj)

    def has_delete_permission(self, request, obj=None):
        return can(request.user, "procedures.change", obj)

    def has_module_permission(self, request):
        return can(request.user, "procedures.change")


class FeeInline(CatalogueAdminMixin, admin.TabularInline):
    model = Fee
    extra = 0
    fields = ["position", "name", "amount", "kind", "unit", "note"]


class RequiredDocumentInline(CatalogueAdminMixin, admin.TabularInline):
    model = RequiredDocument
    extra = 0
    fields = ["position", "name", "originals", "copies", "is_required", "template", "note"]


@admin.register(Field)
class FieldAdmin(CatalogueAdminMixin, FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Procedure)
class ProcedureAdmin(CatalogueAdminMixin, FoldedSearchMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "field",
        "level",
        "online_level",
        "is_active",
        "is_demo_code",
        "not_verified",
        "updated_at",
    ]
    list_filter = ["level", "online_level", "field", "is_active", "is_demo_code"]
    search_fields = ["code", "name"]
    list_select_related = ["field"]
    autocomplete_fields = ["field", "agencies"]
    inlines = [FeeInline, RequiredDocumentInline]
    readonly_fields = ["updated_at"]
    fieldsets = [
        (None, {"fields": ["code", "is_demo_code", "name", "field", "level", "agencies", "applicants"]}),
        (
            None,
            {
                "fields": [
                    "processing_time",
                    "processing_unit",
                    "processing_note",
                    "excludes_financial_obligations",
                ]
            },
        ),
        (None, {"fields": ["result_type", "result", "conditions", "legal_basis"]}),
        (
            None,
            {
                "fields": [
                    "submit_direct",
                    "submit_online",
                    "submit_postal",
                    "submission_place",
                    "online_level",
                    "partial_online_justification",
                    "legacy_online_level",
                ]
            },
        ),
        (
            None,
            {"fields": ["eform", "note", "unverified", "is_active", "valid_from", "valid_to", "updated_at"]},
        ),
    ]

    @admin.display(description=_("not verified"))
    def not_verified(self, obj):
        """How many figures of the entry are not checked against the national database."""
        return len(obj.unverified) or ""

    def has_delete_permission(self, request, obj=None):
        """Procedures are ended (not in use, end date), never deleted: dossiers refer to them."""
        return False

    def save_related(self, request, form, formsets, change):
        """After the inlines, audit the procedure as saved, in the admin's transaction."""
        super().save_related(request, form, formsets, change)
        actions.record_admin_save(request.user, form.instance, created=not change, request=request)


@admin.register(BoundaryFreeList)
class BoundaryFreeListAdmin(CatalogueAdminMixin, admin.ModelAdmin):
    """The province's list of procedures received regardless of administrative boundary, and the
    nationwide list once published; saved through ``actions.save_boundary_free_list`` (audited).
    A list is ended by its last day, never deleted: it explains where past dossiers were received."""

    list_display = [
        "number",
        "scope",
        "issuer",
        "signed_on",
        "valid_from",
        "valid_to",
        "at_provincial_centre",
    ]
    list_filter = ["scope"]
    autocomplete_fields = ["procedures"]
    fields = [
        "scope",
        "number",
        "signed_on",
        "issuer",
        "valid_from",
        "valid_to",
        "at_provincial_centre",
        "procedures",
        "note",
    ]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        actions.save_boundary_free_list(request.user, obj, form.cleaned_data["procedures"], request=request)

    def save_related(self, request, form, formsets, change):
        """The procedures were set by the action."""
