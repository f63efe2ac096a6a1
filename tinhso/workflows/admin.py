"""Flows in the admin, for province administrators only. A version is edited with its states
and actions inline; saving a version checks the whole flow and refuses it (nothing saved) when
it is invalid; published versions are read-only and a new version is made by an admin action.
Every write goes through the workflows' actions, which audit it."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.permissions import is_province_admin
from tinhso.workflows.actions import (
    delete_draft,
    delete_flow,
    edit_draft,
    new_version,
    publish_version,
    save_flow,
)
from tinhso.workflows.models import Action, Flow, FlowVersion, State


class ProvinceAdminOnly:
    def has_module_permission(self, request):
        return is_province_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_province_admin(request.user)

    def has_add_permission(self, request, obj=None):
        return is_province_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_province_admin(request.user) and not getattr(obj, "is_published", False)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class StateInline(ProvinceAdminOnly, admin.TabularInline):
    model = State
    extra = 0


class ActionInline(ProvinceAdminOnly, admin.StackedInline):
    model = Action
    extra = 0
    fk_name = "version"


class FlowVersionInline(admin.TabularInline):
    model = FlowVersion
    extra = 0
    fields = ["number", "is_published", "published_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class InvalidFlow(Exception):
    def __init__(self, messages_):
        self.messages = messages_


@admin.register(Flow)
class FlowAdmin(ProvinceAdminOnly, admin.ModelAdmin):
    list_display = ["name", "procedure", "is_default"]
    search_fields = ["name", "key", "procedure__code"]
    autocomplete_fields = ["procedure"]
    inlines = [FlowVersionInline]
    actions = ["make_new_version"]

    def has_change_permission(self, request, obj=None):
        return is_province_admin(request.user)

    def save_model(self, request, obj, form, change):
        save_flow(request.user, obj, form.changed_data, request)

    def delete_model(self, request, obj):
        try:
            delete_flow(request.user, obj, request)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    def delete_queryset(self, request, queryset):
        for flow in queryset:
            self.delete_model(request, flow)

    @admin.action(description=_("Create a new draft version"))
    def make_new_version(self, request, queryset):
        for flow in queryset:
            new_version(request.user, flow)
        self.message_user(request, _("New draft versions created."))


@admin.register(FlowVersion)
class FlowVersionAdmin(ProvinceAdminOnly, admin.ModelAdmin):
    list_display = ["flow", "number", "is_published", "published_at"]
    list_filter = ["is_published"]
    readonly_fields = ["is_published", "published_at"]
    inlines = [StateInline, ActionInline]
    actions = ["publish"]

    def save_model(self, request, obj, form, change):
        """Saved with its states and actions by ``edit_draft`` in ``save_related``."""

    def save_related(self, request, form, formsets, change):
        def save():
            form.instance.save()
            super(FlowVersionAdmin, self).save_related(request, form, formsets, change)

        try:
            edit_draft(request.user, form.instance, save, request)
        except ValidationError as error:
            raise InvalidFlow(error.messages) from error

    def delete_model(self, request, obj):
        try:
            delete_draft(request.user, obj, request)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    def delete_queryset(self, request, queryset):
        for version in queryset:
            self.delete_model(request, version)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except InvalidFlow as error:
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
            self.message_user(request, _("The flow was not saved."), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description=_("Publish the selected versions"))
    def publish(self, request, queryset):
        for version in queryset:
            try:
                publish_version(request.user, version)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, f"{version}: {message}", messages.ERROR)
            else:
                self.message_user(request, _("%(version)s published.") % {"version": version})
