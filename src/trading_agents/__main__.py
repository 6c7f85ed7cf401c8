"""The `trading-agents` command, also run as `python -m trading_agents`."""

from __future__ import annotations

import gc
import os


def main() -> None:
    """Import the command line with the cyclic collector off, then run it."""
    # Nothing here does linear algebra, yet numpy's OpenBLAS starts a thread a core when it is
    # imported (about 6 ms of every command) and leaves them spinning on the other core after
    # numpy's calls. One thread, unless the user chose otherwise; read when numpy is imported.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # What the imports build (modules, classes, functions, the CLI's own tree) lives until the
    # command ends. With the collector on, it walks all of it some sixty times while a command
    # starts, and frees nothing. Frozen after, so no later collection walks it either; a
    # long-running command (serve) then collects only what it builds itself.
    gc.disable()
    try:
        from trading_agents._dataclass_code import install

        install()  # the dataclasses' methods from their recorded code, not compiled anew
        from trading_agents.cli import app
    finally:
        gc.freeze()
        gc.enable()
    app()


if __name__ == "__main__":
    main()
