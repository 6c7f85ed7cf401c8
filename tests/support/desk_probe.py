"""A desk probe for observers tested alone: a quiet desk, with what a test changes."""

from __future__ import annotations

from typing import Any

from trading_agents.core.clock import Clock
from trading_agents.service.probe import DeskProbe


def quiet_desk(clock: Clock, **reads: Any) -> DeskProbe:
    """Return a probe of a desk with no session where all is well, but for `reads`."""
    return DeskProbe(
        **{
            "sessions": lambda: (),
            "marks": lambda _session: {},
            "journal_state": lambda: "ok",
            "journal_spooled": lambda: 0,
            "market_state": lambda: "streaming",
            "market_age_s": dict,
            "ml_engine_state": lambda: "ok",
            "venue_alerts": dict,
            "now_ms": clock.now_ms,
            **reads,
        }
    )
