from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.units.models import Level


class UnitSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or code"),
        required=False,
        max_length=100,
        help_text=_("Accents are optional: “my tho” finds “Phường Mỹ Tho”."),
    )
    level = forms.TypedChoiceField(
        label=_("Level"),
        required=False,
        choices=[("", _("All levels")), *Level.choices],
        coerce=int,
        empty_value=None,
    )
