"""Read-only administration of the audit trail: nobody may add, change or delete a row."""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from tinhso.audit.models import AuditAnchor, AuditEntry
from tinhso.core.text import format_datetime


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ObjectTypeFilter(admin.SimpleListFilter):
    """Choices come from the content types, not from scanning the (large) audit table."""

    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        return [
            (f"{ct.app_label}.{ct.model}", f"{ct.app_label}.{ct.model} — {ct.name}")
            for ct in ContentType.objects.order_by("app_label", "model")
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(object_type=self.value())
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("local_time", "action", "object_type", "object_id", "sequence", "actor_name", "ip")
    list_filter = (
        ObjectTypeFilter,
        "action",
        ("actor", admin.RelatedOnlyFieldListFilter),
        "at",
    )
    search_fields = ("=object_id", "actor_label", "=action")
    date_hierarchy = "at"
    ordering = ("-at",)
    list_select_related = ("actor",)
    fields = (
        "object_type",
        "object_id",
        "sequence",
        "action",
        "actor",
        "actor_label",
        "at",
        "data",
        "ip",
        "prev_hash",
        "hash",
    )

    @admin.display(description=_("time"), ordering="at")
    def local_time(self, entry):
        return format_datetime(entry.at)

    @admin.display(description=_("actor"), ordering="actor_label")
    def actor_name(self, entry):
        return entry.actor_label or _("System")


@admin.register(AuditAnchor)
class AuditAnchorAdmin(ReadOnlyAdmin):
    list_display = ("id", "local_time", "entries_count", "last_entry_id", "hash")
    list_filter = ("created_at",)
    ordering = ("-id",)
    fields = (
        "created_at",
        "entries_count",
        "last_entry_id",
        "root_hash",
        "prev_anchor_hash",
        "hash",
        "heads",
    )

    @admin.display(description=_("created at"), ordering="created_at")
    def local_time(self, anchor):
        return format_datetime(anchor.created_at)
