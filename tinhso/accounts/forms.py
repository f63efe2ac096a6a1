"""Sign-in and two-step verification forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.accounts import signin
from tinhso.core.text import format_datetime


class SignInForm(forms.Form):
    username = forms.CharField(
        label=_("Username or citizen ID number"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid": _("The username or password is incorrect."),
        "locked": _(
            "This account is temporarily locked after too many failed sign-in attempts. "
            "Try again after %(time)s."
        ),
        "throttled": _("Too many failed sign-in attempts from this connection. Try again after %(time)s."),
    }

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        result = signin.check_password(cleaned["username"], cleaned["password"], self.request)
        if result.status in (signin.LOCKED, signin.THROTTLED):
            raise forms.ValidationError(
                self.error_messages[result.status],
                code=result.status,
                params={"time": format_datetime(result.locked_until)},
            )
        if not result.ok:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        self.user = result.user
        return cleaned


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        help_text=_("The 6-digit code shown by your authenticator app."),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": r"[0-9 ]*"}
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if not (len(code) == 6 and code.isdigit()):
            raise forms.ValidationError(_("Enter the 6 digits shown by your app."), code="format")
        return code


class SecondFactorForm(forms.Form):
    """The code at sign-in: from the authenticator app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Verification code"),
        help_text=_("The 6-digit code shown by your authenticator app, or one of your recovery codes."),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if (len(code) == 6 and code.isdigit()) or signin.normalise_recovery_code(code):
            return code
        raise forms.ValidationError(_("Enter the 6 digits shown by your app."), code="format")


class TotpEnrolForm(TotpCodeForm):
    """Setting up the authenticator; officers also give the enrolment code from their administrator."""

    enrolment_code = forms.CharField(
        label=_("Enrolment code"),
        help_text=_("The one-time code your agency administrator gave you, e.g. ABCD-EFGH-JKLM."),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, needs_enrolment_code=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_enrolment_code:
            del self.fields["enrolment_code"]
