"""Pages for people on their own: registering an account, resetting a forgotten password.

One thing per page (GOV.UK patterns): the details, then the code, then done. The code rows in
play are kept in the session only; every answer is the same whether an account exists or not.
"""

import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from tinhso.accounts import actions, oidc
from tinhso.accounts.forms import CodeForm, ForgotPasswordForm, NewPasswordForm, RegistrationForm
from tinhso.accounts.models import CodePurpose, OneTimeCode, UserKind
from tinhso.accounts.validators import format_phone

REGISTRATION_KEY = "accounts_registration_code"
RESET_CODE_KEY = "accounts_reset_code"
RESET_VERIFIED_KEY = "accounts_reset_verified"
RESET_LINK_KEY = "accounts_reset_link"
LINK_PLACEHOLDER = "dat-mat-khau"

KINDS = {"ca-nhan": UserKind.CITIZEN, "doanh-nghiep": UserKind.BUSINESS}


def _add_errors(form, exc: ValidationError) -> None:
    """Put an action's errors on the form's fields, or above the form for the others."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _shown_destination(row: OneTimeCode) -> str:
    return format_phone(row.destination) if row.channel == "sms" else row.destination


def privacy_notice(request):
    return render(request, "accounts/privacy_notice.html", {"version": actions.PRIVACY_NOTICE_VERSION})


def registration_open(view):
    """Refuse the registration pages when the province switched self-registration off
    (``settings.SELF_REGISTRATION``): citizens then sign in through the national identity."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.SELF_REGISTRATION:
            context = {"providers": oidc.providers()}
            return render(request, "accounts/registration_closed.html", context, status=403)
        return view(request, *args, **kwargs)

    return wrapped


@registration_open
def register_start(request):
    if request.user.is_authenticated:
        return redirect("accounts:account")
    return render(request, "accounts/register_start.html")


@registration_open
@never_cache
@sensitive_post_parameters("password", "password_again")
def register(request, kind):
    if request.user.is_authenticated:
        return redirect("accounts:account")
    form = RegistrationForm(request.POST or None, kind=KINDS[kind])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = actions.start_registration(
                request.user,
                kind=KINDS[kind],
                identifier=data["identifier"],
                full_name=data["full_name"],
                date_of_birth=data.get("date_of_birth"),
                phone=data["phone"],
                email=data["email"],
                password=data["password"],
                consent=data["consent"],
                request=request,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            request.session[REGISTRATION_KEY] = row.pk
            return redirect("accounts:register_code")
    context = {"form": form, "business": KINDS[kind] == UserKind.BUSINESS}
    return render(request, "accounts/register.html", context, status=400 if form.errors else 200)


def _session_row(request, key, purpose):
    row_id = request.session.get(key)
    if row_id is None:
        return None
    return OneTimeCode.objects.filter(pk=row_id, purpose=purpose).first()


@registration_open
@never_cache
def register_code(request):
    row = _session_row(request, REGISTRATION_KEY, CodePurpose.REGISTER)
    if row is None:
        return redirect("accounts:register_start")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.confirm_registration(row.pk, form.cleaned_data["code"], request)
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            del request.session[REGISTRATION_KEY]
            messages.success(
                request,
                _("Your account is ready. Sign in with %(username)s and your password.")
                % {"username": user.username},
            )
            return redirect("accounts:login")
    context = {
        "form": form,
        "row": row,
        "destination": _shown_destination(row),
        "resend_url": "accounts:register_resend",
    }
    return render(request, "accounts/register_code.html", context, status=400 if form.errors else 200)


def _resend(request, key, purpose, back):
    row = _session_row(request, key, purpose)
    if row is None:
        return redirect("accounts:login")
    try:
        actions.resend_code(row.pk, request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("We sent a new code. The previous one no longer works."))
    return redirect(back)


@registration_open
@require_POST
def register_resend(request):
    return _resend(request, REGISTRATION_KEY, CodePurpose.REGISTER, "accounts:register_code")


@require_POST
def password_resend(request):
    return _resend(request, RESET_CODE_KEY, CodePurpose.RESET, "accounts:password_code")


@never_cache
def password_forgot(request):
    form = ForgotPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = actions.request_password_reset(
                form.cleaned_data["username"], form.cleaned_data["channel"], request
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if row is None:
                return redirect("accounts:password_email_sent")
            request.session[RESET_CODE_KEY] = row.pk
            return redirect("accounts:password_code")
    return render(
        request, "accounts/password_forgot.html", {"form": form}, status=400 if form.errors else 200
    )


def password_email_sent(request):
    return render(request, "accounts/password_email_sent.html")


@never_cache
def password_code(request):
    row = _session_row(request, RESET_CODE_KEY, CodePurpose.RESET)
    if row is None:
        return redirect("accounts:password_forgot")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.verify_reset_code(row.pk, form.cleaned_data["code"], request)
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            del request.session[RESET_CODE_KEY]
            request.session[RESET_VERIFIED_KEY] = row.pk
            return redirect("accounts:password_new")
    context = {"form": form, "resend_url": "accounts:password_resend"}
    return render(request, "accounts/password_code.html", context, status=400 if form.errors else 200)


def _finish_reset(request, form, user, **kwargs):
    try:
        actions.reset_password(user, form.cleaned_data["password"], request, **kwargs)
    except ValidationError as exc:
        _add_errors(form, exc)
        return None
    logout(request)
    messages.success(request, _("Your password was changed. Sign in with your new password."))
    return redirect("accounts:login")


@never_cache
@sensitive_post_parameters("password", "password_again")
def password_new(request):
    """The new password after the SMS code was accepted."""
    row = _session_row(request, RESET_VERIFIED_KEY, CodePurpose.RESET)
    if row is None or row.user is None or row.used_at is not None:
        return redirect("accounts:password_forgot")
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _finish_reset(request, form, row.user, code_row_id=row.pk)
        if done:
            return done
    return render(request, "accounts/password_new.html", {"form": form}, status=400 if form.errors else 200)


def _user_from_uid(uidb64):
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return get_user_model().objects.filter(pk=int(pk), is_active=True).first()
    except (ValueError, TypeError, OverflowError):
        return None


@never_cache
@sensitive_post_parameters("password", "password_again")
def password_reset_link(request, uidb64, token):
    """The link from the e-mail. The token moves into the session and the address loses it
    (as Django's own view does), so it does not leak through the Referer header."""
    if token != LINK_PLACEHOLDER:
        request.session[RESET_LINK_KEY] = token
        return redirect("accounts:password_reset_link", uidb64=uidb64, token=LINK_PLACEHOLDER)
    user = _user_from_uid(uidb64)
    token = request.session.get(RESET_LINK_KEY, "")
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "accounts/password_link_invalid.html", status=400)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _finish_reset(request, form, user)
        if done:
            return done
    return render(request, "accounts/password_new.html", {"form": form}, status=400 if form.errors else 200)
