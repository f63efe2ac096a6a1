import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.lgsp.models import Endpoint, Subsystem


class AccessRequestForm(forms.Form):
    client = forms.ModelChoiceField(Subsystem.objects.none(), label=_("Your system"))
    endpoints = forms.ModelMultipleChoiceField(
        Endpoint.objects.none(), label=_("Endpoints"), widget=forms.CheckboxSelectMultiple
    )
    purpose = forms.CharField(
        label=_("Purpose and legal basis of the use"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, clients, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients
        self.fields["endpoints"].queryset = service.endpoints.all()


class ApproveForm(forms.Form):
    expires_on = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False)

    def expires_at(self) -> datetime.datetime:
        day = self.cleaned_data["expires_on"]
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


class RejectForm(forms.Form):
    note = forms.CharField(label=_("Reason"))
