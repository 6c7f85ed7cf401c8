"""`GET /alerts`: the latest alerts and how their delivery to each sink went."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from trading_agents.api.errors import responses
from trading_agents.api.session import Access
from trading_agents.core.clock import iso_utc
from trading_agents.service.alerts.alerting import Alerting

router = APIRouter(tags=["alerts"])


class DeliveryOut(BaseModel):
    """An alert's delivery to one sink."""

    sink: str = Field(description="webhook, telegram or slack")
    state: str = Field(description="pending (tried again with backoff) or sent")
    attempts: int
    last_error: str
    sent_at: str | None


class AlertOut(BaseModel):
    """One alert."""

    alert_id: str
    rule: str
    severity: str = Field(description="critical, warning or info")
    title: str
    detail: str
    subject: str = Field(description="What it is about: agent@account, a symbol, the journal")
    at: str
    deliveries: list[DeliveryOut]


class AlertsOut(BaseModel):
    """The sinks configured and the latest alerts, newest first."""

    sinks: list[str]
    alerts: list[AlertOut]


@router.get("/alerts", response_model=AlertsOut, dependencies=Access, responses=responses(422))
async def alerts(request: Request, limit: Annotated[int, Query(ge=1, le=1_000)] = 100) -> AlertsOut:
    """Return the latest alerts with each sink's delivery state."""
    alerting: Alerting = request.app.state.alerting
    outbox = alerting.outbox
    deliveries: dict[str, list[DeliveryOut]] = {}
    for delivery in outbox.recent(limit):
        deliveries.setdefault(delivery.alert.alert_id, []).append(
            DeliveryOut(
                sink=delivery.sink,
                state=delivery.state,
                attempts=delivery.attempts,
                last_error=delivery.last_error,
                sent_at=None if delivery.sent_ms is None else iso_utc(delivery.sent_ms),
            )
        )
    return AlertsOut(
        sinks=alerting.sinks,
        alerts=[
            AlertOut(
                alert_id=alert.alert_id,
                rule=alert.rule,
                severity=str(alert.severity),
                title=alert.title,
                detail=alert.detail,
                subject=alert.subject,
                at=iso_utc(alert.ts_ms),
                deliveries=deliveries.get(alert.alert_id, []),
            )
            for alert in outbox.alerts(limit)
        ],
    )
