"""Sign-in, two-step verification, single sign-on and the account page."""

import json
import logging

import requests
from authlib.common.errors import AuthlibBaseError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from joserfc.errors import JoseError

from tinhso.accounts import actions, oidc, otp, personal_data, signin
from tinhso.accounts.forms import SecondFactorForm, SignInForm, TotpCodeForm, TotpEnrolForm
from tinhso.accounts.middleware import mark_second_factor_done, second_factor_done
from tinhso.accounts.models import Membership, Role, User, UserKind
from tinhso.accounts.parts import parts as account_parts
from tinhso.accounts.permissions import agency_ids_in_scope, is_province_admin
from tinhso.audit.services import record
from tinhso.core.text import format_datetime

logger = logging.getLogger(__name__)

BACKEND = "tinhso.accounts.backends.LockoutModelBackend"
PENDING_SECRET_KEY = "accounts_totp_pending_secret"
OIDC_NEXT_KEY = "accounts_oidc_next"


def _next_url(request, fallback=None) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, {request.get_host()}, require_https=request.is_secure()):
        return candidate
    return resolve_url(fallback or settings.LOGIN_REDIRECT_URL)


def _after_sign_in(request, user, next_url):
    """Log ``user`` in; send them to the TOTP step when they need one."""
    login(request, user, backend=BACKEND)
    if user.requires_second_factor:
        target = "accounts:totp_verify" if user.totp_enabled else "accounts:totp_enroll"
        return redirect(f"{reverse(target)}?{urlencode({'next': next_url})}")
    return HttpResponseRedirect(next_url)


@never_cache
@sensitive_post_parameters("password")
def login_view(request):
    next_url = _next_url(request)
    if request.user.is_authenticated and (
        not request.user.requires_second_factor or second_factor_done(request)
    ):
        return HttpResponseRedirect(next_url)
    form = SignInForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _after_sign_in(request, form.user, next_url)
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "next": next_url,
            "providers": oidc.buttons(),
            "registration_open": settings.SELF_REGISTRATION,
        },
        status=400 if form.errors else 200,
    )


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        record(request.user, "accounts.logout", request.user, request=request)
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


def _locked_out(request, locked_until):
    """Sign out an account just locked after wrong codes, with the time the lock ends."""
    logout(request)
    messages.error(request, SignInForm.error_messages["locked"] % {"time": format_datetime(locked_until)})
    return redirect("accounts:login")


@never_cache
@login_required
def totp_verify(request):
    user = request.user
    next_url = _next_url(request)
    if second_factor_done(request) or not user.requires_second_factor:
        return HttpResponseRedirect(next_url)
    if not user.totp_enabled:
        return redirect(f"{reverse('accounts:totp_enroll')}?{urlencode({'next': next_url})}")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = signin.check_second_factor(user, form.cleaned_data["code"], request)
        if result.ok:
            mark_second_factor_done(request, user)
            return HttpResponseRedirect(next_url)
        if result.status == signin.LOCKED:
            return _locked_out(request, result.locked_until)
        form.add_error(
            "code", _("The code is not correct or was already used. Wait for a new code and try again.")
        )
    return render(
        request,
        "accounts/totp_verify.html",
        {"form": form, "next": next_url},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def totp_enroll(request):
    """Show a new secret (QR code and text) and turn TOTP on once a code from it is given."""
    user = request.user
    next_url = _next_url(request, "accounts:account")
    if user.totp_enabled:
        if second_factor_done(request):
            messages.info(request, _("Two-step verification is already on."))
            return redirect("accounts:account")
        return redirect(f"{reverse('accounts:totp_verify')}?{urlencode({'next': next_url})}")
    secret = request.session.get(PENDING_SECRET_KEY) or otp.new_secret()
    request.session[PENDING_SECRET_KEY] = secret
    form = TotpEnrolForm(request.POST or None, needs_enrolment_code=user.second_factor_mandatory)
    if request.method == "POST" and form.is_valid():
        try:
            recovery_codes = actions.enable_totp(
                user,
                secret,
                form.cleaned_data["code"],
                request,
                enrolment_code=form.cleaned_data.get("enrolment_code", ""),
            )
        except ValidationError as exc:
            user.refresh_from_db()
            if user.is_locked():
                return _locked_out(request, user.locked_until)
            form.add_error(None, exc)
        else:
            del request.session[PENDING_SECRET_KEY]
            mark_second_factor_done(request, user)
            messages.success(request, _("Two-step verification is on."))
            return render(
                request, "accounts/recovery_codes.html", {"codes": recovery_codes, "next": next_url}
            )
    uri = otp.provisioning_uri(user, secret)
    context = {
        "form": form,
        "next": next_url,
        "qr": otp.qr_data_uri(uri),
        "secret": otp.format_secret(secret),
        "required": user.second_factor_mandatory,
    }
    return render(request, "accounts/totp_enroll.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def totp_disable(request):
    form = TotpCodeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["code"])
        actions.disable_totp(request.user, form.cleaned_data["code"], request)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Two-step verification is off."))
    return redirect("accounts:account")


@never_cache
@login_required
def account(request):
    user = request.user
    context = {
        "person": user,
        "memberships": user.active_memberships().order_by("agency__name", "role"),
        "providers": dict(oidc.providers()),
        "identities": user.external_identities.all(),
        "manages_officers": is_province_admin(user) or bool(agency_ids_in_scope(user, Role.AGENCY_ADMIN)),
        "parts": account_parts(request),
    }
    return render(request, "accounts/account.html", context)


@login_required
def personal_data_reads(request):
    """Who read my data: the agency and role, when, why, for which dossier (Law 91/2025/QH15
    art. 4)."""
    page = Paginator(personal_data.read_rows(request.user), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/personal_data_reads.html",
        {"page": page, "rows": [personal_data.read_row(entry) for entry in page]},
    )


@never_cache
@login_required
def personal_data_export(request):
    """Download everything held about me as JSON or a readable page (Law 91/2025/QH15 art. 4)."""
    if request.method == "POST":
        fmt = request.POST.get("format", "")
        try:
            data = actions.export_personal_data(request.user, request.user, fmt, request)
        except ValidationError as exc:
            return render(
                request,
                "accounts/personal_data_export.html",
                {"errors": exc.messages},
                status=429 if fmt in actions.EXPORT_FORMATS else 400,
            )
        stamp = timezone.localtime(data["generated_at"]).strftime("%Y%m%d-%H%M")
        if fmt == "json":
            content = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
            response = HttpResponse(content, content_type="application/json; charset=utf-8")
        else:
            response = HttpResponse(
                render_to_string("accounts/personal_data_document.html", {"data": data}, request=request)
            )
        response["Content-Disposition"] = f'attachment; filename="du-lieu-ca-nhan-{stamp}.{fmt}"'
        response["Cache-Control"] = "private, no-store"
        return response
    return render(request, "accounts/personal_data_export.html", {})


def _sso_error(request, provider, status=502):
    name = dict(oidc.providers()).get(provider, provider)
    return render(request, "accounts/sso_error.html", {"provider_name": name}, status=status)


def oidc_login(request, provider):
    oidc.provider_settings(provider)
    request.session[OIDC_NEXT_KEY] = _next_url(request)
    redirect_uri = request.build_absolute_uri(reverse("accounts:oidc_callback", args=[provider]))
    try:
        return oidc.client(provider).authorize_redirect(request, redirect_uri)
    except (requests.RequestException, oidc.ProviderError, ValueError) as exc:
        logger.warning("Single sign-on with %s is not available: %s", provider, exc)
        return _sso_error(request, provider)


@never_cache
def oidc_callback(request, provider):
    oidc.provider_settings(provider)
    try:
        token = oidc.client(provider).authorize_access_token(request)
    except (AuthlibBaseError, JoseError, requests.RequestException, oidc.ProviderError, ValueError) as exc:
        logger.warning("Single sign-on with %s failed: %s", provider, exc)
        return _sso_error(request, provider, status=400)
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        return _sso_error(request, provider, status=400)
    try:
        user = actions.sign_in_external(provider, dict(claims), request)
    except ValidationError as exc:  # the national identity's number is another kind of account's
        logger.warning("Single sign-on with %s refused: %s", provider, exc)
        return _sso_error(request, provider, status=400)
    if not user.is_active or user.is_locked():
        messages.error(request, _("This account cannot sign in at the moment. Contact the administrator."))
        return redirect("accounts:login")
    return _after_sign_in(
        request, user, request.session.pop(OIDC_NEXT_KEY, None) or resolve_url(settings.LOGIN_REDIRECT_URL)
    )


def _managed_officers(user):
    """The officers whose second factor ``user`` manages: every officer for a province
    administrator, the officers of their subtree for an agency administrator."""
    officers = User.objects.filter(kind=UserKind.OFFICER)
    if not is_province_admin(user):
        scope = agency_ids_in_scope(user, Role.AGENCY_ADMIN)
        if not scope:
            raise PermissionDenied
        officers = officers.filter(
            pk__in=Membership.objects.active().filter(agency_id__in=scope).values("user_id")
        ).exclude(pk__in=Membership.objects.active().exclude(agency_id__in=scope).values("user_id"))
    return officers.order_by("full_name", "username")


@never_cache
@login_required
def officers_security(request):
    """Agency administrators: their officers' two-step verification, enrolment codes and resets."""
    officers = _managed_officers(request.user)
    return render(request, "accounts/officers_security.html", {"officers": officers, "now": timezone.now()})


# URL slug → action: issue an enrolment code, reset the second factor, unlock.
OFFICER_ACTIONS = {
    "cap-ma-dang-ky": actions.issue_enrolment_code,
    "dat-lai": actions.reset_second_factor,
    "mo-khoa": actions.unlock_account,
}


@never_cache
@require_POST
@login_required
def officer_security_action(request, pk, action):
    """Issue an enrolment code (shown once, on this answer only), reset or unlock."""
    officer = get_object_or_404(_managed_officers(request.user), pk=pk)
    try:
        result = OFFICER_ACTIONS[action](request.user, officer, request)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        return redirect("accounts:officers_security")
    if action == "cap-ma-dang-ky":
        return render(
            request,
            "accounts/enrolment_codes.html",
            {"issued": [(officer, result)], "hours": settings.ENROLMENT_CODE_HOURS},
        )
    if action == "dat-lai":
        messages.success(
            request, _("Two-step verification was reset: issue an enrolment code to set it up again.")
        )
    else:
        messages.success(request, _("The account is unlocked."))
    return redirect("accounts:officers_security")
