from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.dossiers.actions import MAX_NOTE, MAX_RATING_COMMENT


def error_list(form) -> list[dict]:
    """A Django form's errors for the error summary: links to the fields."""
    items = [{"href": "", "text": error} for error in form.non_field_errors()]
    for field in form:
        # A group of radios has no single input to label: link to its fieldset.
        anchor = field.id_for_label or field.auto_id
        items += [{"href": f"#{anchor}", "text": error} for error in field.errors]
    return items


class StartForm(forms.Form):
    receiving_agency = forms.ModelChoiceField(
        queryset=None,
        label=_("Where do you want to submit the dossier?"),
        empty_label=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose where to submit the dossier."),
            "invalid_choice": _("Choose an agency from the list."),
        },
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["receiving_agency"]
        if len(agencies) > 8:
            # A long list (a commune procedure: every desk of the province) is a drop-down. The
            # widget is swapped before the queryset is set: setting it fills the widget's choices.
            field.widget = forms.Select()
            field.empty_label = _("— choose —")
        field.queryset = agencies


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Upload a file"), required=False, help_text=_("PDF, JPEG or PNG."))
    reuse = forms.ModelChoiceField(
        queryset=None,
        label=_("Or use a document from your document store"),
        required=False,
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reuse"].queryset = documents
        self.fields["reuse"].label_from_instance = lambda doc: doc.title

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("reuse") and not self.errors:
            raise forms.ValidationError(_("Choose a file to upload or a document from your store."))
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw the dossier?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_NOTE,
        error_messages={"required": _("Say why you withdraw the dossier.")},
    )


class SupplementForm(forms.Form):
    file_1 = forms.FileField(label=_("File 1"), required=False)
    file_2 = forms.FileField(label=_("File 2"), required=False)
    file_3 = forms.FileField(label=_("File 3"), required=False)
    reuse = forms.ModelMultipleChoiceField(
        queryset=None,
        label=_("Documents from your document store"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Your answer (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=MAX_NOTE,
    )

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reuse"].queryset = documents
        self.fields["reuse"].label_from_instance = lambda doc: doc.title

    def files_and_documents(self) -> list:
        data = self.cleaned_data
        uploads = [data[name] for name in ("file_1", "file_2", "file_3") if data.get(name)]
        return uploads + list(data.get("reuse") or [])


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Dossier code or submission reference"),
        max_length=60,
        help_text=_(
            "The dossier code written on your receipt, e.g. H20.04-261122-0001, or the submission "
            "reference you were given when submitting online, e.g. 7KQ4-M2XD-9TBA."
        ),
        error_messages={"required": _("Enter the dossier code or the submission reference.")},
    )
    factor = forms.CharField(
        label=_("Phone number or last digits of the citizen ID"),
        max_length=20,
        help_text=_(
            "The applicant's mobile phone number, or at least the last 4 digits of their citizen ID."
        ),
        error_messages={"required": _("Enter the phone number or the last digits of the citizen ID.")},
    )


class RatingForm(forms.Form):
    stars = forms.TypedChoiceField(
        label=_("How satisfied are you with how your dossier was handled?"),
        choices=[
            (5, _("5 stars — very satisfied")),
            (4, _("4 stars — satisfied")),
            (3, _("3 stars — neither satisfied nor dissatisfied")),
            (2, _("2 stars — dissatisfied")),
            (1, _("1 star — very dissatisfied")),
        ],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a rating from 1 to 5 stars."),
            "invalid_choice": _("Choose a rating from 1 to 5 stars."),
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=MAX_RATING_COMMENT,
        error_messages={"max_length": _("Write at most %(limit_value)s characters.")},
    )
