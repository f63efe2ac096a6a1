import json

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http.request import RawPostDataException
from django.middleware.gzip import GZipMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

from tinhso.core.errors import machine_error, status_error


class ContentSecurityPolicyMiddleware:
    """Send the platform's Content-Security-Policy and Permissions-Policy (settings of the same names)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


# Content types compressed on the fly: text. PDFs, photos and archives are compressed already.
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "application/xml", "image/svg+xml")


class TextGZipMiddleware(GZipMiddleware):
    """Django's gzip for textual answers only (pages, JSON, CSV) on a slow mobile network.

    Django adds random bytes to each gzip header against BREACH, and masks the CSRF token
    differently on every answer; files (PDFs, photos) keep their Content-Length."""

    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith(COMPRESSIBLE):
            return response
        return super().process_response(request, response)


class VietnameseFirstLocaleMiddleware:
    """Vietnamese unless the person chose English with the language switch.

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: a citizen whose
    phone is set to English still gets the Vietnamese portal first, with the switch one tap away.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response


NUL = "\x00"


def _strings(value):
    """Every string in a decoded JSON document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _carries_nul(request) -> bool:
    if NUL in request.path_info:
        return True
    if any(NUL in value for key, value in request.META.items() if key.startswith("HTTP_")):
        return True
    if any(NUL in key or any(NUL in value for value in values) for key, values in request.GET.lists()):
        return True
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    content_type = request.content_type
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields = request.POST.lists()
        if any(NUL in key or any(NUL in value for value in values) for key, values in fields):
            return True
        return any(NUL in upload.name for upload in request.FILES.values())
    if content_type == "application/json" or content_type.endswith("+json"):
        body = request.body
        if b"\\u0000" not in body:  # a raw NUL makes the JSON invalid, which the view answers
            return False
        try:
            return any(NUL in text for text in _strings(json.loads(body)))
        except ValueError:
            return False
    return False


class RejectNulBytesMiddleware:
    """400 for a NUL byte in the path, a header, the query string, a form field or a JSON string.

    No text the platform stores may hold one (PostgreSQL refuses it in text columns), so such a request
    is refused before any view sees it; uploaded files' contents are data and are not looked at.
    Reading a form here means a view that wants the raw body (a JSON endpoint sent a form) cannot have
    it: that is the client's mistake, answered 400 too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _carries_nul(request):
            raise BadRequest("NUL byte in the request")
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RawPostDataException):
            raise BadRequest("A form sent where the raw body is read") from exception
        return None


class StructuredMachineErrorsMiddleware:
    """Under the machine interfaces (``/api/``, ``/open311/``), an error answered without a structured
    body (a router's bare 405...) is answered with the interface's structured error instead."""

    STRUCTURED = ("application/json", "text/xml", "application/xml")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or response.get("Content-Type", "").startswith(self.STRUCTURED):
            return response
        code, message = status_error(response.status_code)
        structured = machine_error(request, response.status_code, code, message)
        if structured is None:
            return response
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                structured[header] = response[header]
        return structured
