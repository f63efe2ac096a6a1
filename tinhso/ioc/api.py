"""``GET /api/v1/ioc/dashboard``: the numbers of the leaders' page (the same computation, the
same permission) with their level and the list each opens; ``GET /api/v1/ioc/scorecard``: the
digital-transformation targets, measured and entered apart."""

from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from pydantic import Field as SchemaField

from tinhso.accounts.permissions import require
from tinhso.agencies.models import Agency
from tinhso.core.api import ApiError, ApiRequest
from tinhso.ioc.indicators import dashboard as compute_dashboard
from tinhso.ioc.scorecard import scorecard as compute_scorecard

router = Router(tags=["ioc"])

RESPONSES = {200: dict, 403: ApiError, 404: ApiError}


class DashboardQuery(Schema):
    agency: str | None = SchemaField(None, description="Agency code; empty: the whole province")


@router.get("/dashboard", response=RESPONSES, summary="The leaders' page: every indicator, exceptions first")
def dashboard(request: ApiRequest, query: Query[DashboardQuery]) -> dict[str, Any]:
    agency = get_object_or_404(Agency, code=query.agency) if query.agency else None
    require(request.auth, "ioc.view", agency)
    data = compute_dashboard(agency)
    base = request.build_absolute_uri("/")[:-1]

    def tile(t: dict) -> dict:
        return {
            "key": t["key"],
            "area": t["area"],
            "title": str(t["title"]),
            "value": t["value"],
            "unit": t["kind"],
            "status": t["status"],
            "amber": t["amber"],
            "red": t["red"],
            "higher_is_worse": t["worse"] == "higher",
            "records_url": base + t["url"] if t["url"] else None,
            "parts": [{"value": p["value"], "records_url": base + p["url"]} for p in t["parts"]],
        }

    return {
        "agency": agency.code if agency else None,
        "computed_at": data["computed_at"],
        "data_as_of": data["data_as_of"],
        "exceptions": [t["key"] for t in data["exceptions"]],
        "indicators": [tile(t) for t in data["tiles"]],
    }


@router.get("/scorecard", response=RESPONSES, summary="The digital-transformation targets of the province")
def scorecard(request: ApiRequest) -> dict[str, Any]:
    require(request.auth, "ioc.view", None)
    data = compute_scorecard()

    def common(card: dict) -> dict:
        target = card["target"]
        return {
            "name": target.name,
            "legal_source": target.legal_source,
            "target_value": float(target.target_value),
            "target_date": target.target_date,
            "value": card["value"],
            "progress": card["progress"],
            "status": card["status"],
        }

    return {
        "computed_at": data["computed_at"],
        "measured": [
            {
                **common(card),
                "measure": card["target"].measure,
                "numerator": card["part"],
                "denominator": card["whole"],
                "projection": card["projection"],
                "trend": [{"month": row["month"], "value": row["value"]} for row in card["trend"]],
            }
            for card in data["measured"]
        ],
        "entered": [
            {
                **common(card),
                "as_of": card["latest"].as_of if card["latest"] else None,
                "source": card["latest"].source if card["latest"] else None,
            }
            for card in data["entered"]
        ],
    }
