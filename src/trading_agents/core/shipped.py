"""Files shipped inside the package: profiles, strategies, instruments, page assets."""

from __future__ import annotations

from pathlib import Path

# The package is installed as files (its compiled modules could not load from an archive),
# so its data is read from beside its modules, without importlib.resources and what that
# imports (a tenth of a backtest's start-up budget).
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def shipped(*parts: str) -> Path:
    """Return the path of a file or folder shipped in the package, by its parts."""
    return PACKAGE_DIR.joinpath(*parts)
