"""Administration of accounts, memberships and API tokens, for province administrators.

Access follows the platform's permission layer (``is_province_admin``), not Django's model
permissions; forms validate CCCD, phone and tax code through ``User.clean``; every change is
audited.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tinhso.accounts import actions
from tinhso.accounts.models import ApiToken, ExternalIdentity, Membership, User
from tinhso.accounts.permissions import is_province_admin
from tinhso.audit.services import record, record_personal_data_read


class ProvinceAdminMixin:
    """Only superusers and province administrators see and change these objects."""

    def has_module_permission(self, request):
        return is_province_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_province_admin(request.user)

    def has_add_permission(self, request, *args):
        return is_province_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_province_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_province_admin(request.user)


class AuditedAdminMixin:
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        action = "accounts.admin_change" if change else "accounts.admin_create"
        record(request.user, action, obj, {"fields": sorted(form.changed_data)}, request)

    def delete_model(self, request, obj):
        record(request.user, "accounts.admin_delete", obj, {"label": str(obj)}, request)
        super().delete_model(request, obj)


# What an account's admin page shows of the person.
ADMIN_READ_FIELDS = ["full_name", "cccd", "date_of_birth", "gender", "phone", "email", "tax_code"]


class AccountCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("username", "full_name", "kind")


class AccountChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(form.has_changed() and not self._should_delete_form(form) for form in self.forms):
            actions.check_may_hold_membership(self.instance)


def save_membership(request, membership: Membership, change: bool) -> Membership:
    """An admin form's membership, saved through the accounts actions."""
    if change:
        return actions.change_membership(request.user, membership, request)
    return actions.add_membership(
        request.user,
        membership.user,
        membership.agency,
        membership.role,
        membership.valid_from,
        membership.valid_to,
        request,
    )


class MembershipInline(ProvinceAdminMixin, admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    autocomplete_fields = ["agency"]
    fields = ["agency", "role", "valid_from", "valid_to"]


@admin.register(User)
class UserAdmin(ProvinceAdminMixin, AuditedAdminMixin, BaseUserAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    inlines = [MembershipInline]
    list_display = ["full_name", "display_username", "kind", "is_active", "totp_enabled", "locked_until"]
    list_filter = ["kind", "is_active", "is_staff"]
    search_fields = ["full_name", "username", "email", "phone", "tax_code"]
    ordering = ["full_name"]
    readonly_fields = [
        "last_login",
        "date_joined",
        "totp_confirmed_at",
        "second_factor_failures",
        "locked_until",
    ]
    filter_horizontal = ["groups", "user_permissions"]
    fieldsets = [
        (None, {"fields": ["username", "password", "kind"]}),
        (
            _("Person"),
            {"fields": ["full_name", "cccd", "date_of_birth", "gender", "phone", "email", "tax_code"]},
        ),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (
            _("Sign-in"),
            {
                "fields": [
                    "last_login",
                    "date_joined",
                    "totp_confirmed_at",
                    "second_factor_failures",
                    "locked_until",
                ]
            },
        ),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "full_name", "kind", "usable_password", "password1", "password2"],
            },
        ),
    ]
    actions = ["unlock", "reset_totp", "issue_enrolment_code"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Opening an account's page reads the person's data (Law 91/2025/QH15 art. 4)."""
        response = super().change_view(request, object_id, form_url, extra_context)
        person = self.get_object(request, object_id)
        if request.method == "GET" and person is not None and response.status_code == 200:
            record_personal_data_read(request.user, person, ADMIN_READ_FIELDS, "accounts.admin_view", request)
        return response

    @admin.display(description=_("username"))
    def display_username(self, obj):
        return obj.display_username

    @admin.display(description=_("two-step verification"), boolean=True)
    def totp_enabled(self, obj):
        return obj.totp_enabled

    def save_formset(self, request, form, formset, change):
        """Memberships are added, changed and deleted by the accounts actions (the officer-only
        rule, the overlap check and the audit)."""
        formset.save(commit=False)
        for membership in formset.deleted_objects:
            actions.remove_membership(request.user, membership, request)
        for membership, _fields in formset.changed_objects:
            save_membership(request, membership, change=True)
        for membership in formset.new_objects:
            save_membership(request, membership, change=False)

    @admin.action(description=_("Unlock the selected accounts"))
    def unlock(self, request, queryset):
        users = list(queryset.filter(locked_until__gt=timezone.now()))
        for user in users:
            actions.unlock_account(request.user, user, request)
        self.message_user(
            request, ngettext("%d account unlocked.", "%d accounts unlocked.", len(users)) % len(users)
        )

    @admin.action(description=_("Reset two-step verification (lost phone)"))
    def reset_totp(self, request, queryset):
        users = list(queryset.exclude(totp_confirmed_at=None))
        for user in users:
            actions.reset_second_factor(request.user, user, request)
        self.message_user(
            request,
            ngettext(
                "Two-step verification was reset for %d account: issue an enrolment code to set it up again.",
                "Two-step verification was reset for %d accounts: issue enrolment codes to set it up again.",
                len(users),
            )
            % len(users),
            messages.SUCCESS,
        )

    @admin.action(description=_("Issue a one-time enrolment code for two-step verification"))
    def issue_enrolment_code(self, request, queryset):
        """The codes are shown on the answer page only (not kept in messages or the session)."""
        issued = []
        for user in queryset:
            try:
                issued.append((user, actions.issue_enrolment_code(request.user, user, request)))
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(
                    request, f"{user.display_username}: {' '.join(_messages(exc))}", messages.ERROR
                )
        if not issued:
            return None
        return render(
            request,
            "accounts/enrolment_codes.html",
            {"issued": issued, "hours": settings.ENROLMENT_CODE_HOURS},
        )


def _messages(exc) -> list[str]:
    return exc.messages if isinstance(exc, ValidationError) else [str(exc)]


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "agency", "role", "valid_from", "valid_to"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("user") is not None:
            actions.check_may_hold_membership(cleaned["user"])
        return cleaned


@admin.register(Membership)
class MembershipAdmin(ProvinceAdminMixin, admin.ModelAdmin):
    form = MembershipAdminForm
    list_display = ["user", "agency", "role", "valid_from", "valid_to"]
    list_filter = ["role"]
    search_fields = ["user__full_name", "user__username", "agency__name", "agency__code"]
    autocomplete_fields = ["user", "agency"]
    date_hierarchy = "valid_from"

    def save_model(self, request, obj, form, change):
        # The admin goes on with ``obj`` (its message and redirect): it takes the saved row's key.
        obj.pk = save_membership(request, obj, change).pk

    def delete_model(self, request, obj):
        actions.remove_membership(request.user, obj, request)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("agency"):
            actions.remove_membership(request.user, membership, request)


@admin.register(ApiToken)
class ApiTokenAdmin(ProvinceAdminMixin, admin.ModelAdmin):
    list_display = ["user", "name", "created_at", "expires_at", "last_used_at", "revoked_at"]
    search_fields = ["user__full_name", "user__username", "name"]
    readonly_fields = ["user", "name", "created_at", "expires_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request, *args):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            actions.revoke_api_token(request.user, token, request)
        self.message_user(
            request, ngettext("%d token revoked.", "%d tokens revoked.", len(tokens)) % len(tokens)
        )


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(ProvinceAdminMixin, admin.ModelAdmin):
    list_display = ["user", "provider", "created_at", "last_login_at"]
    list_filter = ["provider"]
    search_fields = ["user__full_name", "user__username"]
    readonly_fields = ["user", "provider", "subject", "created_at", "last_login_at"]

    def has_add_permission(self, request, *args):
        return False
