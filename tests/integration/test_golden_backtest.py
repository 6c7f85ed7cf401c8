"""Golden backtest: Atlas on real BTCUSDT and ETHUSDT, pinned so a speed-up keeps the results.

If a change moves these figures on purpose (a fill rule, a fee, the brain), say why in the
commit and pin the new ones; a speed-up must leave them as they are.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.market_data import market_dir
from trading_agents.backtest.command import BacktestRequest, execute, prepare

GOLDEN = {
    "trades_sha256": "97b7dd8c3487c9c6d108d7149326bf333d355623dcf77ee68bea5daa7fa6ffbf",
    "total_trades": 75,
    "net_profit": "-269.41177718",
    "fees": "451.33419601",
    "funding": "1.47560883",
    "max_drawdown": "0.04995848228917978735955984204",
    "final_equity": "9730.58822282",
}


async def test_atlas_on_the_real_window_gives_the_pinned_trades(tmp_path: Path) -> None:
    request = BacktestRequest(
        agent="atlas",
        symbols=("BTCUSDT", "ETHUSDT"),
        data=market_dir() / "futures_um" / "1m",
        funding=market_dir() / "funding",
        start="2025-05-04",
        end="2025-06-25",
        out=tmp_path,
    )

    result = await execute(prepare(request), request, None, 0.0)

    metrics = result["metrics"]
    observed = {
        "trades_sha256": result["trades_sha256"],
        "total_trades": metrics["total_trades"],
        "net_profit": metrics["net_profit"],
        "fees": metrics["fees"],
        "funding": metrics["funding"],
        "max_drawdown": metrics["max_drawdown"],
        "final_equity": result["final_equity"],
    }
    assert observed == GOLDEN
    assert result["candles"] == 2 * 73_139
    assert (
        json.loads((tmp_path / "result.json").read_text())["trades_sha256"]
        == GOLDEN["trades_sha256"]
    )
