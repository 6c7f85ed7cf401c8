"""What an agent's price chart draws: its own timeframe's recent candles of one symbol."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trading_agents.core.clock import iso_utc
from trading_agents.service.errors import NotFound
from trading_agents.service.sessions import AgentSession


@dataclass(frozen=True, slots=True)
class CandleView:
    """One closed candle of the agent's timeframe."""

    at: str  # its open time
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


def candles_of(session: AgentSession, symbol: str, limit: int) -> list[CandleView]:
    """Return up to `limit` of the symbol's latest closed candles, oldest first.

    A symbol the agent does not trade has no chart here: NotFound.
    """
    if symbol not in session.symbols:
        raise NotFound(
            f"{session.agent} on {session.account_id} trades {', '.join(session.symbols)},"
            f" not {symbol}"
        )
    return [
        CandleView(iso_utc(c.open_ms), c.open, c.high, c.low, c.close, c.volume)
        for c in session.parts.account.runner.market.recent(symbol, limit)
    ]
