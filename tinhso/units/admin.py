from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tinhso.core.text import fold
from tinhso.units.models import AdministrativeUnit
from tinhso.units.validity import today


class ValidityFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [("current", _("In force today")), ("ended", _("Ended")), ("future", _("Not yet in force"))]

    def queryset(self, request, queryset):
        on = today()
        if self.value() == "current":
            return queryset.valid_on(on)
        if self.value() == "ended":
            return queryset.filter(valid_to__lt=on)
        if self.value() == "future":
            return queryset.filter(valid_from__gt=on)
        return queryset


class FoldedSearchMixin:
    """Search the folded name too, so "dong thap" finds "Đồng Tháp"."""

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        folded = fold(search_term)
        if folded:
            results = results | queryset.filter(name_folded__contains=folded)
        return results, may_have_duplicates


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "name", "division_type", "level", "parent", "valid_from", "valid_to", "successor"]
    list_filter = ["level", "division_type", ValidityFilter]
    search_fields = ["code", "name"]
    list_select_related = ["parent", "successor"]
    readonly_fields = ["code", "name", "level", "division_type", "parent", "valid_from"]
    autocomplete_fields = ["successor"]
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
