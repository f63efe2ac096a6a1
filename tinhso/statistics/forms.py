import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.procedures.models import Field, Procedure

DATE_FORMAT = "%d/%m/%Y"


class ReportForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Agency"), queryset=None, required=False, empty_label=_("The whole province")
    )
    include_children = forms.BooleanField(label=_("Include its subordinate agencies"), required=False)
    field = forms.ModelChoiceField(
        label=_("Field"), queryset=Field.objects.order_by("name"), required=False, empty_label=_("All fields")
    )
    # Any procedure is accepted (the operations centre links to one without its field), but the
    # list offers those of the chosen field only: a province's catalogue holds about two thousand,
    # too many for one list (and for the page: 160 KB and 0.6 s to draw them all).
    procedure = forms.ModelChoiceField(
        label=_("Procedure"),
        queryset=Procedure.objects.order_by("name"),
        required=False,
        empty_label=_("All procedures"),
        help_text=_("Choose a field first, then one of its procedures."),
    )
    date_from = forms.DateField(
        label=_("From date"), input_formats=[DATE_FORMAT], help_text=_("dd/mm/yyyy, e.g. 01/01/2026")
    )
    date_to = forms.DateField(
        label=_("To date"), input_formats=[DATE_FORMAT], help_text=_("dd/mm/yyyy, e.g. 31/12/2026")
    )

    def __init__(self, *args, agencies, province_wide: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.province_wide = province_wide
        self.agencies = agencies
        self.fields["agency"].queryset = agencies.order_by("name", "pk")
        self.fields["agency"].required = not province_wide
        self.fields["procedure"].widget.choices = self._procedures_offered()
        for name in ("date_from", "date_to"):
            self.fields[name].widget.format = DATE_FORMAT
        today = timezone.localdate()
        self.initial.setdefault("date_from", today.replace(month=1, day=1))
        self.initial.setdefault("date_to", today)
        self.initial.setdefault("include_children", True)

    def _chosen(self, name: str):
        """The field or procedure the form was given, None when none or a wrong one."""
        try:
            return self.fields[name].clean(self.data.get(name) if self.is_bound else self.initial.get(name))
        except ValidationError:
            return None

    def _procedures_offered(self) -> list[tuple[object, str]]:
        """The procedure list: the chosen field's procedures, and the chosen procedure."""
        field, procedure = self._chosen("field"), self._chosen("procedure")
        offered = field.procedures.order_by("name") if field is not None else Procedure.objects.none()
        if procedure is not None:
            offered = offered | Procedure.objects.filter(pk=procedure.pk)
        return [("", self.fields["procedure"].empty_label or ""), *offered.values_list("pk", "name")]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period must not be before its start."))
        if start and end and (end - start) > datetime.timedelta(days=3660):
            self.add_error("date_from", _("Choose a period of at most ten years."))
        procedure, field = data.get("procedure"), data.get("field")
        if procedure and field and procedure.field_id != field.pk:
            self.add_error("procedure", _("This procedure is not in the chosen field."))
        return data
