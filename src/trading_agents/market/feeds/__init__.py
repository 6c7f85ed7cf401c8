"""Candle feeds: replay from files, synthetic series and Binance public market data."""
