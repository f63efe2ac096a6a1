"""How errors are answered: machines get a structured error whatever the status, people get a page.

Under ``/api/`` every error is ``{"error": {"code", "message"}}`` (as ``tinhso.core.api`` answers
inside the API); other machine interfaces (Open311) register their own format for their prefix.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

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


register_error_format("/api/", api_error)
