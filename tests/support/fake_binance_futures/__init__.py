"""A fake Binance USDⓈ-M futures exchange for tests: REST, signing, faults and user stream.

    async with FakeBinanceFutures(wallet=Decimal("1000")) as fake:
        fake.set_price("BTCUSDT", Decimal("50000"))
        ...  # point ccxt's binanceusdm at fake.base_url, the user stream at fake.ws_url

Modules: `server` (serving, control API, user stream), `gateway` (weights, signatures,
faults), `endpoints` (REST handlers), `matching` (orders, algo orders, triggers), `account`
(wallet, positions, margin), `rules` (filters, parameters), `wire` (Binance's JSON shapes).
"""

from tests.support.fake_binance_futures.server import (
    FakeBinanceFutures,
    RecordedRequest,
    SubAccount,
)
from tests.support.fake_binance_futures.wire import AlgoOrder, Income, Order, Trade

__all__ = [
    "AlgoOrder",
    "FakeBinanceFutures",
    "Income",
    "Order",
    "RecordedRequest",
    "SubAccount",
    "Trade",
]
