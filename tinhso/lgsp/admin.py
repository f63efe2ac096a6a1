"""The integration platform in the admin: members are admitted and grants revoked through the
actions (audited); the rest is read here and changed on the pages, which call the actions."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from tinhso.lgsp import actions
from tinhso.lgsp.models import AccessRequest, Exchange, Grant, Member, Service, Subsystem


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["code", "member_class", "name", "agency"]
    search_fields = ["code", "name"]
    fields = ["member_class", "code", "name", "agency"]
    autocomplete_fields = ["agency"]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            saved = actions.register_member(
                request.user, data["member_class"], data["code"], data["name"], data["agency"], request
            )
        except (ValidationError, PermissionDenied) as error:
            raise PermissionDenied(str(error)) from error
        obj.pk = saved.pk


@admin.register(Subsystem)
class SubsystemAdmin(ReadOnlyAdmin):
    list_display = ["code", "member", "name", "key_algorithm", "tls_fingerprint"]
    search_fields = ["code", "name", "member__code"]


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "subsystem", "classification", "is_active"]
    search_fields = ["code", "title"]


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyAdmin):
    list_display = ["client", "status", "requested_at", "decided_at"]
    list_filter = ["status"]


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdmin):
    list_display = ["client", "endpoint", "expires_at", "revoked_at"]
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected grants"))
    def revoke(self, request, queryset):
        for grant in queryset.filter(revoked_at__isnull=True):
            try:
                actions.revoke_grant(request.user, grant, request)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, str(error), messages.ERROR)


@admin.register(Exchange)
class ExchangeAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "request_in_ts", "client", "service", "method", "status_code", "fault_code"]
    list_filter = ["succeeded", "service_code"]
    search_fields = ["message_id", "client", "issue"]
