import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.procedures.models import Field

MAX_PERIOD_DAYS = 366


class RegisterForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Agency"), queryset=None, error_messages={"required": _("Choose an agency.")}
    )
    field = forms.ModelChoiceField(
        label=_("Field of procedures"),
        queryset=Field.objects.order_by("name"),
        required=False,
        empty_label=_("All fields"),
        help_text=_("The book is kept per field and year; leave empty for every field."),
    )
    start = forms.DateField(
        label=_("From"),
        help_text=_("For example 01/01/2026"),
        error_messages={"required": _("Enter a date.")},
    )
    end = forms.DateField(
        label=_("To"), help_text=_("For example 31/01/2026"), error_messages={"required": _("Enter a date.")}
    )
    format = forms.ChoiceField(
        label=_("File format"), choices=[("pdf", "PDF"), ("xlsx", "Excel (XLSX)")], initial="pdf"
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end date must not be before the start date."))
            elif end - start > datetime.timedelta(days=MAX_PERIOD_DAYS):
                self.add_error("end", _("The period may not be longer than one year."))
        return cleaned
