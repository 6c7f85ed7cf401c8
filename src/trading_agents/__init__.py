"""Autonomous trading agents for USDT-margined perpetual futures."""

__version__ = "0.1.0"

# Before any other module of the package: decides whether the compiled build may be imported.
from trading_agents import _compiled  # noqa: F401
