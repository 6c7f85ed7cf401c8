"""Each round trip says what closed it: its stop, its target, the agent, the risk rules, a stop
command, a person or a liquidation."""

from __future__ import annotations

from collections import Counter

from tests.support.backtests import agent, backtest, real_series
from trading_agents.model.enums import ExitReason, PositionSide
from trading_agents.portfolio.trades import RoundTrip


def _against_the_position(trip: RoundTrip) -> bool:
    """Tell whether the trip exited at a worse price than it entered."""
    if trip.side is PositionSide.LONG:
        return trip.exit_price < trip.entry_price
    return trip.exit_price > trip.entry_price


async def test_on_real_candles_stops_exit_at_a_loss_and_targets_at_a_gain() -> None:
    series = real_series(["BTCUSDT", "ETHUSDT"], "2025-05-06T00:00:00Z", 36)

    run = await backtest(agent("nova"), series)

    trips = list(run.account.portfolio.trades)
    reasons = Counter(trip.exit_reason for trip in trips)
    assert reasons[ExitReason.STOP_LOSS] > 0, reasons
    assert reasons[ExitReason.TAKE_PROFIT] > 0, reasons
    assert ExitReason.OTHER not in reasons  # every closing order was the account's own
    assert ExitReason.DECISION not in reasons  # every close says whose it was
    for trip in trips:
        if trip.exit_reason is ExitReason.STOP_LOSS:
            assert _against_the_position(trip), trip
        elif trip.exit_reason is ExitReason.TAKE_PROFIT:
            assert not _against_the_position(trip), trip


async def test_the_agent_s_own_closes_and_reversals_say_signal() -> None:
    series = real_series(["BTCUSDT", "ETHUSDT"], "2025-05-06T00:00:00Z", 240)

    run = await backtest(agent("atlas"), series)

    reasons = Counter(trip.exit_reason for trip in run.account.portfolio.trades)
    assert reasons[ExitReason.SIGNAL] > 0, reasons
    assert set(reasons) <= {ExitReason.SIGNAL, ExitReason.STOP_LOSS, ExitReason.TAKE_PROFIT}
