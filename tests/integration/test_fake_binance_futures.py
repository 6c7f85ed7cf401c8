"""The fake Binance USDⓈ-M futures server, checked with raw signed requests and a raw WebSocket."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import aiohttp
import httpx
import pytest

from tests.support.fake_binance_futures import FakeBinanceFutures

START = 1_750_000_000_000
ORDER = "/fapi/v1/order"
ALGO = "/fapi/v1/algoOrder"
LISTEN_KEY = "/fapi/v1/listenKey"


@dataclass
class Clock:
    """The server's clock, which the test moves."""

    now: int = START

    def __call__(self) -> int:
        return self.now


@dataclass
class Client:
    """Sign and send requests the way Binance's docs say, without ccxt."""

    http: httpx.AsyncClient
    fake: FakeBinanceFutures
    clock: Clock

    async def signed(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None = None,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        wait: float | None = None,
    ) -> httpx.Response:
        """Send a signed request: query string for GET/DELETE, form body for POST/PUT."""
        query = urlencode({**(params or {}), "timestamp": timestamp or self.clock.now})
        key = (secret or self.fake.api_secret).encode()
        signed = f"{query}&signature={hmac.new(key, query.encode(), hashlib.sha256).hexdigest()}"
        headers = {"X-MBX-APIKEY": self.fake.api_key}
        extra: dict[str, Any] = {} if wait is None else {"timeout": wait}
        if method in ("GET", "DELETE"):
            return await self.http.request(method, f"{path}?{signed}", headers=headers, **extra)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return await self.http.request(method, path, content=signed, headers=headers, **extra)

    async def listen_key(self) -> str:
        """Create (or fetch) the listen key."""
        response = await self.http.post(LISTEN_KEY, headers={"X-MBX-APIKEY": self.fake.api_key})
        assert response.status_code == 200
        key: str = response.json()["listenKey"]
        return key

    async def market(self, side: str, quantity: str, client_id: str, **extra: str) -> Any:
        """Place a MARKET order answered with RESULT, and return the body."""
        params = {
            "symbol": "BTCUSDT",
            "side": side,
            "type": "MARKET",
            "quantity": quantity,
            "newClientOrderId": client_id,
            "newOrderRespType": "RESULT",
            **extra,
        }
        response = await self.signed("POST", ORDER, params)
        assert response.status_code == 200, response.text
        return response.json()


def refusal(response: httpx.Response) -> tuple[int, int]:
    """Return the HTTP status and Binance's error code."""
    return response.status_code, response.json()["code"]


async def events(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[dict[str, Any]]:
    """Read the next `count` events from the user stream."""
    received = []
    for _ in range(count):
        message = await ws.receive(timeout=2)
        assert message.type == aiohttp.WSMsgType.TEXT, message
        received.append(json.loads(message.data))
    return received


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def fake(clock: Clock) -> AsyncIterator[FakeBinanceFutures]:
    async with FakeBinanceFutures(wallet=Decimal("1000"), clock=clock) as fake:
        fake.set_price("BTCUSDT", Decimal("50000"))
        yield fake


@pytest.fixture
async def client(fake: FakeBinanceFutures, clock: Clock) -> AsyncIterator[Client]:
    async with httpx.AsyncClient(base_url=fake.base_url) as http:
        yield Client(http, fake, clock)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def stream(
    fake: FakeBinanceFutures, client: Client, session: aiohttp.ClientSession
) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    key = await client.listen_key()
    async with session.ws_connect(f"{fake.ws_url}/ws/{key}") as ws:
        yield ws


# Orders and the user stream ----------------------------------------------------------------


async def test_a_signed_market_order_fills_and_is_pushed_on_the_user_stream(
    fake: FakeBinanceFutures, client: Client, stream: aiohttp.ClientWebSocketResponse
) -> None:
    body = await client.market("BUY", "0.010", "entry-1")

    assert (body["status"], body["avgPrice"], body["executedQty"]) == ("FILLED", "50000", "0.01")
    new, trade, account = await events(stream, 3)
    assert (new["e"], new["o"]["x"], new["o"]["c"]) == ("ORDER_TRADE_UPDATE", "NEW", "entry-1")
    assert (trade["o"]["x"], trade["o"]["X"]) == ("TRADE", "FILLED")
    assert (trade["o"]["l"], trade["o"]["L"], trade["o"]["n"]) == ("0.01", "50000", "0.25000000")
    assert (trade["o"]["m"], trade["o"]["N"]) == (False, "USDT")
    assert trade["o"]["t"] > 0
    assert (account["e"], account["a"]["m"]) == ("ACCOUNT_UPDATE", "ORDER")
    assert account["a"]["B"][0]["wb"] == "999.75000000"
    assert (account["a"]["P"][0]["pa"], account["a"]["P"][0]["ep"]) == ("0.01", "50000")
    assert fake.position("BTCUSDT") == (Decimal("0.01"), Decimal("50000"))
    assert fake.wallet_balance == Decimal("999.75")


async def test_an_ack_answer_shows_the_order_as_accepted(client: Client) -> None:
    params = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}
    body = (await client.signed("POST", ORDER, params)).json()

    assert (body["status"], body["executedQty"]) == ("NEW", "0")
    queried = await client.signed("GET", ORDER, {"symbol": "BTCUSDT", "orderId": body["orderId"]})
    assert queried.json()["status"] == "FILLED"


async def test_a_resting_limit_order_fills_at_its_price_as_maker_when_the_market_crosses_it(
    fake: FakeBinanceFutures, client: Client
) -> None:
    params = {
        "symbol": "BTCUSDT",
        "side": "BUY",
        "type": "LIMIT",
        "quantity": "0.01",
        "price": "49000",
        "timeInForce": "GTC",
        "newClientOrderId": "dip",
    }
    assert (await client.signed("POST", ORDER, params)).json()["status"] == "NEW"
    assert [
        o["clientOrderId"] for o in (await client.signed("GET", "/fapi/v1/openOrders")).json()
    ] == ["dip"]

    fake.set_price("BTCUSDT", Decimal("48000"))

    (order,) = fake.orders()
    assert (order.status, order.avg_price) == ("FILLED", Decimal("49000"))
    (trade,) = (await client.signed("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT"})).json()
    assert (trade["price"], trade["maker"], trade["commission"]) == ("49000", True, "0.09800000")


async def test_a_stop_algo_order_triggers_on_a_price_move_and_closes_the_position(
    fake: FakeBinanceFutures, client: Client, stream: aiohttp.ClientWebSocketResponse
) -> None:
    await client.market("BUY", "0.01", "entry")
    await events(stream, 3)
    stop = {
        "algoType": "CONDITIONAL",
        "symbol": "BTCUSDT",
        "side": "SELL",
        "type": "STOP_MARKET",
        "quantity": "0.01",
        "triggerPrice": "49000",
        "reduceOnly": "true",
        "clientAlgoId": "stop-1",
    }
    placed = (await client.signed("POST", ALGO, stop)).json()
    assert (placed["algoStatus"], placed["clientAlgoId"]) == ("NEW", "stop-1")
    (new_algo,) = await events(stream, 1)
    assert (new_algo["e"], new_algo["o"]["X"], new_algo["o"]["caid"]) == (
        "ALGO_UPDATE",
        "NEW",
        "stop-1",
    )

    fake.set_price("BTCUSDT", Decimal("48500"))

    pushed = await events(stream, 6)
    assert [(e["e"], e["o"]["X"] if "o" in e else e["a"]["m"]) for e in pushed] == [
        ("ALGO_UPDATE", "TRIGGERING"),
        ("ORDER_TRADE_UPDATE", "NEW"),
        ("ORDER_TRADE_UPDATE", "FILLED"),
        ("ACCOUNT_UPDATE", "ORDER"),
        ("ALGO_UPDATE", "TRIGGERED"),
        ("ALGO_UPDATE", "FINISHED"),
    ]
    fill, triggered = pushed[2]["o"], pushed[4]["o"]
    assert (fill["c"], fill["o"], fill["L"]) == ("stop-1", "MARKET", "49000")
    assert triggered["ai"] == str(fill["i"])
    assert fake.position("BTCUSDT") == (Decimal("0"), Decimal("0"))
    queried = (await client.signed("GET", ALGO, {"clientAlgoId": "stop-1"})).json()
    assert (queried["algoStatus"], queried["actualOrderId"]) == ("FINISHED", str(fill["i"]))
    assert (await client.signed("GET", "/fapi/v1/openAlgoOrders")).json() == []
    # realized -10 on 0.01 BTC, taker fees 0.25 + 0.245
    assert fake.wallet_balance == Decimal("1000") - Decimal("10") - Decimal("0.495")


async def test_a_reduce_only_stop_without_a_position_is_taken_and_rejected_when_it_fires(
    fake: FakeBinanceFutures, client: Client
) -> None:
    stop = {
        "algoType": "CONDITIONAL",
        "symbol": "BTCUSDT",
        "side": "SELL",
        "type": "STOP_MARKET",
        "quantity": "0.01",
        "triggerPrice": "49000",
        "reduceOnly": "true",
        "clientAlgoId": "orphan",
    }
    assert (await client.signed("POST", ALGO, stop)).status_code == 200

    fake.set_price("BTCUSDT", Decimal("48000"))

    (algo,) = fake.algo_orders()
    assert (algo.status, algo.reject_reason) == ("REJECTED", "Reduce Only reject")
    assert fake.orders() == []


async def test_an_algo_order_is_canceled_once_and_then_unknown(client: Client) -> None:
    take_profit = {
        "algoType": "CONDITIONAL",
        "symbol": "BTCUSDT",
        "side": "SELL",
        "type": "TAKE_PROFIT_MARKET",
        "triggerPrice": "55000",
        "closePosition": "true",
        "clientAlgoId": "tp-1",
    }
    assert (await client.signed("POST", ALGO, take_profit)).status_code == 200

    canceled = await client.signed("DELETE", ALGO, {"clientAlgoId": "tp-1"})

    assert canceled.json() == {
        "algoId": canceled.json()["algoId"],
        "clientAlgoId": "tp-1",
        "code": "200",
        "msg": "success",
    }
    assert refusal(await client.signed("DELETE", ALGO, {"clientAlgoId": "tp-1"})) == (400, -2011)
    assert refusal(await client.signed("GET", ALGO, {"clientAlgoId": "nope"})) == (400, -2013)


MARKET_BUY = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"symbol": "NOPEUSDT"}, -1121),
        ({"quantity": "0.0101"}, -1111),
        ({"type": "LIMIT", "price": "50000.05", "timeInForce": "GTC"}, -4014),
        ({"quantity": "0"}, -4003),
        ({"reduceOnly": "true"}, -2022),
        ({"quantity": "0.001"}, -4164),
        ({"quantity": "1"}, -2019),
    ],
)
async def test_orders_breaking_binances_rules_are_refused_with_binances_codes(
    client: Client, changes: dict[str, str], code: int
) -> None:
    response = await client.signed("POST", ORDER, {**MARKET_BUY, **changes})

    assert refusal(response) == (400, code)


async def test_a_client_order_id_in_use_by_an_open_order_is_refused(client: Client) -> None:
    limit = {**MARKET_BUY, "type": "LIMIT", "price": "40000", "timeInForce": "GTC"}
    limit["newClientOrderId"] = "same"
    assert (await client.signed("POST", ORDER, limit)).status_code == 200

    assert refusal(await client.signed("POST", ORDER, limit)) == (400, -4116)


async def test_a_stop_that_would_fire_at_once_is_refused(client: Client) -> None:
    stop = {
        "algoType": "CONDITIONAL",
        "symbol": "BTCUSDT",
        "side": "SELL",
        "type": "STOP_MARKET",
        "quantity": "0.01",
        "triggerPrice": "51000",
    }

    assert refusal(await client.signed("POST", ALGO, stop)) == (400, -2021)


# Signing -----------------------------------------------------------------------------------


async def test_a_bad_signature_is_refused(client: Client) -> None:
    response = await client.signed("GET", "/fapi/v2/balance", secret="not-the-secret")

    assert refusal(response) == (400, -1022)


async def test_a_wrong_api_key_is_refused(fake: FakeBinanceFutures, client: Client) -> None:
    response = await client.http.get("/fapi/v2/balance", headers={"X-MBX-APIKEY": "other"})

    assert refusal(response) == (401, -2015)


async def test_a_timestamp_outside_the_recv_window_is_refused(
    fake: FakeBinanceFutures, client: Client, clock: Clock
) -> None:
    stale = await client.signed("GET", "/fapi/v2/balance", timestamp=clock.now - 5001)
    ahead = await client.signed("GET", "/fapi/v2/balance", timestamp=clock.now + 1000)
    fake.skew_clock(10_000)
    behind_the_server = await client.signed("GET", "/fapi/v2/balance")

    assert refusal(stale) == refusal(ahead) == refusal(behind_the_server) == (400, -1021)
    assert stale.json()["msg"] == "Timestamp for this request is outside of the recvWindow."


async def test_answers_carry_the_used_weight_and_order_placements_the_order_counts(
    fake: FakeBinanceFutures, client: Client
) -> None:
    balance = await client.signed("GET", "/fapi/v2/balance")
    order = await client.signed("POST", ORDER, MARKET_BUY)

    assert balance.headers["X-MBX-USED-WEIGHT-1M"] == "5"
    assert order.headers["X-MBX-USED-WEIGHT-1M"] == "5"  # placing an order costs no IP weight
    assert (order.headers["X-MBX-ORDER-COUNT-10S"], order.headers["X-MBX-ORDER-COUNT-1M"]) == (
        "1",
        "1",
    )
    assert fake.used_weight == 5
    assert [(r.method, r.path) for r in fake.requests] == [
        ("GET", "/fapi/v2/balance"),
        ("POST", ORDER),
    ]


# Faults ------------------------------------------------------------------------------------


async def test_a_failure_before_acceptance_leaves_no_order(
    fake: FakeBinanceFutures, client: Client
) -> None:
    fake.fail("POST", ORDER)

    failed = await client.signed("POST", ORDER, MARKET_BUY)
    retried = await client.signed("POST", ORDER, MARKET_BUY)

    assert refusal(failed) == (503, -1001)
    assert retried.status_code == 200
    assert len(fake.orders()) == 1


async def test_a_failure_after_acceptance_leaves_the_order_at_the_exchange(
    fake: FakeBinanceFutures, client: Client
) -> None:
    fake.fail("POST", ORDER, after_accept=True)

    failed = await client.signed("POST", ORDER, {**MARKET_BUY, "newClientOrderId": "lost"})

    assert refusal(failed) == (503, -1001)
    assert "Execution status unknown" in failed.json()["msg"]
    found = await client.signed("GET", ORDER, {"symbol": "BTCUSDT", "origClientOrderId": "lost"})
    assert found.json()["status"] == "FILLED"


@pytest.mark.parametrize("after_accept", [True, False])
async def test_a_held_answer_times_the_client_out_with_or_without_the_order(
    fake: FakeBinanceFutures, client: Client, after_accept: bool
) -> None:
    fake.timeout("POST", ORDER, seconds=2, after_accept=after_accept)

    with pytest.raises(httpx.ReadTimeout):
        await client.signed("POST", ORDER, MARKET_BUY, wait=0.2)

    assert len(fake.orders()) == (1 if after_accept else 0)


async def test_a_rate_limited_request_gets_429_with_retry_after(
    fake: FakeBinanceFutures, client: Client
) -> None:
    fake.rate_limit("GET", "/fapi/v2/balance")

    limited = await client.signed("GET", "/fapi/v2/balance")
    after = await client.signed("GET", "/fapi/v2/balance")

    assert refusal(limited) == (429, -1003)
    assert limited.headers["Retry-After"] == "1"
    assert after.status_code == 200


async def test_a_ban_refuses_every_request_until_it_ends(
    fake: FakeBinanceFutures, client: Client, clock: Clock
) -> None:
    fake.ban(120)

    banned = await client.http.get("/fapi/v1/ping")
    clock.now += 120_000
    after = await client.http.get("/fapi/v1/ping")

    assert refusal(banned) == (418, -1003)
    assert f"banned until {START + 120_000}" in banned.json()["msg"]
    assert after.status_code == 200


# The user stream ---------------------------------------------------------------------------


async def test_dropped_streams_are_cut_and_the_key_still_opens_a_new_one(
    fake: FakeBinanceFutures,
    client: Client,
    session: aiohttp.ClientSession,
    stream: aiohttp.ClientWebSocketResponse,
) -> None:
    fake.drop_streams()

    message = await stream.receive(timeout=2)
    assert message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    key = await client.listen_key()
    async with session.ws_connect(f"{fake.ws_url}/ws/{key}") as again:
        fake.fund(Decimal("5"))
        (deposit,) = await events(again, 1)
    assert (deposit["e"], deposit["a"]["m"], deposit["a"]["B"][0]["bc"]) == (
        "ACCOUNT_UPDATE",
        "DEPOSIT",
        "5.00000000",
    )


async def test_an_expired_listen_key_is_announced_closed_and_refused(
    fake: FakeBinanceFutures,
    client: Client,
    session: aiohttp.ClientSession,
    stream: aiohttp.ClientWebSocketResponse,
) -> None:
    key = await client.listen_key()

    fake.expire_listen_keys()

    (notice,) = await events(stream, 1)
    assert (notice["e"], notice["listenKey"]) == ("listenKeyExpired", key)
    assert (await stream.receive(timeout=2)).type == aiohttp.WSMsgType.CLOSE
    headers = {"X-MBX-APIKEY": fake.api_key}
    keepalive = await client.http.put(LISTEN_KEY, headers=headers)
    assert refusal(keepalive) == (400, -1125)
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await session.ws_connect(f"{fake.ws_url}/ws/{key}")
    assert await client.listen_key() != key


# Account -----------------------------------------------------------------------------------


async def test_funding_is_charged_on_the_position_and_recorded_as_income(
    fake: FakeBinanceFutures, client: Client
) -> None:
    await client.market("BUY", "0.01", "long")

    fake.charge_funding("BTCUSDT", Decimal("0.0001"))

    assert fake.wallet_balance == Decimal("1000") - Decimal("0.25") - Decimal("0.05")
    income = await client.signed("GET", "/fapi/v1/income", {"incomeType": "FUNDING_FEE"})
    assert [(i["symbol"], i["income"]) for i in income.json()] == [("BTCUSDT", "-0.05000000")]
    assert fake.events[-1]["a"] == {
        "m": "FUNDING_FEE",
        "B": [{"a": "USDT", "wb": "999.70000000", "cw": "999.70000000", "bc": "-0.05000000"}],
        "P": [],
    }


async def test_positions_and_balance_show_the_account(
    fake: FakeBinanceFutures, client: Client
) -> None:
    await client.market("BUY", "0.01", "long")
    fake.set_price("BTCUSDT", Decimal("51000"))

    v2 = (await client.signed("GET", "/fapi/v2/positionRisk")).json()
    (v3,) = (await client.signed("GET", "/fapi/v3/positionRisk")).json()
    (balance,) = (await client.signed("GET", "/fapi/v3/balance")).json()
    account = (await client.signed("GET", "/fapi/v3/account")).json()

    assert len(v2) == 10
    assert {p["marginType"] for p in v2} == {"cross"}
    assert (v3["symbol"], v3["positionAmt"], v3["unRealizedProfit"]) == (
        "BTCUSDT",
        "0.01",
        "10.00000000",
    )
    assert (balance["balance"], balance["crossUnPnl"]) == ("999.75000000", "10.00000000")
    assert account["totalMarginBalance"] == "1009.75000000"
    assert [p["symbol"] for p in account["positions"]] == ["BTCUSDT"]


async def test_account_settings_refuse_what_binance_refuses(client: Client) -> None:
    symbol = {"symbol": "BTCUSDT"}

    leverage = await client.signed("POST", "/fapi/v1/leverage", {**symbol, "leverage": "10"})
    too_high = await client.signed("POST", "/fapi/v1/leverage", {**symbol, "leverage": "126"})
    crossed = await client.signed(
        "POST", "/fapi/v1/marginType", {**symbol, "marginType": "CROSSED"}
    )
    one_way = await client.signed(
        "POST", "/fapi/v1/positionSide/dual", {"dualSidePosition": "false"}
    )
    dual = await client.signed("GET", "/fapi/v1/positionSide/dual")
    brackets = await client.signed("GET", "/fapi/v1/leverageBracket", symbol)

    assert leverage.json() == {"leverage": 10, "maxNotionalValue": "230000000", "symbol": "BTCUSDT"}
    assert refusal(too_high) == (400, -4028)
    assert refusal(crossed) == (400, -4046)
    assert refusal(one_way) == (400, -4059)
    assert dual.json() == {"dualSidePosition": False}
    assert brackets.json()["symbol"] == "BTCUSDT"


# Serving in a thread -----------------------------------------------------------------------


def test_the_fake_serves_from_its_own_thread_and_takes_control_calls_from_another() -> None:
    fake = FakeBinanceFutures(wallet=Decimal("100"))
    fake.start()
    try:
        fake.set_price("ETHUSDT", Decimal("2000"))
        with httpx.Client(base_url=fake.base_url) as http:
            assert http.get("/fapi/v1/ping").json() == {}
            key = http.post(LISTEN_KEY, headers={"X-MBX-APIKEY": fake.api_key}).json()
        fake.fund(Decimal("50"))

        assert fake.wallet_balance == Decimal("150")
        assert fake.listen_key == key["listenKey"]
        assert fake.ws_url.startswith("ws://127.0.0.1:")
    finally:
        fake.close()
