"""Configuration of the operations centre for province administrators: targets, entered values,
indicator thresholds and wallboard links, every save through ``tinhso.ioc.actions``."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.permissions import can
from tinhso.ioc import actions, indicators, measures
from tinhso.ioc.models import EnteredValue, Target, Threshold, WallboardLink
from tinhso.ioc.wallboard import token_for


class ConfigurePermissionMixin:
    """Only those who configure the centre see these screens; nothing is deleted (a target is
    hidden, a link revoked)."""

    def has_module_permission(self, request):
        return can(request.user, "ioc.configure")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "ioc.configure", obj)

    def has_add_permission(self, request, *args):
        return can(request.user, "ioc.configure")

    def has_change_permission(self, request, obj=None):
        return can(request.user, "ioc.configure", obj)

    def has_delete_permission(self, request, obj=None):
        return False


class TargetForm(forms.ModelForm):
    measure = forms.ChoiceField(label=_("measure"), choices=[("", "—"), *measures.CHOICES], required=False)

    class Meta:
        model = Target
        fields = list(actions.TARGET_FIELDS)


@admin.register(Target)
class TargetAdmin(ConfigurePermissionMixin, admin.ModelAdmin):
    form = TargetForm
    list_display = ["name", "kind", "measure", "target_value", "target_date", "is_active"]

    def save_model(self, request, obj, form, change):
        actions.save_target(request.user, obj, request=request)


class EnteredValueForm(forms.ModelForm):
    target = forms.ModelChoiceField(
        label=_("target"), queryset=Target.objects.filter(kind=Target.Kind.ENTERED)
    )

    class Meta:
        model = EnteredValue
        fields = ["target", "value", "as_of", "source"]

    def clean(self):
        data = super().clean()
        if not self.errors:
            actions.validate_entered(data["target"], data["value"], data["as_of"], data["source"])
        return data


@admin.register(EnteredValue)
class EnteredValueAdmin(ConfigurePermissionMixin, admin.ModelAdmin):
    form = EnteredValueForm
    list_display = ["target", "value", "as_of", "source", "entered_by"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        entered = actions.enter_value(
            request.user, data["target"], data["value"], data["as_of"], data["source"], request=request
        )
        obj.pk = entered.pk


class ThresholdForm(forms.ModelForm):
    indicator = forms.ChoiceField(
        label=_("indicator"), choices=[(i.key, i.title) for i in indicators.BY_KEY.values()]
    )

    class Meta:
        model = Threshold
        fields = ["indicator", "amber", "red"]

    def clean(self):
        data = super().clean()
        if not self.errors:
            actions.validate_levels(data["indicator"], data["amber"], data["red"])
        return data


@admin.register(Threshold)
class ThresholdAdmin(ConfigurePermissionMixin, admin.ModelAdmin):
    form = ThresholdForm
    list_display = ["indicator", "amber", "red", "updated_at"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        threshold = actions.set_threshold(
            request.user, data["indicator"], data["amber"], data["red"], request
        )
        obj.pk = threshold.pk


class WallboardLinkForm(forms.ModelForm):
    days = forms.IntegerField(
        label=_("valid for (days)"), min_value=1, max_value=actions.MAX_LINK_DAYS, initial=90
    )

    class Meta:
        model = WallboardLink
        fields = ["name", "agency", "rotate_seconds", "stale_minutes"]


@admin.register(WallboardLink)
class WallboardLinkAdmin(ConfigurePermissionMixin, admin.ModelAdmin):
    list_display = ["name", "agency", "expires_at", "revoked_at", "address"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = WallboardLinkForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "agency", "days", "rotate_seconds", "stale_minutes"]
        return ["name", "agency", "expires_at", "revoked_at", "address"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    @admin.display(description=_("address for the screen"))
    def address(self, obj):
        if not obj.is_valid():
            return "—"
        url = reverse("ioc:wall", args=[token_for(obj)])
        return format_html('<a href="{}">{}</a>', url, url)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        link = actions.issue_wallboard_link(
            request.user,
            data["name"],
            data["agency"],
            data["days"],
            data["rotate_seconds"],
            data["stale_minutes"],
            request=request,
        )
        obj.pk = link.pk
        messages.info(
            request,
            gettext("Open this address on the screen: %(url)s")
            % {"url": request.build_absolute_uri(reverse("ioc:wall", args=[token_for(link)]))},
        )

    @admin.action(description=_("Revoke the selected links"))
    def revoke(self, request, queryset):
        for link in queryset.filter(revoked_at__isnull=True):
            actions.revoke_wallboard_link(request.user, link, request=request)
