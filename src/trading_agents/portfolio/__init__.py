"""Ledger, positions, round-trip trades and performance metrics."""
