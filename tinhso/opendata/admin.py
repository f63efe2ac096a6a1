"""The open-data catalogue in the administration: creating and describing datasets, through the
actions (``tinhso.opendata.actions``); refreshing, publishing and withdrawing as admin actions."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tinhso.accounts.models import Role
from tinhso.accounts.permissions import agency_ids_in_scope, can, is_province_admin
from tinhso.agencies.models import Agency
from tinhso.opendata import actions
from tinhso.opendata.models import Dataset
from tinhso.opendata.sources import SOURCES

EDITABLE = ("title", "title_en", "notes", "notes_en", "license_id", "frequency", "tags")


class DatasetForm(forms.ModelForm):
    tags = forms.CharField(label=_("keywords"), required=False, help_text=_("Separated by commas."))

    class Meta:
        model = Dataset
        fields = (
            "organization",
            "name",
            "title",
            "title_en",
            "notes",
            "notes_en",
            "license_id",
            "frequency",
            "tags",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["tags"] = ", ".join(self.instance.tags)

    def clean_tags(self):
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    form = DatasetForm
    list_display = ("name", "title", "organization", "source", "is_published", "modified_at")
    list_filter = ("is_published", "source")
    search_fields = ("name", "title")
    actions = ("refresh", "publish", "withdraw")

    def has_module_permission(self, request):
        return can(request.user, "opendata.manage")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "opendata.manage", obj.organization if obj else None)

    def has_add_permission(self, request):
        return can(request.user, "opendata.manage")

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        """Province administrators see every dataset; an agency's managers those of their agencies."""
        datasets = super().get_queryset(request).select_related("organization")
        if is_province_admin(request.user):
            return datasets
        return datasets.filter(
            organization__in=agency_ids_in_scope(request.user, Role.AGENCY_ADMIN, Role.LEADER)
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization" and not is_province_admin(request.user):
            scope = agency_ids_in_scope(request.user, Role.AGENCY_ADMIN, Role.LEADER)
            kwargs["queryset"] = Agency.objects.valid_on().filter(pk__in=scope).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        return EDITABLE if obj else ("organization", "source", "name", *EDITABLE)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is None:
            form.base_fields["source"] = forms.ChoiceField(
                label=_("source"), choices=[(key, source.title) for key, source in SOURCES.items()]
            )
        return form

    def save_model(self, request, obj, form, change):
        fields = {field: form.cleaned_data[field] for field in EDITABLE if field in form.cleaned_data}
        if change:
            actions.update_dataset(request.user, obj, request=request, **fields)
        else:
            created = actions.create_dataset(
                request.user,
                organization=form.cleaned_data["organization"],
                source=form.cleaned_data["source"],
                name=form.cleaned_data["name"],
                request=request,
                **fields,
            )
            obj.pk = created.pk

    def _each(self, request, queryset, action, done):
        for dataset in queryset:
            try:
                action(dataset)
            except ValidationError as error:
                self.message_user(request, f"{dataset.name}: {' '.join(error.messages)}", messages.ERROR)
        self.message_user(request, done)

    @admin.action(description=_("Refresh the data now"))
    def refresh(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda dataset: actions.refresh_dataset(request.user, dataset, request=request),
            _("Refreshed."),
        )

    @admin.action(description=_("Publish"))
    def publish(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda dataset: actions.set_published(request.user, dataset, True, request=request),
            _("Done."),
        )

    @admin.action(description=_("Withdraw from publication"))
    def withdraw(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda dataset: actions.set_published(request.user, dataset, False, request=request),
            _("Done."),
        )
