"""The integration API, ``/api/v1/``, with its OpenAPI 3 document.

Each app owns a router in its ``api.py``; this module mounts them.
"""

from tinhso.accounts.api import auth_router, me_router
from tinhso.accounts.api_auth import BearerToken
from tinhso.agencies.api import router as agencies_router
from tinhso.core.api import PlatformAPI, install_error_handlers
from tinhso.documents.api import router as documents_router
from tinhso.dossiers.api import router as dossiers_router
from tinhso.events.api import router as events_router
from tinhso.feedback.api import router as feedback_router
from tinhso.ioc.api import router as ioc_router
from tinhso.lgsp.api import router as lgsp_router
from tinhso.motcua.api import router as motcua_router
from tinhso.payments.api import router as payments_router
from tinhso.procedures.api import router as procedures_router
from tinhso.statistics.api import router as statistics_router
from tinhso.units.api import router as units_router

api = PlatformAPI(
    title="tinhso API",
    version="1",
    description=(
        "API của nền tảng Tỉnh số: đơn vị hành chính, cơ quan, tài khoản. "
        "Xác thực bằng Bearer token lấy từ POST /api/v1/auth/token."
    ),
    urls_namespace="api-v1",
    auth=BearerToken(),
)
install_error_handlers(api)
api.add_router("/auth", auth_router)
api.add_router("/me", me_router)
api.add_router("/units", units_router)
api.add_router("/agencies", agencies_router)
api.add_router("/procedures", procedures_router)
api.add_router("/feedback", feedback_router)
api.add_router("/dossiers", dossiers_router)
api.add_router("/payments", payments_router)
api.add_router("/mot-cua", motcua_router)
api.add_router("/statistics", statistics_router)
api.add_router("/documents", documents_router)
api.add_router("/ioc", ioc_router)
api.add_router("/events", events_router)
api.add_router("/lgsp", lgsp_router)
