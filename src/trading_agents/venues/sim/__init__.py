"""The simulated futures venue used by backtests and paper trading."""
