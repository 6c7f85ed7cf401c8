"""The command line: `trading-agents serve`, `backtest`, `paper`, `agents`, `openapi` and more."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from trading_agents.backtest.command import BacktestRequest
    from trading_agents.config.settings import Settings
    from trading_agents.journal.audit import AuditProblem
    from trading_agents.journal.store import Journal

T = TypeVar("T")
SHUTDOWN_GRACE_S = 5  # seconds a stopping service gives open requests and streams
app = typer.Typer(no_args_is_help=True, help="Trading Agents: autonomous perpetual-futures agents.")


def _fail(message: str) -> NoReturn:
    """Say what is wrong on standard error and exit with status 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _equity(text: str | None) -> Decimal | None:
    """Read --equity as an exact, finite amount, or exit saying it is not one."""
    return None if text is None else _decimal_option(text, "--equity")


def _symbols(text: str) -> tuple[str, ...]:
    """Read a comma-separated list of symbols, upper-cased, blanks dropped."""
    return tuple(symbol.strip().upper() for symbol in text.split(",") if symbol.strip())


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Listen here; beats TRADING_AGENTS_HOST (127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(
            min=1, max=65_535, help="Listen on this port; beats TRADING_AGENTS_PORT (8003)."
        ),
    ] = None,
) -> None:
    """Run the service: the platform's REST API on 127.0.0.1:8003, paper venue, rule brain."""
    import uvicorn
    from pydantic import ValidationError

    from trading_agents.api.app import create_app
    from trading_agents.config.profiles import configured_profiles
    from trading_agents.config.settings import Settings
    from trading_agents.core.errors import ConfigurationError
    from trading_agents.service.build import agents_at_binance, build_desk

    try:
        flags = {"host": host, "port": port}
        settings = Settings().model_copy(update={k: v for k, v in flags.items() if v is not None})
        _configure_logs(logging.INFO, settings)
        settings.check_bind()
        agents_at_binance(settings, configured_profiles())
    except (ValidationError, ValueError, ConfigurationError) as error:
        _fail(str(error))
    uvicorn.run(
        create_app(settings, build_desk),
        host=settings.host,
        port=settings.port,
        log_config=None,  # uvicorn's lines go through the service's handler and its redactor
        # The dashboard's live streams never end by themselves: a stop waits this long for them.
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
    )


def _configure_logs(level: int, settings: Settings | None = None) -> None:
    """Log through the redactor, as LOG_FORMAT says; raise ValueError on bad settings."""
    from trading_agents.config.logs import configure_logging
    from trading_agents.config.settings import Settings

    settings = settings or Settings()
    configure_logging(settings.log_format, [*settings.secrets(), _llm_key()], level)
    # A line per ML engine poll would drown what matters; the client logs its failures.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _llm_key() -> str | None:
    """Return OPENAI_API_KEY, for the logs to keep out."""
    # LLM settings that do not read are the LLM brain's to refuse when an agent asks for it.
    from pydantic import ValidationError

    from trading_agents.config.llm import LlmSettings

    try:
        key = LlmSettings().api_key
    except ValidationError:
        return None
    return None if key is None else key.get_secret_value()


db_app = typer.Typer(no_args_is_help=True, help="The journal's database.")
audit_app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit trail.")
data_app = typer.Typer(no_args_is_help=True, help="Candle stores: market data loaded at once.")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(data_app, name="data")


@data_app.command("import")
def data_import(
    paths: Annotated[
        list[Path], typer.Argument(help="candle and funding files or folders to convert")
    ],
    out: Annotated[Path, typer.Option("--out", help="the store to write: a new folder")],
    symbols: Annotated[
        str | None, typer.Option(help="only these symbols, comma-separated (default: all)")
    ] = None,
) -> None:
    """Convert candle and funding files into a store that --data reads at once."""
    from rich.console import Console
    from rich.table import Table

    from trading_agents.core.errors import ConfigurationError
    from trading_agents.market.feeds.store import import_store

    wanted = _symbols(symbols) if symbols is not None else None
    if wanted is not None and not wanted:
        _fail("--symbols names no symbol")
    try:
        held = import_store(paths, out, wanted)
    except (ConfigurationError, ValueError, OSError) as error:
        _fail(str(error))
    table = Table("symbol", "interval", "candles", "from", "to", "gaps", "funding")
    for row in held:
        table.add_row(
            row.symbol, row.interval, f"{row.candles:,}", row.first_open, row.last_close,
            str(row.gaps), str(row.funding),
        )  # fmt: skip
    table.title = f"Candle store written to {out}"
    Console(stderr=True).print(table)


@data_app.command("verify")
def data_verify(
    store: Annotated[Path, typer.Argument(help="the store to check")],
) -> None:
    """Check every file of a store against the manifest's checksums."""
    from trading_agents.core.errors import ConfigurationError
    from trading_agents.market.feeds.store import is_store, verify

    if not is_store(store):
        _fail(f"{store} is not a candle store (no manifest.json)")
    try:
        damaged = verify(store)
    except (ConfigurationError, ValueError, OSError) as error:
        _fail(str(error))
    if damaged:
        _fail(f"{store}: {', '.join(damaged)} no longer match the manifest's checksums")
    typer.echo(f"{store}: every file matches its checksum")


def _with_journal(upgrade: bool, work: Callable[[Journal], Awaitable[T]]) -> tuple[T, Settings]:
    """Open the journal DATABASE_URL names, run `work` on it and close it; exit on a bad URL."""
    import asyncio

    from pydantic import ValidationError

    from trading_agents.config.settings import Settings
    from trading_agents.core.errors import ConfigurationError
    from trading_agents.journal.keys import audit_key
    from trading_agents.journal.store import Journal

    async def run(settings: Settings) -> T:
        # Only an upgrade may make the key: a check with a new key would only fail.
        key = audit_key(settings.audit_key_text(), settings.audit_key_file, create=upgrade)
        # One event loop for it all: the database's connections belong to the loop they met.
        journal = await Journal.open(settings.database(), key, upgrade, settings.platform_tables)
        try:
            return await work(journal)
        finally:
            await journal.close()

    try:
        settings = Settings()
        return asyncio.run(run(settings)), settings
    except (ValidationError, ConfigurationError) as error:
        _fail(str(error))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the journal's database to this version's schema (Alembic migrations)."""

    async def nothing(journal: Journal) -> None:
        return None

    _, settings = _with_journal(True, nothing)
    typer.echo(f"journal at the latest revision: {settings.database_for_display()}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit log's keyed chain (the audit key needed); exit 1 naming the bad record."""

    async def verify(journal: Journal) -> tuple[int, AuditProblem | None]:
        return await journal.verify_audit()

    (count, problem), _ = _with_journal(False, verify)
    if problem is not None:
        typer.echo(f"audit log broken at record {problem.seq}: {problem.reason}", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"audit log intact: {count} records")


@app.command()
def version() -> None:
    """Print the version and whether the compiled hot path is in use."""
    from trading_agents import __version__, _compiled

    typer.echo(f"{__version__} ({_compiled.MODE})")


@app.command()
def openapi(
    out: Annotated[
        Path | None, typer.Option(help="Write the document here rather than to standard output.")
    ] = None,
) -> None:
    """Print the REST API's OpenAPI document, the one the TypeScript client is generated from."""
    import json

    from trading_agents.api.app import create_app
    from trading_agents.config.settings import Settings
    from trading_agents.service.build import build_desk

    try:
        document = create_app(Settings(), build_desk).openapi()
    except ValueError as error:  # settings the environment gets wrong
        _fail(str(error))
    # Where this deployment is reached differs per deployment; the contract does not.
    document.pop("servers", None)
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        _fail(f"cannot write {out}: {error}")


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
        _fail(str(error))
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
    agent: Annotated[
        str,
        typer.Option(
            help="The agent: atlas, orion, nova or one of yours; several, comma-separated, run"
            " as a batch."
        ),
    ],
    symbols: Annotated[
        str,
        typer.Option(
            help="Comma-separated symbols, e.g. BTCUSDT,ETHUSDT; several sets, separated by ';',"
            " run as a batch."
        ),
    ],
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
    brain: Annotated[
        str | None, typer.Option(help="rules or llm; default: the profile's brain.")
    ] = None,
    llm_cache: Annotated[
        Path | None,
        typer.Option(help="Record the LLM's answers in DIR and reuse those already there."),
    ] = None,
    llm_replay: Annotated[
        bool, typer.Option(help="Answer only from --llm-cache; a missing answer ends the run.")
    ] = False,
    gaps: Annotated[
        str,
        typer.Option(
            help="A gap in the candles within the period: refuse, or skip (step over it, no"
            " candle invented; listed in the result)."
        ),
    ] = "refuse",
    workers: Annotated[
        int | None,
        typer.Option(help="A batch: CPUs of a local Ray instance; 0: no Ray, one at a time."),
    ] = None,
    ray_address: Annotated[
        str | None, typer.Option(help="A batch: run it on this Ray cluster (host:port).")
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Backtest an agent on historical candles; write result.json and report.html."""
    import gc

    # What a backtest imports and builds lives until it ends and forms no reference cycles, so
    # the cyclic collector would only walk all of it again and again (its imports alone some
    # 25 ms). Frozen at the end, then back on: it would otherwise walk the whole run once more
    # (a third of a second after a one-year run) just before the command ends.
    gc.disable()
    try:
        import time

        from rich.console import Console
        from rich.table import Table

        from trading_agents._allocator import keep_freed_memory
        from trading_agents.backtest.command import BacktestRequest, execute, prepare, summary_rows
        from trading_agents.backtest.run import run_to_end
        from trading_agents.core.errors import ConfigurationError, RunAborted

        started = time.perf_counter()
        keep_freed_memory()  # a command that ends when the run does: no memory handed back
        initial = _equity(equity)
        request = BacktestRequest(
            agent=agent.strip().lower(),
            symbols=_symbols(symbols),
            data=data,
            out=out,
            funding=funding,
            start=start,
            end=end,
            strategy=strategy,
            initial_equity=initial,
            brain=brain,
            llm_cache=llm_cache,
            llm_replay=llm_replay,
            gaps=gaps.strip().lower(),
        )
        agents = tuple(name.strip().lower() for name in agent.split(",") if name.strip())
        symbol_sets = tuple(_symbols(part) for part in symbols.split(";"))
        if len(agents) > 1 or len(symbol_sets) > 1:
            gc.enable()  # a batch: each of its runs keeps the collector rare on its own
            _backtest_batch(request, agents, symbol_sets, workers, ray_address)
            return
        if workers is not None or ray_address is not None:
            _fail("--workers and --ray-address are for a batch (several agents or symbol sets)")
        try:
            prepared = prepare(request)
            errors = Console(stderr=True)
            # No bar where no one sees it (a pipe, a log file, CI): rich's progress module is
            # then not even imported, and the run is not interrupted to draw it.
            if quiet or not errors.is_terminal:
                result = run_to_end(prepared, execute(prepared, request, None, started))
            else:
                from rich.progress import Progress

                with Progress(console=errors, transient=True) as bar:
                    task = bar.add_task("backtest", total=None)

                    def advance(done: int, total: int) -> None:
                        bar.update(task, completed=done, total=total)

                    result = run_to_end(prepared, execute(prepared, request, advance, started))
            table = Table("", "", title=f"Backtest written to {out}", show_header=False)
            for label, value in summary_rows(result):
                table.add_row(label, value)
            Console().print(table)
        except (ConfigurationError, RunAborted, ValueError, OSError) as error:
            _fail(str(error))
    finally:
        gc.freeze()
        gc.enable()


def _backtest_batch(
    base: BacktestRequest,
    agents: tuple[str, ...],
    symbol_sets: tuple[tuple[str, ...], ...],
    workers: int | None,
    ray_address: str | None,
) -> None:
    """Run every agent on every symbol set, in parallel; print one line a run."""
    from rich.console import Console
    from rich.table import Table

    from trading_agents.backtest.batch import (
        RayBatch,
        SerialBatch,
        batch_requests,
        check,
        run_batch,
    )
    from trading_agents.core.errors import ConfigurationError

    if workers == 0 and ray_address is not None:
        _fail("--workers 0 runs in this process: leave out --ray-address, or --workers")
    runner: RayBatch | SerialBatch | None = None
    try:
        requests = batch_requests(base, agents, symbol_sets)
        for request in requests:
            check(request)
        runner = SerialBatch() if workers == 0 else RayBatch(ray_address, workers)
        document = run_batch(requests, runner, base.out)
    except (ConfigurationError, ValueError, OSError) as error:
        _fail(str(error))
    finally:
        if runner is not None:
            runner.close()
    table = Table("agent", "symbols", "trades", "net profit", "max drawdown", "final equity",
                  title=f"Batch of {len(requests)} written to {base.out}")  # fmt: skip
    for line in document["runs"]:
        if line["error"] is not None:
            table.add_row(line["agent"], ",".join(line["symbols"]), "failed", line["error"])
            continue
        metrics = line["metrics"]
        table.add_row(
            line["agent"],
            ",".join(line["symbols"]),
            str(metrics["total_trades"]),
            f"{Decimal(metrics['net_profit']):,.2f}",
            f"{Decimal(metrics['max_drawdown']):.2%}",
            f"{Decimal(line['final_equity']):,.2f}",
        )
    Console().print(table)
    if document["failed"]:
        failed = document["failed"]
        _fail(f"{failed} of {len(requests)} backtests failed (see {base.out}/batch.json)")


@app.command()
def optimize(
    agent: Annotated[str, typer.Option(help="The agent: atlas, orion, nova or one of yours.")],
    symbols: Annotated[str, typer.Option(help="Comma-separated symbols, e.g. BTCUSDT,ETHUSDT.")],
    data: Annotated[Path, typer.Option(help="A candle file or a folder of candle files.")],
    out: Annotated[
        Path, typer.Option(help="Run folder: result.json, study.db; run again to resume.")
    ],
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
        str | None, typer.Option(help="Search from a named strategy, e.g. reference.")
    ] = None,
    equity: Annotated[
        str | None, typer.Option(help="Starting equity in USDT; default: the profile's.")
    ] = None,
    space: Annotated[
        Path | None,
        typer.Option(help="The search space (YAML); default: the agent's shipped space."),
    ] = None,
    objective: Annotated[
        str, typer.Option(help="sharpe, sortino, calmar or profit (net, under a drawdown cap).")
    ] = "sharpe",
    max_drawdown: Annotated[
        str | None,
        typer.Option(
            help="Reject trials deeper than this drawdown, e.g. 0.1; profit: the agent's."
        ),
    ] = None,
    trials: Annotated[int, typer.Option(help="Trials a fold.")] = 50,
    folds: Annotated[int, typer.Option(help="Walk-forward folds.")] = 3,
    fold_mode: Annotated[
        str, typer.Option(help="rolling (train just before each test) or anchored (from start).")
    ] = "rolling",
    train: Annotated[
        float | None, typer.Option(help="Days a fold trains on; default: split the period.")
    ] = None,
    test: Annotated[
        float | None, typer.Option(help="Days a fold tests on; default: split the period.")
    ] = None,
    seed: Annotated[int, typer.Option(help="The sampler's seed: the same seed, the same run.")] = 0,
    batch: Annotated[
        int, typer.Option(help="Trials proposed at once and run in parallel (part of the result).")
    ] = 8,
    storage: Annotated[
        str | None, typer.Option(help="Optuna storage URL; default: sqlite in the run folder.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="CPUs of a local Ray instance; 0: no Ray, in this process.")
    ] = None,
    ray_address: Annotated[
        str | None, typer.Option(help="Run the trials on this Ray cluster (host:port).")
    ] = None,
    write_profile: Annotated[
        str | None, typer.Option(help="Write the last fold's choice as agent profile NAME.")
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Search an agent's parameters walk-forward, with Optuna on Ray; measure overfitting."""
    import time

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from trading_agents._allocator import keep_freed_memory
    from trading_agents.backtest.optimize import (
        OptimizeRequest,
        SearchProgress,
        prepare_optimization,
        run_optimization,
    )
    from trading_agents.backtest.optimize_result import summary_rows
    from trading_agents.backtest.trials import SerialTrials, TrialRunner
    from trading_agents.core.errors import ConfigurationError, RunAborted

    started = time.perf_counter()
    keep_freed_memory()  # trials run here (or in Ray's workers) until the search ends
    console = Console(stderr=True)
    cap = None if max_drawdown is None else _decimal_option(max_drawdown, "--max-drawdown")
    request = OptimizeRequest(
        agent=agent.strip().lower(), symbols=_symbols(symbols), data=data, out=out,
        funding=funding, start=start, end=end, strategy=strategy, initial_equity=_equity(equity),
        space=space, objective=objective, max_drawdown=cap, trials=trials, folds=folds,
        fold_mode=fold_mode, train_days=train, test_days=test, seed=seed, batch=batch,
        storage=storage, workers=workers, ray_address=ray_address, write_profile=write_profile,
    )  # fmt: skip
    runner: TrialRunner | None = None
    try:
        prepared = prepare_optimization(request)
        if workers == 0:
            runner = SerialTrials(prepared.market)
        else:
            from trading_agents.backtest.ray_trials import RayTrials

            runner = RayTrials(prepared.market, ray_address, workers)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())  # fmt: skip
        with Progress(*columns, console=console, disable=quiet, transient=True) as bar:
            task = bar.add_task("optimize", total=request.folds * request.trials)

            def advance(step: SearchProgress) -> None:
                best = "n/a" if step.best is None else f"{step.best:.4g}"
                bar.update(
                    task,
                    completed=step.fold * step.trials + step.done,
                    description=f"fold {step.fold + 1}/{step.folds} · best {objective} {best}",
                )

            result = run_optimization(prepared, runner, advance, started)
        table = Table("", "", title=f"Optimization written to {out}", show_header=False)
        for label, value in summary_rows(result):
            table.add_row(label, value)
        Console().print(table)
    except KeyboardInterrupt:
        typer.echo(f"interrupted: run the same command again to resume from {out}", err=True)
        raise typer.Exit(code=130) from None
    except (ConfigurationError, RunAborted, ValueError, OSError) as error:
        _fail(str(error))
    finally:
        if runner is not None:
            runner.close()


def _decimal_option(text: str, option: str) -> Decimal:
    """Read an option as an exact, finite number, or exit saying it is not one."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        _fail(f"{option} {text!r} is not a number")
    if not value.is_finite():
        _fail(f"{option} {text!r} is not a number")
    return value


@app.command()
def paper(
    agent: Annotated[str, typer.Option(help="The agent: atlas, orion, nova or one of yours.")],
    market: Annotated[
        str, typer.Option(help="binance: live public market data; replay: stored candles.")
    ] = "binance",
    symbols: Annotated[
        str | None, typer.Option(help="Comma-separated subset of the agent's symbols.")
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="For a replay: a candle file or a folder of them.")
    ] = None,
    speed: Annotated[
        float | None, typer.Option(help="For a replay: candles per second; default full speed.")
    ] = None,
    binance_url: Annotated[
        str | None, typer.Option(help="Binance USDⓈ-M REST base URL (a proxy, say).")
    ] = None,
    binance_ws_url: Annotated[
        str | None,
        typer.Option(help="Binance USDⓈ-M market stream base URL; default its /market route."),
    ] = None,
    minutes: Annotated[
        int | None, typer.Option(help="Stop after this many minutes of market time.")
    ] = None,
    strategy: Annotated[
        str | None, typer.Option(help="Trade a named strategy, e.g. reference.")
    ] = None,
    equity: Annotated[
        str | None, typer.Option(help="Starting equity in USDT; default: the profile's.")
    ] = None,
) -> None:
    """Paper-trade an agent on live Binance data or a replay, on the simulated venue."""
    import asyncio

    from rich.console import Console
    from rich.table import Table

    from trading_agents.agents.state import DecisionState
    from trading_agents.core.errors import ConfigurationError
    from trading_agents.engine.paper_run import PaperRequest, prepare_paper, run_paper
    from trading_agents.model.decisions import Action

    initial = _equity(equity)
    request = PaperRequest(
        agent=agent.strip().lower(),
        symbols=_symbols(symbols or ""),
        market=market,
        data=data,
        speed=speed,
        binance_url=binance_url,
        binance_ws_url=binance_ws_url,
        minutes=minutes,
        strategy=strategy,
        initial_equity=initial,
    )
    console = Console()

    def show(decided: list[DecisionState]) -> None:
        for state in decided:
            decision = state["decision"]
            if decision.action is Action.HOLD:
                continue
            verdicts = "; ".join(
                f"{check.role} {type(check.verdict).__name__.lower()}"
                + (f" ({check.verdict.code})" if hasattr(check.verdict, "code") else "")
                for check in state.get("checks", ())
            )
            console.print(
                f"{_utc(state['ts_ms'])} {decision.symbol} {decision.action}: "
                f"{decision.reasoning} [{verdicts}]",
                markup=False,
            )

    try:
        # Warnings only: the console shows the decisions; a line that does come is redacted.
        _configure_logs(logging.WARNING)
        prepared = prepare_paper(request)
        console.print(f"paper trading {request.agent} on {prepared.feed.description}")
        session = asyncio.run(run_paper(prepared, show))
    except (ConfigurationError, ValueError, OSError) as error:
        _fail(str(error))
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)
        raise typer.Exit(code=130) from None
    metrics = session.account.portfolio.metrics()
    table = Table("", "", title=f"Paper run of {request.agent}", show_header=False)
    table.add_row("candles", f"{session.candles:,} (+{session.warmed:,} to warm up)")
    table.add_row("trades", str(metrics.total_trades))
    table.add_row("net profit", f"{metrics.net_profit:.2f} USDT")
    table.add_row("open positions", str(len(session.account.portfolio.ledger.open_positions())))
    console.print(table)


def _utc(ms: int) -> str:
    from trading_agents.core.clock import to_datetime

    return to_datetime(ms).strftime("%Y-%m-%d %H:%M UTC")
