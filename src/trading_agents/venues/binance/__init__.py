"""The Binance USDⓈ-M venue: ccxt REST, the user data stream, reconciliation."""
