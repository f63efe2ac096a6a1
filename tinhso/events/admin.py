"""The webhooks in the administration, for province administrators: subscriptions and deliveries
to look at, and "send again" for dead letters (through ``tinhso.events.actions``). Subscriptions
are created and changed on their pages (/su-kien/webhook/), which show a new secret once."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tinhso.accounts.permissions import can
from tinhso.events import actions as event_actions
from tinhso.events.models import Delivery, Subscription


class ManagePermissionMixin:
    """Seen by those who manage webhooks; nothing is added, changed or deleted here."""

    def has_module_permission(self, request):
        return can(request.user, "events.manage")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "events.manage", obj)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ManagePermissionMixin, admin.ModelAdmin):
    list_display = ["name", "url", "agency", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    exclude = ["created_by"]


@admin.register(Delivery)
class DeliveryAdmin(ManagePermissionMixin, admin.ModelAdmin):
    list_display = [
        "subscription",
        "entry",
        "event_type",
        "state",
        "attempts",
        "last_status",
        "next_attempt_at",
    ]
    list_filter = ["state", "subscription"]
    actions = ["resend"]

    @admin.action(description=_("Send the chosen dead letters again"))
    def resend(self, request, queryset):
        done = 0
        for delivery in queryset.filter(state=Delivery.State.DEAD).select_related("subscription"):
            try:
                event_actions.resend(request.user, delivery, request=request)
            except ValidationError:
                continue
            done += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery will be sent again.", "%(count)d deliveries will be sent again.", done
            )
            % {"count": done},
            messages.SUCCESS,
        )

    def get_actions(self, request):
        found = super().get_actions(request)
        if not can(request.user, "events.manage"):
            found.pop("resend", None)
        return found
