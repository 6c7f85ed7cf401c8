"""The `trading-agents` command, also run as `python -m trading_agents`."""

from __future__ import annotations

import gc


def main() -> None:
    """Import the command line with the cyclic collector off, then run it."""
    # What the imports build (modules, classes, functions, the CLI's own tree) lives until the
    # command ends. With the collector on, it walks all of it some sixty times while a command
    # starts, and frees nothing. Frozen after, so no later collection walks it either; a
    # long-running command (serve) then collects only what it builds itself.
    gc.disable()
    try:
        from trading_agents.cli import app
    finally:
        gc.freeze()
        gc.enable()
    app()


if __name__ == "__main__":
    main()
