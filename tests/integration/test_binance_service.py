"""The service trading at Binance (the fake) through the platform's API, and after restarts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from tests.support.asgi import ok, until, warmed_up
from tests.support.audit_keys import service_audit_key
from tests.support.binance_service import (
    SYMBOL,
    binance_environment,
    btc_only_agents,
    buy_signal,
    last_close,
    public_market,
    recent_candles,
)
from tests.support.fake_alert_sinks import FakeAlertSinks, alerts_when
from tests.support.fake_binance_futures import FakeBinanceFutures
from trading_agents.config.settings import Settings
from trading_agents.core.errors import ConfigurationError
from trading_agents.events.types import Repaired
from trading_agents.journal.store import Journal
from trading_agents.journal.tables import cash_flows, order_intents
from trading_agents.model.reports import FundingReport
from trading_agents.service import binance_account
from trading_agents.service.build import build_desk
from trading_agents.service.desk import TradingDesk

EQUITY = Decimal(10_000)
NOVA = "/accounts/acc-1/agents/nova"
ATLAS = "/accounts/acc-2/agents/atlas"
ORDER = "/fapi/v1/order"


CANDLES = recent_candles()
# Priced at the market the fake trades at: a signal priced off it is not acted on.
BUY = buy_signal(CANDLES)


@pytest.fixture
async def futures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FakeBinanceFutures]:
    """Serve the fake Binance account and live candles; point the service at both."""
    candles = CANDLES
    async with public_market(candles) as public, FakeBinanceFutures(wallet=EQUITY) as fake:
        fake.set_price(SYMBOL, last_close(candles))
        environment = binance_environment(fake, public, btc_only_agents(tmp_path / "agents"))
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        yield fake


def service() -> AbstractAsyncContextManager[tuple[httpx.AsyncClient, TradingDesk]]:
    """Run the service in this loop until the block ends, once its market data has come."""
    return warmed_up(CANDLES[-1].close_ms)


async def buy_unheard(client: httpx.AsyncClient, futures: FakeBinanceFutures) -> None:
    """Buy; Binance takes the order, but neither its answer nor a question about it comes back."""
    futures.fail("POST", ORDER, status=503, after_accept=True)
    futures.fail("GET", ORDER, status=502, msg="Bad Gateway", times=50)
    await ok(client.post(f"{NOVA}/signal", json=BUY))


def held_at_binance(fake: FakeBinanceFutures) -> Decimal:
    return fake.position(SYMBOL)[0]


async def books(client: httpx.AsyncClient, path: str) -> Decimal:
    positions = (await ok(client.get(f"{path}/positions")))["positions"]
    return sum((Decimal(str(p["quantity"])) for p in positions), Decimal(0))


async def test_an_agent_trades_the_binance_account_through_the_api(
    futures: FakeBinanceFutures,
) -> None:
    async with service() as (client, _):
        health = await ok(client.get("/health"))
        assert (health["mode"], health["venue"]) == (
            "binance-demo",
            "off (no agent trades at Binance)",
        )

        wrong = await client.post(f"{NOVA}/start", json={"initial_equity": 9999})
        assert wrong.status_code == 422
        assert "wallet holds 10000" in wrong.text
        assert (await client.get(f"{NOVA}/status")).status_code == 404  # nothing started

        status = await ok(client.post(f"{NOVA}/start", json={"initial_equity": 10000}))
        assert status["mode"] == "binance-demo"
        assert (await ok(client.get("/health")))["venue"] == "ok"
        second = await client.post(f"{ATLAS}/start", json={"initial_equity": 10000})
        assert second.status_code == 409
        assert "already trades the Binance account" in second.text
        deposit = await client.post(f"{NOVA}/deposit", json={"amount": 100})
        assert deposit.status_code == 409
        assert "transfer at Binance" in deposit.text

        decision = await ok(client.post(f"{NOVA}/signal", json=BUY))
        assert decision["action"] == "open", decision
        held = held_at_binance(futures)
        assert held > 0
        assert await books(client, NOVA) == held
        exits = sorted(a.client_algo_id.split("-")[0] for a in futures.algo_orders(SYMBOL))
        assert exits == ["sl", "tp"]
        orders = (await ok(client.get(f"{NOVA}/orders")))["items"]
        assert [o["status"] for o in orders] == ["filled", "accepted", "accepted"]
        assert [o["reduce_only"] for o in orders] == [False, True, True]

        await ok(client.post(f"{NOVA}/stop", json={}))
        assert held_at_binance(futures) == 0
        assert await books(client, NOVA) == 0
        assert not [a for a in futures.algo_orders(SYMBOL) if a.is_open]
        assert (await ok(client.get("/health")))["venue"].startswith("off")
        trades = (await ok(client.get(f"{NOVA}/trades")))["items"]
        assert len(trades) == 1

        # The Binance account is free again: another agent may take it.
        await ok(
            client.post(f"{ATLAS}/start", json={"initial_equity": str(futures.wallet_balance)})
        )


async def test_a_restart_books_what_binance_did_while_the_service_was_down(
    futures: FakeBinanceFutures,
) -> None:
    async with service() as (client, _):
        await ok(client.post(f"{NOVA}/start", json={"initial_equity": 10000}))
        await ok(client.post(f"{NOVA}/signal", json=BUY))
        held = held_at_binance(futures)
        assert held > 0
    # Down: the stop loss triggers at Binance while nobody listens.
    stop = next(a for a in futures.algo_orders(SYMBOL) if a.client_algo_id.startswith("sl-"))
    futures.set_price(SYMBOL, stop.trigger_price - 10)
    assert held_at_binance(futures) == 0

    async with service() as (client, desk):
        assert await books(client, NOVA) == 0
        trips = (await ok(client.get(f"{NOVA}/trades")))["items"]
        assert len(trips) == 1
        assert not [a for a in futures.algo_orders(SYMBOL) if a.is_open]  # the take profit went
        session = desk.session("nova", "acc-1")
        assert session.parts.account.portfolio.ledger.wallet_balance == futures.wallet_balance
        status = await ok(client.get(f"{NOVA}/status"))
        assert status["status"] == "running"


async def test_an_order_whose_answer_never_came_is_settled_by_its_id_at_the_next_start(
    futures: FakeBinanceFutures,
) -> None:
    async with service() as (client, _):
        await ok(client.post(f"{NOVA}/start", json={"initial_equity": 10000}))
        await buy_unheard(client, futures)
        held = held_at_binance(futures)
        assert held > 0
    futures.clear_faults()
    intents = await _intent_states()
    assert list(intents.values()) == ["pending"]

    async with service() as (client, _):
        assert await books(client, NOVA) == held  # its fills booked once, whoever heard them
        assert list((await _intent_states()).values()) == ["sent"]
        exits = sorted(a.client_algo_id.split("-")[0] for a in futures.algo_orders(SYMBOL))
        assert exits == ["sl", "tp"]  # placed once Binance confirmed the entry
        orders = [r for r in futures.requests if r[0] == "POST" and r[1] == ORDER]
        assert len(orders) == 1  # settled by asking, never sent again


async def _intent_states() -> dict[str, str]:
    journal = await Journal.open(Settings().database(), service_audit_key())
    try:
        async with journal.engine.connect() as connection:
            rows = await connection.execute(
                select(order_intents.c.client_order_id, order_intents.c.state)
            )
            return {str(cid): str(state) for cid, state in rows}
    finally:
        await journal.close()


async def test_money_moved_at_binance_reaches_the_books_and_the_journal_as_a_cash_flow(
    futures: FakeBinanceFutures,
) -> None:
    async with service() as (client, desk):
        await ok(client.post(f"{NOVA}/start", json={"initial_equity": 10000}))
        futures.fund(Decimal(500))  # a transfer into the futures wallet, made at Binance
        session = desk.session("nova", "acc-1")
        repairs = await session.parts.venue.reconcile()
        assert any("500" in repair for repair in repairs), repairs
        hold = {**BUY, "confidence": 0.1}  # any use case books what the venue reported
        await ok(client.post(f"{NOVA}/signal", json=hold))

        assert session.parts.account.portfolio.ledger.wallet_balance == Decimal(10_500)
    flows = await _cash_flows()
    assert sorted(flows) == [("deposit", Decimal(500)), ("deposit", EQUITY)]


async def test_a_stopped_agent_at_binance_goes_on_with_its_books_at_its_next_start(
    futures: FakeBinanceFutures,
) -> None:
    async with service() as (client, desk):
        await ok(client.post(f"{NOVA}/start", json={"initial_equity": 10000}))
        await ok(client.post(f"{NOVA}/signal", json=BUY))
        await ok(client.post(f"{NOVA}/stop", json={}))
        before = await ok(client.get(f"{NOVA}/metrics"))
        futures.fund(Decimal(250))  # a transfer while it was stopped

        wrong = await client.post(f"{NOVA}/start", json={"initial_equity": 10000})
        assert wrong.status_code == 422
        assert "initial_equity must be" in wrong.text
        assert (await ok(client.get(f"{NOVA}/status")))["status"] == "stopped"
        wallet = futures.wallet_balance
        again = await ok(client.post(f"{NOVA}/start", json={"initial_equity": str(wallet)}))

        after = await ok(client.get(f"{NOVA}/metrics"))
        books = desk.session("nova", "acc-1").parts.account.portfolio.ledger.wallet_balance
        trades = (await ok(client.get(f"{NOVA}/trades")))["items"]
        # A new signal (its own id): the same content again would be the same signal.
        fresh = {**BUY, "signal_id": "after-the-new-start"}
        decision = await ok(client.post(f"{NOVA}/signal", json=fresh))
        await ok(client.post(f"{NOVA}/stop", json={}))

    assert again["status"] == "running"
    assert (after["total_trades"], after["net_profit"]) == (1, before["net_profit"])
    assert len(trades) == 1
    assert books == wallet
    assert decision["action"] == "open", decision  # it trades again
    flows = await _cash_flows()
    assert sorted(flows) == [("deposit", Decimal(250)), ("deposit", EQUITY)]  # none twice


async def test_an_agent_cannot_go_on_with_books_another_agent_traded_over_since(
    futures: FakeBinanceFutures,
) -> None:
    async with service() as (client, _):
        await ok(client.post(f"{NOVA}/start", json={"initial_equity": 10000}))
        await ok(client.post(f"{NOVA}/stop", json={}))
        wallet = str(futures.wallet_balance)
        await ok(client.post(f"{ATLAS}/start", json={"initial_equity": wallet}))
        await ok(client.post(f"{ATLAS}/stop", json={}))

        again = await client.post(f"{NOVA}/start", json={"initial_equity": wallet})

        assert again.status_code == 409
        assert "traded the same exchange account since" in again.text
        assert (await ok(client.get(f"{NOVA}/status")))["status"] == "stopped"


async def test_a_reconciliation_repair_is_an_event_of_the_account(
    futures: FakeBinanceFutures,
) -> None:
    async with service() as (client, desk):
        await ok(client.post(f"{NOVA}/start", json={"initial_equity": 10000}))
        watching = desk.events.subscribe(wanted=lambda e: isinstance(e.payload, Repaired))
        futures.fund(Decimal(500))  # the wallet moves at Binance: reconciliation repairs it
        repairs = await desk.session("nova", "acc-1").parts.venue.reconcile()

        published = []
        while (event := watching.get_nowait()) is not None:
            published.append(event)

        alerts = await alerts_when(client)

    assert repairs
    assert [e.payload.description for e in published] == repairs  # type: ignore[union-attr]
    assert {(e.agent, e.account_id) for e in published} == {("nova", "acc-1")}
    # Each repair alerts a person; the repeats on the account within 15 minutes do not.
    assert [(a["rule"], a["subject"], a["detail"]) for a in alerts] == [
        ("reconciliation_repair", "nova@acc-1", repairs[0])
    ]


async def _cash_flows() -> list[tuple[str, Decimal]]:
    journal = await Journal.open(Settings().database(), service_audit_key())
    try:
        async with journal.engine.connect() as connection:
            rows = await connection.execute(select(cash_flows.c.kind, cash_flows.c.amount))
            return [(str(kind), Decimal(str(amount))) for kind, amount in rows]
    finally:
        await journal.close()


async def test_an_order_reconciliation_confirmed_is_settled_and_its_exits_never_sent_again(
    futures: FakeBinanceFutures,
) -> None:
    async with service() as (client, desk):
        await ok(client.post(f"{NOVA}/start", json={"initial_equity": 10000}))
        await buy_unheard(client, futures)
        futures.clear_faults()
        await desk.session("nova", "acc-1").parts.venue.reconcile()  # finds it: sent
        await ok(client.post(f"{NOVA}/pause"))  # any write takes the settlement along
    assert list((await _intent_states()).values()) == ["sent"]
    stop = next(a for a in futures.algo_orders(SYMBOL) if a.client_algo_id.startswith("sl-"))
    futures.set_price(SYMBOL, stop.trigger_price - 10)  # the exits end while down

    async with service() as (client, _):
        assert await books(client, NOVA) == 0
    placed = [r for r in futures.requests if r[0] == "POST" and r[1] == "/fapi/v1/algoOrder"]
    assert len(placed) == 2  # the stop loss and the take profit, once each


async def test_a_stop_whose_close_binance_refuses_keeps_the_agent_running_with_its_exits(
    futures: FakeBinanceFutures,
) -> None:
    async with service() as (client, _):
        await ok(client.post(f"{NOVA}/start", json={"initial_equity": 10000}))
        await ok(client.post(f"{NOVA}/signal", json=BUY))
        held = held_at_binance(futures)
        futures.fail("POST", ORDER, status=400, code=-2019, msg="Margin is insufficient.")

        refused = await client.post(f"{NOVA}/stop", json={})
        assert refused.status_code == 409, refused.text
        assert "could not close BTCUSDT" in refused.text
        assert (await ok(client.get(f"{NOVA}/status")))["status"] == "running"
        assert held_at_binance(futures) == held
        assert len([a for a in futures.algo_orders(SYMBOL) if a.is_open]) == 2, [
            (a.client_algo_id, a.status, a.reject_reason) for a in futures.algo_orders(SYMBOL)
        ]

        await ok(client.post(f"{NOVA}/stop", json={}))  # Binance takes it now
        assert held_at_binance(futures) == 0
        page = (await client.get("/metrics")).text

    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(page)
        for s in family.samples
    }
    refusal = (("code", "-2019"), ("endpoint", "fapiPrivatePostOrder"))
    assert samples[("trading_agents_venue_errors_total", refusal)] == 1
    sent = ("trading_agents_venue_request_seconds_count", (("endpoint", "fapiPrivatePostOrder"),))
    assert samples[sent] >= 3  # the entry, the refused close, the close taken


async def test_a_session_is_restored_only_with_the_keys_it_traded_with(
    futures: FakeBinanceFutures, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with service() as (client, _):
        await ok(client.post(f"{NOVA}/start", json={"initial_equity": 10000}))
    monkeypatch.setenv("BINANCE_API_KEY", "another-accounts-key")

    with pytest.raises(ConfigurationError, match="restore it with the keys it traded with"):
        await build_desk(Settings())


async def test_funding_heard_before_a_pause_is_journaled_as_funding_not_a_withdrawal(
    futures: FakeBinanceFutures, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The report waits a while before it is booked, so that the pause comes while it waits,
    # on a slow machine too: at the service's 50 ms, a poll could find it already booked.
    monkeypatch.setattr(binance_account, "BOOK_SETTLE_S", 2.0)
    async with service() as (client, desk):
        await ok(client.post(f"{NOVA}/start", json={"initial_equity": 10000}))
        await ok(client.post(f"{NOVA}/signal", json=BUY))
        venue = desk.session("nova", "acc-1").parts.venue
        futures.charge_funding(SYMBOL, Decimal("0.001"))
        await until(lambda: any(isinstance(r, FundingReport) for r in venue._pending))
        await ok(client.post(f"{NOVA}/pause"))

    async with service() as (client, desk):
        # Answered before any new candle: the backfill's last close is the mark.
        metrics = await ok(client.get(f"{NOVA}/metrics"))
        ledger = desk.session("nova", "acc-1").parts.account.portfolio.ledger
        assert ledger.funding < 0
        assert ledger.wallet_balance == futures.wallet_balance
    assert [kind for kind, _ in await _cash_flows()] == ["deposit"]  # the start only
    assert Decimal(str(metrics["funding"])) <= 0  # over closed trades: none closed yet


async def test_orders_binance_refuses_in_a_row_open_the_breaker_and_alert_a_person(
    futures: FakeBinanceFutures, sinks: FakeAlertSinks
) -> None:
    futures.fail("POST", ORDER, status=400, code=-2019, msg="Margin is insufficient.", times=5)
    async with service() as (client, desk):
        await ok(client.post(f"{NOVA}/start", json={"initial_equity": 10000}))
        for step in range(5):  # Nova's breaker opens at five failures in a row
            price = BUY["price"] + step
            await ok(client.post(f"{NOVA}/signal", json={**BUY, "price": price}))
        assert desk.session("nova", "acc-1").parts.account.risk.circuit_breaker_open
        alerts = await alerts_when(client)
        await until(lambda: len(sinks.received()) == 3)

    assert [(a["rule"], a["severity"], a["subject"]) for a in alerts] == [
        ("circuit_breaker", "critical", "nova@acc-1")
    ]
    assert {r.sink for r in sinks.received()} == {"webhook", "telegram", "slack"}


async def test_a_ban_by_binance_alerts_a_person_for_the_account(
    futures: FakeBinanceFutures, sinks: FakeAlertSinks
) -> None:
    async with service() as (client, _desk):
        await ok(client.post(f"{NOVA}/start", json={"initial_equity": 10000}))
        futures.ban(seconds=60)
        await client.post(f"{NOVA}/signal", json=BUY)  # refused: the venue is stopped
        alerts = await alerts_when(client)
        await until(lambda: len(sinks.received("webhook")) == 1)

    assert [(a["rule"], a["severity"], a["subject"]) for a in alerts] == [
        ("venue_degraded", "critical", "nova@acc-1")
    ]
    assert "418" in alerts[0]["detail"]
    assert sinks.received("webhook")[0].body["rule"] == "venue_degraded"


async def test_a_liquidation_at_binance_is_booked_as_one_and_alerts_a_person(
    futures: FakeBinanceFutures, sinks: FakeAlertSinks
) -> None:
    async with service() as (client, desk):
        await ok(client.post(f"{NOVA}/start", json={"initial_equity": 10000}))
        await ok(client.post(f"{NOVA}/signal", json=BUY))
        assert held_at_binance(futures) > 0
        # The mark price alone crashes: the stop follows the last price and never triggers.
        futures.wick_mark(SYMBOL, Decimal(1))
        assert held_at_binance(futures) == 0
        # The margin lost is 60 % of the equity: Nova's kill switch trips with it.
        alerts = await alerts_when(client, lambda found: len(found) == 2)
        await until(lambda: len(sinks.received("webhook")) == 2)
        await until(
            lambda: (
                not desk.session("nova", "acc-1").parts.account.portfolio.ledger.open_positions()
            )
        )
        (trip,) = (await ok(client.get(f"{NOVA}/trades")))["items"]
        ledger = desk.session("nova", "acc-1").parts.account.portfolio.ledger

    assert {(a["rule"], a["severity"], a["subject"]) for a in alerts} == {
        ("liquidation", "critical", f"nova@acc-1 {SYMBOL}"),
        ("kill_switch", "critical", "nova@acc-1"),
    }
    (liquidation,) = (a for a in alerts if a["rule"] == "liquidation")
    assert liquidation["detail"].startswith(f"{SYMBOL}: {trip['quantity']} liquidated at")
    assert trip["exit_reason"] == "liquidation"
    assert ledger.wallet_balance == futures.wallet_balance  # the clearance fee booked as charged
    assert not [a for a in futures.algo_orders(SYMBOL) if a.is_open]  # Binance canceled the exits


async def test_market_data_that_stops_coming_alerts_a_person(
    futures: FakeBinanceFutures, sinks: FakeAlertSinks, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fake's market has no candle after the backfill: nothing comes from then on.
    monkeypatch.setenv("MARKET_DATA_LATE_AFTER", "1")
    async with service() as (client, _desk):
        alerts = await alerts_when(client)
        health = await ok(client.get("/health"))

    assert [(a["rule"], a["severity"], a["subject"]) for a in alerts] == [
        ("market_data_stale", "warning", "market data")
    ]
    assert alerts[0]["detail"].startswith("late: no candle for")
    assert health["market_data_state"].startswith("late")


async def test_a_clock_off_binance_s_alerts_a_person_for_the_account(
    futures: FakeBinanceFutures, sinks: FakeAlertSinks
) -> None:
    async with service() as (client, _desk):
        await ok(client.post(f"{NOVA}/start", json={"initial_equity": 10000}))
        futures.skew_clock(10_000)  # our timestamps look 10 s old to Binance
        decision = await ok(client.post(f"{NOVA}/signal", json=BUY))  # resynced, then sent
        alerts = await alerts_when(client)
        health = await ok(client.get("/health"))

    assert decision["action"] == "open"
    assert [(a["rule"], a["severity"], a["subject"]) for a in alerts] == [
        ("venue_degraded", "critical", "nova@acc-1")
    ]
    assert "clock is" in alerts[0]["detail"]
    assert health["venue"].startswith("degraded")
