"""The command line: `trading-agents serve`, `backtest`, `data`, `audit verify`, `agents`."""

from __future__ import annotations

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
