"""The platform's URLs plus a view that fails, under /api/ and among the pages (tests only)."""

from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from tinhso.core.api import install_error_handlers
from tinhso.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401

failing_api = NinjaAPI(urls_namespace="failing-api")
install_error_handlers(failing_api)


class Failure(Exception):
    pass


@failing_api.get("/test-failure")
def api_failure(request):
    raise Failure("a bug")


def page_failure(request):
    raise Failure("a bug")


@csrf_exempt
def personal_failure(request):
    """A bug whose message holds what the citizen sent (as a careless error message would)."""
    raise Failure(f"no citizen {request.POST['cccd']} / {request.POST['phone']} / {request.POST['email']}")


urlpatterns = [
    path("api/v1/", failing_api.urls),
    path("test-failure/", page_failure),
    path("test-personal-failure/", personal_failure),
    *urlpatterns,
]
