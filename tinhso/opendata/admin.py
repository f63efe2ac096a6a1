"""The open-data catalogue in the administration: creating and describing datasets, through the
actions (``tinhso.opendata.actions``); refreshing, publishing and withdrawing as admin actions."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tinhso.opendata import actions
from tinhso.opendata.models import Dataset
from tinhso.opendata.sources import SOURCES

EDITABLE = ("title", "title_en", "notes", "notes_en", "license_id", "frequency", "tags")


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "organization", "source", "is_published", "modified_at")
    list_filter = ("is_published", "source")
    search_fields = ("name", "title")
    actions = ("refresh", "publish", "withdraw")

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

    def has_delete_permission(self, request, obj=None):
        return False

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
