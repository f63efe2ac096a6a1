from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.procedures.models import Level, OnlineLevel
from tinhso.procedures.search import agencies_with_procedures, fields_in_use


class CatalogueSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or code of the procedure"),
        required=False,
        max_length=200,
        help_text=_("Accents are optional: “dang ky khai sinh” finds “Đăng ký khai sinh”."),
    )
    field = forms.ChoiceField(label=_("Field"), required=False)
    agency = forms.ChoiceField(label=_("Implementing agency"), required=False)
    level = forms.ChoiceField(
        label=_("Level of implementation"), required=False, choices=[("", _("All levels")), *Level.choices]
    )
    online_level = forms.ChoiceField(
        label=_("Online service"), required=False, choices=[("", _("All")), *OnlineLevel.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", _("All fields"))] + [
            (item.code, item.name) for item in fields_in_use()
        ]
        self.fields["agency"].choices = [("", _("All agencies"))] + [
            (agency.code, agency.name) for agency in agencies_with_procedures()
        ]
