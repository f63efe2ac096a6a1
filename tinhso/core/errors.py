"""How errors are answered: machines get a structured error whatever the status, people get a page.

Under ``/api/`` every error is ``{"error": {"code", "message"}}`` (as ``tinhso.core.api`` answers
inside the API); other machine interfaces (Open311) register their own format for their prefix.
"""

from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

ErrorFormat = Callable[[HttpRequest, int, str, str], HttpResponse]

_formats: dict[str, ErrorFormat] = {}


def register_error_format(prefix: str, render: ErrorFormat) -> None:
    """Answer errors of every path under ``prefix`` with ``render(request, status, code, message)``."""
    _formats[prefix] = render


def api_error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    return JsonResponse({"error": {"code": code, "message": str(message)}}, status=status)


def machine_error(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse | None:
    """The structured error for a machine interface's path; None for pages."""
    for prefix, render in _formats.items():
        if request.path.startswith(prefix):
            return render(request, status, code, message)
    return None


def status_error(status: int) -> tuple[str, str]:
    """The code and message of an error known only by its status."""
    known = {
        400: ("bad_request", _("The request could not be understood. Please check and try again.")),
        403: ("forbidden", _("You do not have permission to do this.")),
        404: ("not_found", _("Not found.")),
        405: ("method_not_allowed", _("This method is not allowed here.")),
    }
    return known.get(status, ("error", HTTPStatus(status).phrase))


register_error_format("/api/", api_error)
