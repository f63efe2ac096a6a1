from django.contrib import admin

from tinhso.agencies import actions
from tinhso.agencies.models import Agency
from tinhso.units.admin import FoldedSearchMixin, ValidityFilter


@admin.register(Agency)
class AgencyAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "short_name",
        "kind",
        "parent",
        "unit",
        "valid_from",
        "valid_to",
        "is_demo_code",
    ]
    list_filter = ["kind", ValidityFilter, "is_demo_code"]
    search_fields = ["code", "name", "short_name"]
    list_select_related = ["parent", "unit"]
    autocomplete_fields = ["parent", "unit", "successor"]
    fieldsets = [
        (
            None,
            {"fields": ["code", "is_demo_code", "name", "short_name", "symbol", "kind", "parent", "unit"]},
        ),
        (None, {"fields": ["valid_from", "valid_to", "successor"]}),
        (None, {"fields": ["email", "phone", "address"]}),
    ]

    def save_model(self, request, obj, form, change):
        """Save through the business actions: same permission check, validation and audit."""
        fields = {
            name: form.cleaned_data[name] for name in form.changed_data if name in actions.EDITABLE_FIELDS
        }
        if change:
            actions.update_agency(request.user, obj, request=request, **fields)
        else:
            fields = {
                name: form.cleaned_data[name] for name in actions.EDITABLE_FIELDS if name in form.cleaned_data
            }
            saved = actions.create_agency(request.user, request=request, **fields)
            obj.pk, obj.path = saved.pk, saved.path

    def has_delete_permission(self, request, obj=None):
        return False
