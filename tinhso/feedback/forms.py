from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tinhso.agencies.models import Agency
from tinhso.feedback.actions import province_communes
from tinhso.feedback.models import DESCRIPTION_MAX_LENGTH, Category


def add_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put an action's ValidationError on the form's fields (or on the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class ReportForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("What is the problem?"),
        queryset=Category.objects.filter(is_active=True),
        empty_label=_("Choose…"),
    )
    description = forms.CharField(
        label=_("Describe the problem"),
        help_text=format_lazy(_("At most {limit} characters."), limit=DESCRIPTION_MAX_LENGTH),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    latitude = forms.CharField(
        label=_("Latitude"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    longitude = forms.CharField(
        label=_("Longitude"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    address = forms.CharField(
        label=_("Address or place"),
        required=False,
        help_text=_("House number, street, hamlet; needed when there is no map pin."),
    )
    commune = forms.ModelChoiceField(
        label=_("Commune or ward"),
        queryset=province_communes().order_by("name_folded"),
        empty_label=_("Choose…"),
    )
    anonymous = forms.BooleanField(
        label=_("Stay anonymous (the agency does not see my name and contact details)"), required=False
    )
    contact_name = forms.CharField(label=_("Your name"), required=False, max_length=200)
    contact_phone = forms.CharField(label=_("Your phone number"), required=False, max_length=20)
    contact_email = forms.CharField(label=_("Your email (to be told of the answer)"), required=False)
    confirm_new = forms.BooleanField(required=False, widget=forms.HiddenInput)
    confirm_commune = forms.BooleanField(
        label=_("The place is in the commune or ward I chose"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = province_communes().order_by("name_folded")
        self.fields["commune"].error_messages["required"] = _("Choose the commune or ward.")
        self.fields["category"].error_messages["required"] = _("Choose a category.")
        self.fields["description"].error_messages["required"] = _("Describe the problem.")


class AgencyChoiceForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("Responsible agency"), queryset=Agency.objects.none())
    note = forms.CharField(
        label=_("Note or reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.valid_on().order_by("path")


class TextForm(forms.Form):
    text = forms.CharField(label=_("Answer to the citizen"), widget=forms.Textarea(attrs={"rows": 6}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class PublicTextForm(forms.Form):
    public_description = forms.CharField(
        label=_("Text to publish (remove names, phone numbers, addresses of people)"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    published = forms.BooleanField(label=_("Published"), required=False)


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("How satisfied are you with the answer?"),
        choices=[
            (5, _("5 — very satisfied")),
            (4, _("4 — satisfied")),
            (3, _("3 — acceptable")),
            (2, _("2 — not satisfied")),
            (1, _("1 — not satisfied at all")),
        ],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), required=False, empty_label=_("All")
    )
    commune = forms.ModelChoiceField(
        label=_("Commune or ward"), queryset=province_communes(), required=False, empty_label=_("All")
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("open", _("Being handled")), ("answered", _("Answered"))],
    )
    date_from = forms.DateField(label=_("From (dd/mm/yyyy)"), required=False)
    date_to = forms.DateField(label=_("To (dd/mm/yyyy)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = province_communes().order_by("name_folded")
