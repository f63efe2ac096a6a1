"""Structured JSON errors for the API: ``{"error": {"code", "message", "fields"?}}``, in Vietnamese."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination

# Lists answer at most this many items at a time, from an offset at most this large (beyond it
# PostgreSQL's bigint arithmetic on OFFSET + LIMIT overflows; no list is that long).
MAX_LIMIT = 1000
MAX_OFFSET = 2**31 - 1


class Pagination(LimitOffsetPagination):
    """``limit`` and ``offset`` within bounds; outside them the usual 422 with the field named."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


def error_response(api: NinjaAPI, request, status: int, code: str, message: str, fields=None):
    body = {"error": {"code": code, "message": str(message)}}
    if fields:
        body["error"]["fields"] = fields
    return api.create_response(request, body, status=status)


def _validation_fields(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for m in ValidationError(errors).messages]
            for field, errors in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def invalid_body(request, exc):
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            location = ".".join(str(part) for part in error.get("loc", [])[1:]) or "__all__"
            fields.setdefault(location, []).append(error.get("msg", ""))
        return error_response(api, request, 422, "invalid", _("The request data is not valid."), fields)

    @api.exception_handler(ValidationError)
    def invalid_data(request, exc):
        return error_response(
            api, request, 422, "invalid", _("The request data is not valid."), _validation_fields(exc)
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return error_response(api, request, 401, "unauthenticated", _("Authentication is required."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return error_response(api, request, 403, "forbidden", _("You do not have permission to do this."))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error_response(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            return error_response(api, request, 400, "malformed", _("The request body is not valid JSON."))
        return error_response(api, request, exc.status_code, "error", str(exc))
