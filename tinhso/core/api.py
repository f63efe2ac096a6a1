"""Structured JSON errors for the API: ``{"error": {"code", "message", "fields"?}}``, in Vietnamese."""

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.pagination import LimitOffsetPagination

if TYPE_CHECKING:
    # The configured user model (AUTH_USER_MODEL), as django-stubs names it for ``request.user``.
    from django.contrib.auth.models import _User

# Lists answer at most this many items at a time, from an offset at most this large (beyond it
# PostgreSQL's bigint arithmetic on OFFSET + LIMIT overflows; no list is that long).
MAX_LIMIT = 1000
MAX_OFFSET = 2**31 - 1


class PageQuery(LimitOffsetPagination.Input):
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ApiRequest(HttpRequest):
    """What an authenticated operation receives: ``auth`` is the account of the bearer token (or
    the session), set by django-ninja."""

    auth: "_User"


class Pagination(LimitOffsetPagination):
    """``limit`` and ``offset`` within bounds; outside them the usual 422 with the field named."""

    Input = PageQuery


class ApiErrorDetail(Schema):
    code: str = Field(description="e.g. not_found, invalid, forbidden, unavailable.")
    message: str = Field(description="In Vietnamese (English when the language cookie says so).")
    fields: dict[str, list[str]] | None = Field(None, description="422: the messages of each invalid field.")


class ApiError(Schema):
    error: ApiErrorDetail


# The errors every operation may answer, by what the operation has (see declare_error_responses).
ERROR_RESPONSES = {
    "400": ("always", "Malformed request: a body that is not JSON, a NUL byte, a form where JSON is read."),
    "401": ("security", "No valid bearer token."),
    "403": ("security", "The token's account may not do this."),
    "404": ("target", "Not found (or not visible to this account)."),
    "414": ("parameters", "The URL is too long: answered by the HTTP server itself, without an ApiError."),
    "422": ("input", "A parameter or the body is not valid; `fields` says which."),
    "503": ("always", "The database cannot be reached; retry after `Retry-After` seconds."),
}
# Answered before the application: their body is the HTTP server's, not an ApiError.
SERVER_ANSWERS = {"414"}


def declare_error_responses(schema: OpenAPISchema) -> OpenAPISchema:
    """Declare in an OpenAPI document the error statuses each operation answers, with ApiError.

    Every operation can answer 400 and 503; those with a security requirement 401 and 403; those
    with path parameters or a body 404; those with parameters (in the URL) 414; those with
    parameters or a body 422. Statuses an operation declares itself are kept.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ApiError.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["ApiError"] = error_schema
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            parameters = operation.get("parameters", [])
            has = {
                "always": True,
                "security": bool(operation.get("security")),
                "target": any(p["in"] == "path" for p in parameters) or "requestBody" in operation,
                "parameters": bool(parameters),
                "input": bool(parameters) or "requestBody" in operation,
            }
            responses = operation.setdefault("responses", {})
            for status, (condition, description) in ERROR_RESPONSES.items():
                if has[condition] and status not in responses and int(status) not in responses:
                    responses[status] = {"description": description}
                    if status not in SERVER_ANSWERS:
                        responses[status]["content"] = content
    return schema


class PlatformAPI(NinjaAPI):
    """The platform's API: its OpenAPI document declares the error statuses (declare_error_responses)."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return declare_error_responses(schema)


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body: dict[str, dict[str, Any]] = {"error": {"code": code, "message": str(message)}}
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
    def invalid_body(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            location = ".".join(str(part) for part in error.get("loc", [])[1:]) or "__all__"
            fields.setdefault(location, []).append(error.get("msg", ""))
        return error_response(api, request, 422, "invalid", _("The request data is not valid."), fields)

    @api.exception_handler(ValidationError)
    def invalid_data(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(
            api, request, 422, "invalid", _("The request data is not valid."), _validation_fields(exc)
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(api, request, 401, "unauthenticated", _("Authentication is required."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(api, request, 403, "forbidden", _("You do not have permission to do this."))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
            return error_response(api, request, 400, "malformed", _("The request body is not valid JSON."))
        return error_response(api, request, exc.status_code, "error", str(exc))
