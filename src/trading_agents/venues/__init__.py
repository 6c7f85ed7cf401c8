"""The venue port and its adapters: the simulated venue and Binance USDⓈ-M."""
