"""The result document's trades and the digest that fingerprints them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest

from trading_agents.backtest.result import (
    TRADE_KEYS,
    result_json,
    trade_document,
    trades_digest,
)
from trading_agents.model.enums import ExitReason, PositionSide
from trading_agents.portfolio.trades import RoundTrip


def digest_by_definition(trades: Sequence[Mapping[str, Any]]) -> str:
    """Hash each trade's compact JSON with sorted keys, its exit reason left out, in order."""
    digest = hashlib.sha256()
    for trade in trades:
        figures = {key: value for key, value in trade.items() if key != "exit_reason"}
        digest.update(json.dumps(figures, sort_keys=True, separators=(",", ":")).encode())
    return digest.hexdigest()


def trip(**changes: Any) -> RoundTrip:
    """Return a closed trade with plain figures, changed where asked."""
    figures: dict[str, Any] = {
        "trade_id": "BTCUSDT-1672539600000-1",
        "symbol": "BTCUSDT",
        "side": PositionSide.SHORT,
        "opened_ms": 1_672_539_600_000,
        "closed_ms": 1_672_543_320_000,
        "quantity": Decimal("0.023"),
        "entry_price": Decimal("42019.0"),
        "exit_price": Decimal("41883.5"),
        "realized_pnl": Decimal("3.11650000"),
        "fees": Decimal("0.96487875"),
        "funding": Decimal("0"),
        "net_pnl": Decimal("2.15162125"),
        "liquidated": False,
        "fills": 2,
        "exit_reason": ExitReason.SIGNAL,
    }
    figures.update(changes)
    return RoundTrip(**figures)


def test_a_trade_lists_its_figures_as_exact_text_and_its_times_twice() -> None:
    document = trade_document(trip())

    assert document == {
        "trade_id": "BTCUSDT-1672539600000-1",
        "symbol": "BTCUSDT",
        "side": "short",
        "quantity": "0.023",
        "entry_time": "2023-01-01T02:20:00Z",
        "entry_ms": 1_672_539_600_000,
        "entry_price": "42019.0",
        "exit_time": "2023-01-01T03:22:00Z",
        "exit_ms": 1_672_543_320_000,
        "exit_price": "41883.5",
        "realized_pnl": "3.11650000",
        "fees": "0.96487875",
        "funding": "0",
        "net_pnl": "2.15162125",
        "liquidated": False,
        "exit_reason": "signal",
    }


# Trades that cover what their text must get right, for the digest and for result.json.
TRIP_CASES = pytest.mark.parametrize(
    "trips",
    [
        [],
        [trip()],
        [trip(), trip(trade_id="BTCUSDT-1672543320000-2", side=PositionSide.LONG)],
        [trip(liquidated=True, exit_reason=ExitReason.LIQUIDATION)],
        [trip(realized_pnl=Decimal("-12.5"), net_pnl=Decimal("-1E+2"), funding=Decimal("0E-8"))],
        # Text JSON must escape: quotes, backslashes, control and non-ASCII characters.
        [trip(symbol='BTC"USDT\\', trade_id="ÉTH\u2603-\n-1")],
    ],
    ids=["none", "one", "two", "liquidated", "signs-and-exponents", "escaped-text"],
)


@TRIP_CASES
def test_the_digest_is_the_hash_of_each_trades_sorted_json_without_its_exit_reason(
    trips: list[RoundTrip],
) -> None:
    trades = [trade_document(one) for one in trips]

    assert trades_digest(trades) == digest_by_definition(trades)


def test_the_exit_reason_does_not_change_the_digest_and_every_figure_does() -> None:
    base = [trade_document(trip())]
    relabelled = [trade_document(trip(exit_reason=ExitReason.STOP_LOSS))]
    moved = [trade_document(trip(exit_price=Decimal("41883.6")))]

    assert trades_digest(relabelled) == trades_digest(base)
    assert trades_digest(moved) != trades_digest(base)


def compact(value: object) -> str:
    """Return what json.dumps writes without spaces: the text result.json holds."""
    return json.dumps(value, separators=(",", ":"))


@TRIP_CASES
def test_the_result_text_is_what_json_writes_for_the_document(trips: list[RoundTrip]) -> None:
    result = {
        "agent": "atlas",
        "metrics": {"sharpe": 1.25, "sortino": float("nan"), "profit_factor": None},
        "trades": [trade_document(one) for one in trips],
        "equity_curve": [{"ts_ms": 1, "equity": "10000"}],
        "llm": None,
        "elapsed_s": 0.5,
    }

    assert result_json(result) == compact(result)


def test_a_trade_not_shaped_or_typed_as_trade_document_writes_is_written_by_json_itself() -> None:
    reordered = dict(reversed(trade_document(trip()).items()))
    extended = trade_document(trip()) | {"note": "added by hand"}
    odd_times = trade_document(trip()) | {"entry_ms": 1.5, "liquidated": None}
    odd_text = trade_document(trip()) | {"symbol": 7, "exit_reason": None}
    result = {"trades": [reordered, extended, odd_times, odd_text], "more": [[1, 2], {"a": "b"}]}

    assert result_json(result) == compact(result)


def test_a_trade_document_has_the_keys_result_json_writes_by_hand() -> None:
    # Other keys would still be written right, by json itself, but at its cost again.
    assert tuple(trade_document(trip())) == TRADE_KEYS
