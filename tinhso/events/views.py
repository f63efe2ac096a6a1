"""The province administrator's webhook pages: the subscriptions, one's secrets, its delivery
history and its dead letters with "send again". Every write goes through
``tinhso.events.actions``; the pages answer 404 to whoever may not manage webhooks."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tinhso.accounts.permissions import can
from tinhso.events import actions
from tinhso.events.forms import SubscriptionForm
from tinhso.events.models import Delivery, SigningSecret, Subscription

SECRET_KEY = "events_new_secret"  # the session key of a secret shown once


def _manager(request) -> None:
    if not can(request.user, "events.manage"):
        raise Http404


def _subscription(request, pk) -> Subscription:
    _manager(request)
    return get_object_or_404(Subscription.objects.select_related("agency"), pk=pk)


def _form_errors(form: SubscriptionForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def subscriptions(request):
    _manager(request)
    rows = Subscription.objects.select_related("agency")
    return render(request, "events/subscriptions.html", {"rows": rows})


def _save(request, subscription: Subscription | None):
    initial: dict[str, Any] = {"is_active": True}
    if subscription is not None:
        initial = {
            "name": subscription.name,
            "url": subscription.url,
            "event_types": subscription.event_types,
            "agency": subscription.agency,
            "is_active": subscription.is_active,
        }
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {
            "name": data["name"],
            "url": data["url"],
            "event_types": data["event_types"],
            "agency": data["agency"],
        }
        try:
            if subscription is None:
                subscription, secret = actions.create_subscription(request.user, request=request, **fields)
                request.session[SECRET_KEY] = [subscription.pk, secret]
            else:
                actions.update_subscription(
                    request.user, subscription, is_active=data["is_active"], request=request, **fields
                )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The subscription is saved."))
            return redirect("events:subscription", subscription.pk)
    if subscription is None:
        del form.fields["is_active"]
    title = _("New webhook subscription") if subscription is None else subscription.name
    return render(request, "events/form.html", {"form": form, "title": title, "subscription": subscription})


@login_required
def subscription_new(request):
    _manager(request)
    return _save(request, None)


@login_required
def subscription_edit(request, pk):
    return _save(request, _subscription(request, pk))


@login_required
def subscription_detail(request, pk):
    subscription = _subscription(request, pk)
    shown = request.session.pop(SECRET_KEY, None)
    new_secret = shown[1] if shown and shown[0] == subscription.pk else None
    deliveries = subscription.deliveries.select_related("entry").order_by("-pk")
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    context = {
        "subscription": subscription,
        "new_secret": new_secret,
        "secrets": SigningSecret.objects.filter(subscription=subscription),
        "page": page,
        "dead": deliveries.filter(state=Delivery.State.DEAD)[:100],
    }
    return render(request, "events/subscription.html", context)


@login_required
@require_POST
def subscription_rotate(request, pk):
    subscription = _subscription(request, pk)
    secret = actions.rotate_secret(request.user, subscription, request=request)
    request.session[SECRET_KEY] = [subscription.pk, secret]
    messages.success(request, _("A new secret signs from now on; the old one signs too for 24 hours."))
    return redirect("events:subscription", subscription.pk)


@login_required
@require_POST
def delivery_resend(request, pk):
    _manager(request)
    delivery = get_object_or_404(Delivery.objects.select_related("subscription"), pk=pk)
    try:
        actions.resend(request.user, delivery, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The event will be sent again."))
    return redirect("events:subscription", delivery.subscription_id)


@login_required
def feed_readers(request):
    """The accounts that read the event feed; the administrator gives or takes the permission."""
    _manager(request)
    if request.method == "POST":
        try:
            if request.POST.get("revoke"):
                reader = get_object_or_404(actions.feed_readers(), pk=request.POST["revoke"])
                actions.revoke_feed(request.user, reader, request=request)
                messages.success(
                    request, _("%(name)s no longer reads the event feed.") % {"name": reader.username}
                )
            else:
                reader = actions.grant_feed(request.user, request.POST.get("username", ""), request=request)
                messages.success(request, _("%(name)s reads the event feed.") % {"name": reader.username})
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("events:feed_readers")
    return render(request, "events/feed_readers.html", {"readers": actions.feed_readers()})
