import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tinhso.core.errors import machine_error


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness: answers 200 only when the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure makes us unhealthy
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


# How long a client should wait before retrying when the database is unreachable.
RETRY_AFTER_SECONDS = 30


def _error(request, status, code, title, message, api_message=None):
    response = machine_error(request, status, code, api_message or message)
    if response is not None:
        return response
    return render(
        request, "core/error.html", {"status": status, "title": title, "message": message}, status=status
    )


def bad_request(request, exception=None):
    return _error(
        request,
        400,
        "bad_request",
        _("Bad request"),
        _("The request could not be understood. Please check and try again."),
    )


def permission_denied(request, exception=None):
    return _error(
        request,
        403,
        "forbidden",
        _("Access denied"),
        _("You do not have permission to see this page."),
        _("You do not have permission to do this."),
    )


def page_not_found(request, exception=None):
    return _error(
        request,
        404,
        "not_found",
        _("Page not found"),
        _("The page you asked for does not exist or has moved."),
        _("Not found."),
    )


def server_error(request):
    """500, or 503 with Retry-After when the database is unreachable; pages are rendered without
    context processors (the database may be what failed), machine interfaces get their structured error."""
    outage = isinstance(sys.exc_info()[1], OperationalError | InterfaceError)
    if outage:
        message = _("The service is temporarily unavailable. Please try again in a few minutes.")
        response = machine_error(request, 503, "unavailable", message) or HttpResponse(
            get_template("503.html").render(), status=503
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    message = _("Something went wrong on our side. Please try again in a few minutes.")
    return machine_error(request, 500, "server_error", message) or HttpResponseServerError(
        get_template("500.html").render()
    )
