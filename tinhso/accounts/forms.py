"""Sign-in and two-step verification forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.accounts import signin
from tinhso.accounts.models import CodeChannel, UserKind
from tinhso.accounts.validators import normalize_phone
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


# A one-time code field: the phone offers the code it received and a digit keyboard.
ONE_TIME_CODE_ATTRS = {"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": r"[0-9 ]*"}


def six_digits(value: str, message: str) -> str:
    """``value`` without spaces when it is 6 digits, else a form error saying ``message``."""
    code = value.replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        raise forms.ValidationError(message, code="format")
    return code


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        help_text=_("The 6-digit code shown by your authenticator app."),
        max_length=10,
        widget=forms.TextInput(attrs=ONE_TIME_CODE_ATTRS),
    )

    def clean_code(self):
        return six_digits(self.cleaned_data["code"], _("Enter the 6 digits shown by your app."))


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


class RegistrationForm(forms.Form):
    """Self-registration of a citizen (``kind`` citizen: CCCD and date of birth) or a business
    (tax code); checked again by ``actions.start_registration``."""

    identifier = forms.CharField(
        label=_("Citizen ID (CCCD) number"),
        help_text=_("The 12 digits on your citizen ID card. You will sign in with it."),
        max_length=20,
        error_messages={"required": _("Enter your citizen ID (CCCD) number.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}),
    )
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=200,
        error_messages={"required": _("Enter your full name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        help_text=_("For example 08/03/1995."),
        error_messages={
            "required": _("Enter your date of birth."),
            "invalid": _("Enter the date of birth as day/month/year, for example 08/03/1995."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "bday", "inputmode": "numeric"}),
    )
    phone = forms.CharField(
        label=_("Mobile phone (optional)"),
        help_text=_("We send a 6-digit code to this number. Without a phone, give an e-mail address."),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail address (optional)"),
        help_text=_("If you give no phone number, we send the code here."),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Choose a password"),
        help_text=_("At least 10 characters, not only digits, not like your name or number."),
        strip=False,
        error_messages={"required": _("Choose a password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        error_messages={"required": _("Type the password again.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the province processes my citizen ID number, name, date of birth and "
            "contact details to manage my account, to handle my dossiers and to send me news of them."
        ),
        error_messages={"required": _("To register you must agree to the processing of your personal data.")},
    )

    def __init__(self, *args, kind=UserKind.CITIZEN, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == UserKind.BUSINESS:
            del self.fields["date_of_birth"]
            self.fields["identifier"].label = _("Tax code")
            self.fields["identifier"].error_messages["required"] = _("Enter the tax code.")
            self.fields["full_name"].error_messages["required"] = _("Enter the name of the business.")
            self.fields["identifier"].help_text = _(
                "10 digits, or 13 for a branch (0123456789-001). You will sign in with it."
            )
            self.fields["full_name"].label = _("Name of the business or organisation")
            self.fields["full_name"].widget.attrs["autocomplete"] = "organization"
            self.fields["consent"].label = _(
                "I agree that the province processes the tax code, name and contact details given "
                "to manage this account, to handle its dossiers and to send news of them."
            )

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        return normalize_phone(phone) if phone.strip() else ""

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("phone") or cleaned.get("email")) and "phone" not in self.errors:
            self.add_error("phone", _("Give a mobile phone number or an e-mail address."))
        if (
            cleaned.get("password")
            and cleaned.get("password_again") is not None
            and cleaned["password"] != cleaned["password_again"]
        ):
            self.add_error("password_again", _("The two passwords are not the same."))
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Confirmation code"),
        help_text=_("The 6 digits we sent you."),
        max_length=10,
        error_messages={"required": _("Enter the 6 digits we sent you.")},
        widget=forms.TextInput(attrs=ONE_TIME_CODE_ATTRS),
    )

    def clean_code(self):
        return six_digits(self.cleaned_data["code"], _("Enter the 6 digits we sent you."))


class ForgotPasswordForm(forms.Form):
    username = forms.CharField(
        label=_("Username or citizen ID number"),
        max_length=150,
        error_messages={"required": _("Enter your citizen ID number or username.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    channel = forms.ChoiceField(
        label=_("How do you want to reset your password?"),
        choices=[
            (CodeChannel.SMS, _("A code by text message to my mobile phone")),
            (CodeChannel.EMAIL, _("A link by e-mail")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how to receive the code.")},
    )


class NewPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("New password"),
        help_text=_("At least 10 characters, not only digits, not like your name or number."),
        strip=False,
        error_messages={"required": _("Choose a password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Type the password again"),
        strip=False,
        error_messages={"required": _("Type the password again.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("The two passwords are not the same."))
        return cleaned
