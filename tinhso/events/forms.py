from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.agencies.models import Agency
from tinhso.events.feed import EVENT_TYPES


class SubscriptionForm(forms.Form):
    """What a province administrator enters; ``tinhso.events.actions`` checks it (the address
    above all) and saves it."""

    name = forms.CharField(label=_("name"), max_length=120)
    url = forms.CharField(
        label=_("address"),
        max_length=500,
        help_text=_("A public https address of the receiving system; the platform POSTs the events there."),
    )
    event_types = forms.MultipleChoiceField(
        label=_("event types"),
        choices=[(t, t) for t in EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every type."),
    )
    agency = forms.ModelChoiceField(
        label=_("agency"),
        queryset=Agency.objects.order_by("code"),
        required=False,
        help_text=_("Only the events of this agency; empty: every agency."),
    )
    is_active = forms.BooleanField(label=_("active"), required=False, initial=True)
