"""Candles, indicators, the clock-bound market view and feeds."""
