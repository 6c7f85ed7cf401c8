"""`GET /metrics`: the desk's Prometheus metrics in the text exposition format."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from trading_agents.api.session import Access
from trading_agents.service.telemetry import Telemetry

router = APIRouter()


def telemetry_of(request: Request) -> Telemetry:
    """Return the service's metrics."""
    telemetry: Telemetry = request.app.state.telemetry
    return telemetry


@router.get("/metrics", include_in_schema=False, dependencies=Access)
async def metrics(request: Request) -> Response:
    """Render every metric; with an API key set, the key (or a bearer token) is needed."""
    page, content_type = telemetry_of(request).render(request.headers.get("accept"))
    return Response(page, headers={"Content-Type": content_type})
