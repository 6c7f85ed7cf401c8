"""The FastAPI application: settings, the desk's lifetime, routes and error mapping."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from trading_agents.api import (
    alerts,
    credentials,
    dashboard,
    docs,
    errors,
    listings,
    metrics,
    session,
    webhooks,
)
from trading_agents.api.idempotency import Idempotency
from trading_agents.api.limits import BodyLimit, RateLimit
from trading_agents.api.routes import router
from trading_agents.config.settings import Settings
from trading_agents.core.clock import LiveClock
from trading_agents.service.alerts.setup import alerting_for
from trading_agents.service.desk import TradingDesk
from trading_agents.service.ml_polling import MlPoller
from trading_agents.service.probe import desk_probe
from trading_agents.service.signal_inbox import SignalInbox
from trading_agents.service.signal_intake import SignalIntake
from trading_agents.service.telemetry import Telemetry
from trading_agents.signals.ml_engine import MlEngineClient

log = logging.getLogger(__name__)
DeskFactory = Callable[[Settings], Awaitable[TradingDesk]]


def create_app(settings: Settings, make_desk: DeskFactory) -> FastAPI:
    """Return the application; the desk is built when it starts and closed when it stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        desk = await make_desk(settings)
        app.state.desk = desk
        probe = desk_probe(desk, lambda: "off" if poller is None else poller.state)
        telemetry = Telemetry(probe)
        telemetry.follow(desk.events)
        desk.binance.on_request = telemetry.venue_request
        app.state.telemetry = telemetry
        intake = SignalIntake(
            desk,
            LiveClock(),
            int(settings.signal_max_age_s * 1000),
            on_filled=telemetry.signal_decided,
        )
        app.state.intake = intake
        inbox = SignalInbox(settings.spool_dir, intake)
        app.state.inbox = inbox
        poller: MlPoller | None = None
        if settings.ml_engine_url:
            client = MlEngineClient(settings.ml_engine_url, timeout_s=settings.ml_timeout_s)
            poller = MlPoller(client, intake, desk, settings.ml_poll_interval_s)
        app.state.poller = poller
        alerting = alerting_for(settings, probe)
        app.state.alerting = alerting
        log.info(
            "trading agents: %s mode, market data %s (%s); ML engine %s",
            desk.mode,
            desk.source.kind,
            desk.source.description,
            settings.ml_engine_url or "not polled (ML_ENGINE_URL unset)",
        )
        desk.start_market()
        inbox.start()
        if poller is not None:
            poller.start()
        alerting.start(desk.events)
        try:
            yield
        finally:
            if poller is not None:
                await poller.close()
            await inbox.close()
            await alerting.close()
            await telemetry.close()
            await desk.close()

    app = FastAPI(
        title="Trading Agents",
        description="Autonomous agents for USDT-margined perpetual futures: the platform's API.",
        lifespan=lifespan,
        docs_url=None,  # served by api/docs.py from the package's own assets
        redoc_url=None,
        # Where clients reach the service (TRADING_AGENTS_URL), for generated clients and /docs.
        servers=[{"url": settings.url}] if settings.url else None,
    )
    app.state.settings = settings
    app.state.sessions = session.SessionStore()
    app.include_router(router)
    app.include_router(session.router)
    app.include_router(webhooks.router)
    app.include_router(webhooks.engine_router)
    app.include_router(metrics.router)
    app.include_router(alerts.router)
    app.include_router(listings.router)
    app.include_router(credentials.router)
    errors.install(app)
    docs.install(app)
    dashboard.install(app)
    # Outermost: a body over the limit is refused with 413 before any of it is read, and a
    # caller past its rate with 429 before anything else is done.
    app.add_middleware(Idempotency)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        RateLimit,
        per_second=settings.rate_limit_per_s,
        burst=settings.rate_limit_burst,
        api_key=None if settings.api_key is None else settings.api_key.get_secret_value(),
    )
    return app
