"""The command line: `trading-agents serve`, `backtest`, `data`, `audit verify`, `agents`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Trading Agents: autonomous perpetual-futures agents.")


@app.command()
def serve() -> None:
    """Run the service (REST API on port 8003) on embedded defaults."""
    typer.echo(
        "trading-agents serve: the service is not built yet (issue 4). It will start the REST "
        "API on 127.0.0.1:8003 with SQLite, the paper venue and the rule brain.",
        err=True,
    )
    raise typer.Exit(code=2)


@app.command()
def version() -> None:
    """Print the version."""
    from trading_agents import __version__

    typer.echo(__version__)


@app.command()
def agents() -> None:
    """List the agents: the shipped profiles and those of TRADING_AGENTS_PROFILES_DIR."""
    from rich.console import Console
    from rich.table import Table

    from trading_agents.config.profiles import configured_profiles
    from trading_agents.core.errors import ConfigurationError

    try:
        profiles = configured_profiles()
    except ConfigurationError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    table = Table("agent", "style", "brain", "symbols", "timeframe", "leverage", "risk/trade")
    for profile in profiles.values():
        table.add_row(
            profile.name,
            profile.style,
            profile.brain,
            ", ".join(profile.symbols),
            profile.timeframe,
            f"{profile.risk.max_leverage}x",
            f"{profile.risk.risk_per_trade:%}",
        )
    Console().print(table)


@app.command()
def backtest(
    agent: Annotated[str, typer.Option(help="The agent: atlas, orion, nova or one of yours.")],
    symbols: Annotated[str, typer.Option(help="Comma-separated symbols, e.g. BTCUSDT,ETHUSDT.")],
    data: Annotated[Path, typer.Option(help="A candle file or a folder of candle files.")],
    out: Annotated[Path, typer.Option(help="Folder for result.json and report.html.")],
    funding: Annotated[
        Path | None, typer.Option(help="A funding-rate file or folder; without it, no funding.")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="First moment, e.g. 2025-05-10 (UTC).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last moment, e.g. 2025-06-10 (UTC, exclusive).")
    ] = None,
    strategy: Annotated[
        str | None, typer.Option(help="Trade a named strategy, e.g. reference.")
    ] = None,
    equity: Annotated[
        str | None, typer.Option(help="Starting equity in USDT; default: the profile's.")
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Backtest an agent on historical candles; write result.json and report.html."""
    import asyncio
    import time
    from decimal import Decimal, InvalidOperation

    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from trading_agents.backtest.command import BacktestRequest, execute, prepare, summary_rows
    from trading_agents.core.errors import ConfigurationError

    started = time.perf_counter()
    console = Console(stderr=True)
    try:
        initial = None if equity is None else Decimal(equity)
    except InvalidOperation:
        typer.echo(f"error: --equity {equity!r} is not a number", err=True)
        raise typer.Exit(code=2) from None
    request = BacktestRequest(
        agent=agent.strip().lower(),
        symbols=tuple(s.strip().upper() for s in symbols.split(",") if s.strip()),
        data=data,
        out=out,
        funding=funding,
        start=start,
        end=end,
        strategy=strategy,
        initial_equity=initial,
    )
    try:
        prepared = prepare(request)
        with Progress(console=console, disable=quiet, transient=True) as bar:
            task = bar.add_task("backtest", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = asyncio.run(execute(prepared, request, advance, started))
    except (ConfigurationError, ValueError, OSError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    table = Table("", "", title=f"Backtest written to {out}", show_header=False)
    for label, value in summary_rows(result):
        table.add_row(label, value)
    Console().print(table)
