"""The backtest command's work: check the request, load the data, run, write the result."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from trading_agents.backtest.report import render_report
from trading_agents.backtest.result import (
    equity_document,
    metrics_document,
    price_points,
    result_json,
    trade_document,
    trades_digest,
)
from trading_agents.backtest.run import (
    Backtest,
    BacktestRun,
    BacktestSetup,
    rare_collections,
)
from trading_agents.backtest.stepping import Progress
from trading_agents.config.profiles import AgentProfile, agent_for_run
from trading_agents.core.clock import iso_utc, to_datetime, to_ms
from trading_agents.core.errors import ConfigurationError
from trading_agents.market.feeds.files import load_candle_paths
from trading_agents.market.feeds.funding import load_funding_paths
from trading_agents.market.feeds.store import is_store, read_funding
from trading_agents.market.series import CandleSeries
from trading_agents.venues.sim.config import FUNDING_INTERVAL_MS, FundingSchedule, SimVenueConfig


class BacktestRequestError(ConfigurationError):
    """The backtest was asked for something it cannot do; the message says what."""


@dataclass(frozen=True, slots=True)
class BacktestRequest:
    """What the user asked for on the command line."""

    agent: str
    symbols: tuple[str, ...]
    data: Path
    out: Path
    funding: Path | None = None
    start: str | None = None
    end: str | None = None
    strategy: str | None = None
    initial_equity: Decimal | None = None
    brain: str | None = None  # overrides the profile's brain: rules or llm
    llm_cache: Path | None = None  # record LLM answers in (and reuse them from) this folder
    llm_replay: bool = False  # answer only from llm_cache; a miss ends the run
    gaps: str = "refuse"  # a gap in the window: refuse it, or skip (step over it)


def parse_moment(text: str, option: str) -> int:
    """Read a date (midnight UTC) or an ISO 8601 time as epoch milliseconds."""
    try:
        if len(text) == 10:
            return to_ms(datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BacktestRequestError(
            f"{option} {text!r} is not a date (2025-05-10) or an ISO time"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return to_ms(moment)


@dataclass(frozen=True, slots=True)
class CheckedRequest:
    """A request every check passed: what loading its data needs."""

    start: int | None
    end: int | None
    profile: AgentProfile
    equity: Decimal
    gaps: bool  # step over gaps rather than refuse them


def check_request(request: BacktestRequest) -> CheckedRequest:
    """Check everything but the data itself; raise with a clear message on bad input."""
    start = None if request.start is None else parse_moment(request.start, "--from")
    end = None if request.end is None else parse_moment(request.end, "--to")
    if start is not None and end is not None and start >= end:
        raise BacktestRequestError(f"--from {request.start} is not before --to {request.end}")
    if not request.symbols:
        raise BacktestRequestError("no symbols given")
    profile, _ = agent_for_run(request.agent, request.strategy, request.symbols)
    if request.brain is not None:
        if request.brain not in ("rules", "llm"):
            raise BacktestRequestError(f"--brain must be rules or llm, not {request.brain!r}")
        profile = profile.model_copy(update={"brain": request.brain})
    if request.llm_replay and request.llm_cache is None:
        raise BacktestRequestError("--llm-replay answers from --llm-cache DIR: give the folder")
    if request.llm_cache is not None and profile.brain != "llm":
        raise BacktestRequestError("--llm-cache is for the LLM brain: add --brain llm")
    if request.llm_replay and request.llm_cache is not None and not request.llm_cache.is_dir():
        raise BacktestRequestError(f"--llm-cache {request.llm_cache} holds no recording")
    if not request.data.exists():
        raise BacktestRequestError(f"--data {request.data} does not exist")
    if request.funding is not None and not request.funding.exists():
        raise BacktestRequestError(f"--funding {request.funding} does not exist")
    if request.gaps not in ("refuse", "skip"):
        raise BacktestRequestError(f"--gaps must be refuse or skip, not {request.gaps!r}")
    # Given as zero is zero, refused below: not the profile's equity in its place.
    equity = profile.initial_equity if request.initial_equity is None else request.initial_equity
    if equity <= 0:
        raise BacktestRequestError(f"the starting equity must be above zero, got {equity}")
    return CheckedRequest(start, end, profile, equity, request.gaps == "skip")


def prepare(request: BacktestRequest) -> Backtest:
    """Check the request and load its data; raise with a clear message on bad input."""
    checked = check_request(request)
    cache = None
    if request.llm_cache is not None:  # the LLM brain's parts only for a run that uses them
        from trading_agents.agents.brains.llm_parts import LlmCacheOptions

        cache = LlmCacheOptions(request.llm_cache, request.llm_replay)
    series = load_candle_paths(
        request.data, request.symbols, start_ms=checked.start, end_ms=checked.end, gaps=checked.gaps
    )
    for symbol, candles in series.items():
        if len(candles) == 0:
            raise BacktestRequestError(f"no {symbol} candles in the period asked for")
    funding = FundingSchedule.none()
    if request.funding is not None:
        history = load_funding_paths(request.funding, request.symbols)
        funding = FundingSchedule(history=history)
    elif is_store(request.data):  # a store charges the funding it was given
        # Only the settlements the candles can reach (the venue settles at each boundary
        # within them, at the first settlement less than an eighth of an interval after it),
        # with an interval to spare on each side: a store holds years of them.
        history = read_funding(
            request.data,
            request.symbols,
            start_ms=min(int(s.open_ms[0]) for s in series.values()) - FUNDING_INTERVAL_MS,
            end_ms=max(int(s.open_ms[-1]) + s.interval_ms for s in series.values())
            + FUNDING_INTERVAL_MS,
        )
        funding = FundingSchedule(history=history) if history else funding
    config = SimVenueConfig(funding=funding)
    setup = BacktestSetup(
        checked.profile, series, config, checked.equity, llm_cache=cache, gaps=checked.gaps
    )
    return Backtest(setup)


async def execute(
    backtest: Backtest, request: BacktestRequest, progress: Progress | None, started: float
) -> dict[str, Any]:
    """Run a prepared backtest and write DIR/result.json and DIR/report.html."""
    result, report = await run_documents(backtest, request, progress, started)
    write_documents(request.out, result, report)
    return result


async def run_documents(
    backtest: Backtest, request: BacktestRequest, progress: Progress | None, started: float
) -> tuple[dict[str, Any], str]:
    """Run a prepared backtest; return its result.json document and its report page."""
    # The documents are built while the run's objects are still alive: collect rarely there too.
    with rare_collections():
        run = await backtest.run(progress)
        elapsed = time.perf_counter() - started
        result = result_document(backtest, run, request, elapsed)
        return result, render_report(result)


def write_documents(out: Path, result: Mapping[str, Any], report: str) -> None:
    """Write DIR/result.json and DIR/report.html."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.json").write_text(result_json(result), encoding="utf-8")
    (out / "report.html").write_text(report, encoding="utf-8")


def result_document(
    backtest: Backtest, run: BacktestRun, request: BacktestRequest, elapsed: float
) -> dict[str, Any]:
    """Return the result as result.json holds it."""
    portfolio = run.account.portfolio
    trades = [trade_document(trip) for trip in portfolio.trades]
    curve = [(point.ts_ms, point.equity) for point in portfolio.equity_curve]
    profile = backtest.setup.profile
    final = curve[-1][1] if curve else backtest.setup.initial_equity
    open_positions = [
        {"symbol": p.symbol, "quantity": str(p.quantity), "entry_price": str(p.entry_price)}
        for p in portfolio.ledger.open_positions()
    ]
    return {
        "agent": profile.name,
        "strategy": request.strategy,
        "brain": profile.brain,
        "symbols": list(backtest.symbols),
        "interval": f"{backtest.base.interval_ms // 60_000}m",
        "timeframe": profile.timeframe,
        "from": iso_utc(run.first_open_ms),
        "to": iso_utc(run.last_close_ms),
        "initial_equity": str(backtest.setup.initial_equity),
        "final_equity": str(final),
        "metrics": metrics_document(portfolio.metrics()),
        "trades_sha256": trades_digest(trades),
        "trades": trades,
        "open_positions": open_positions,
        "equity_curve": equity_document(curve),
        "prices": {s: price_points(series) for s, series in backtest.series.items()},
        "decisions": run.decisions.count,
        "llm": llm_document(profile, run, backtest),
        "candles": run.candles,
        "gaps": gaps_document(backtest.base),
        "steps": run.steps,
        "elapsed_s": round(elapsed, 3),
    }


def gaps_document(series: CandleSeries) -> list[dict[str, Any]]:
    """Return the gaps the run stepped over: where each begins and ends, candles missing."""
    return [
        {
            "from": iso_utc(before),
            "to": iso_utc(after),
            "missing_candles": (after - before) // series.interval_ms,
        }
        for before, after in series.gaps()
    ]


def llm_document(profile: AgentProfile, run: BacktestRun, backtest: Backtest) -> Any:
    """Return what the LLM brain used, and whether the period is in the model's training data."""
    if profile.brain != "llm":
        return None
    from trading_agents.config.llm import LlmSettings

    usages = run.decisions.usages
    model = usages[0].model if usages else (profile.model or LlmSettings().model)
    trained_until = LlmSettings().model_facts(model).trained_until
    first_day = to_datetime(run.first_open_ms).date()
    seen = None if trained_until is None else first_day <= trained_until  # None: unknown
    return {
        "model": model,
        "calls": sum(u.calls for u in usages),
        "input_tokens": sum(u.input_tokens for u in usages),
        "output_tokens": sum(u.output_tokens for u in usages),
        "cost_usd": str(sum((u.cost_usd for u in usages), Decimal(0))),
        "trained_until": None if trained_until is None else trained_until.isoformat(),
        "period_in_training_data": seen,
        "note": (
            f"{model}'s training cutoff is not known (LLM_TRAINED_UNTIL): the model may have"
            " seen what happened; the result is not known to be out of sample"
            if trained_until is None
            else f"{model} was trained on data until {trained_until}: this period starts"
            " before that, so the model may have seen what happened; the result is not out"
            " of sample"
            if seen
            else f"the period starts after {model}'s training cutoff ({trained_until})"
        ),
    }


def summary_rows(result: dict[str, Any]) -> Sequence[tuple[str, str]]:
    """Return the figures the command prints, as label and value."""
    metrics = result["metrics"]
    return (
        ("agent", f"{result['agent']} ({result['strategy'] or 'own strategy'})"),
        ("symbols", ", ".join(result["symbols"])),
        ("period", f"{result['from']} to {result['to']}"),
        ("candles", f"{result['candles']:,}"),
        ("trades", str(metrics["total_trades"])),
        ("win rate", f"{Decimal(metrics['win_rate']):.2%}"),
        ("net profit", f"{_usdt(metrics['net_profit'])} USDT"),
        (
            "total profit / loss",
            f"{_usdt(metrics['total_profit'])} / {_usdt(metrics['total_loss'])}",
        ),
        ("fees / funding", f"{_usdt(metrics['fees'])} / {_usdt(metrics['funding'])}"),
        ("max drawdown", f"{Decimal(metrics['max_drawdown']):.2%}"),
        ("sharpe / sortino", f"{_ratio(metrics['sharpe'])} / {_ratio(metrics['sortino'])}"),
        ("profit factor", _ratio(metrics["profit_factor"])),
        ("final equity", f"{_usdt(result['final_equity'])} USDT"),
        ("elapsed", f"{result['elapsed_s']} s"),
        *_gap_rows(result.get("gaps") or []),
        *_llm_rows(result.get("llm")),
    )


def _gap_rows(gaps: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    if not gaps:
        return []
    shown = "; ".join(f"{gap['from']} to {gap['to']}" for gap in gaps[:3])
    more = f" and {len(gaps) - 3} more" if len(gaps) > 3 else ""
    return [("gaps stepped over", f"{len(gaps)}: {shown}{more}")]


def _llm_rows(llm: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    if llm is None:
        return []
    return [
        ("LLM", f"{llm['model']}: {llm['calls']} calls, {llm['input_tokens']:,} + "
                f"{llm['output_tokens']:,} tokens, {llm['cost_usd']} USD"),
        ("LLM training data", llm["note"]),
    ]  # fmt: skip


def _ratio(value: float | str | None) -> str:
    return "n/a" if value is None else f"{float(value):.2f}"


def _usdt(value: str) -> str:
    """Show an exact amount to the cent; result.json keeps every digit."""
    return f"{Decimal(value):,.2f}"
