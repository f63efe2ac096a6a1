"""Forms of the payment pages."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tinhso.procedures.fees import MAX_QUANTITY, asks_quantity, exemption
from tinhso.procedures.models import FeeKind


class FeeChoiceForm(forms.Form):
    """The applicant's quantities (per-unit fees) and cases (fees that depend on the case); a fee
    the e-form ``answers`` exempt from is not asked again."""

    def __init__(self, procedure, *args, answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.per_unit = {}
        self.by_option = {}
        for fee in procedure.fees.all():
            if exemption(fee, answers):
                continue
            if asks_quantity(fee):
                name = f"quantity_{fee.pk}"
                self.fields[name] = forms.IntegerField(
                    label=_("%(fee)s: number of %(unit)s") % {"fee": fee.name, "unit": fee.unit},
                    min_value=1,
                    max_value=MAX_QUANTITY,
                    initial=1,
                )
                self.per_unit[name] = fee.pk
            elif fee.kind == FeeKind.BY_OPTION and fee.amount:
                name = f"option_{fee.pk}"
                self.fields[name] = forms.BooleanField(label=fee.name, required=False, help_text=fee.note)
                self.by_option[name] = fee.pk

    def quantities(self) -> dict[int, int]:
        return {fee_id: self.cleaned_data[name] for name, fee_id in self.per_unit.items()}

    def options(self) -> set[int]:
        return {fee_id for name, fee_id in self.by_option.items() if self.cleaned_data.get(name)}


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From (dd/mm/yyyy)"))
    date_to = forms.DateField(label=_("To (dd/mm/yyyy)"))

    MAX_DAYS = 366

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to:
            if date_to < date_from:
                raise ValidationError(_("The end date cannot be before the start date."))
            if date_to - date_from > datetime.timedelta(days=self.MAX_DAYS):
                raise ValidationError(_("Reconcile at most one year at a time."))
        return cleaned
