"""The dashboard in real headless Chromium, driven by Playwright, against the real service."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.browser import chromium_page, screenshot, screenshot_of
from tests.support.fake_openai import FakeOpenAI, call
from tests.support.service import Service, free_port, journal_folder, running_service

STILL = {"MARKET_DATA": "replay", "REPLAY_SPEED": "0.01"}  # the market holds still
ATLAS = "/accounts/desk-1/agents/atlas"


MARKET = 105_800.0  # the replayed sample opens near here: within every house agent's limit


def _signal(service: Service, path: str, price: float = MARKET) -> dict[str, object]:
    body = {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.9, "price": price}
    answer: dict[str, object] = service.post(f"{path}/signal", body)
    return answer


@pytest.fixture
def desk() -> Iterator[Service]:
    with running_service(STILL) as service:
        for agent, account in (("atlas", "desk-1"), ("orion", "desk-2"), ("nova", "desk-3")):
            service.post(f"/accounts/{account}/agents/{agent}/start", {"initial_equity": 10000})
        yield service


def test_the_desk_shows_every_agent_with_its_state(desk: Service) -> None:
    with chromium_page() as page:
        page.goto(f"{desk.url}/")
        page.get_by_test_id("agent-row").first.wait_for()
        rows = page.get_by_test_id("agent-row")

        page.locator("[data-testid=connection-status][data-state=live]").wait_for()

        assert rows.count() == 3
        assert "running" in rows.nth(0).inner_text()
        screenshot(page, "desk")


def test_the_health_strip_says_up_to_which_candle_the_agents_have_seen() -> None:
    with running_service({}) as service, chromium_page() as page:  # a market that moves
        service.post(f"{ATLAS}/start", {"initial_equity": 10000})
        page.goto(f"{service.url}/")
        through = page.get_by_test_id("market-through")
        through.wait_for()
        stepped = through.locator("time").get_attribute("datetime")

    # The close of a 1m candle, as /health writes it: 2025-06-03T04:12:00Z.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", stepped or ""), stepped


def test_an_agent_started_from_the_form_joins_the_desk(desk: Service) -> None:
    with chromium_page() as page:
        page.goto(f"{desk.url}/")
        form = page.get_by_test_id("start-form")
        form.locator("select[name=agent]").select_option("atlas")
        form.locator("input[name=account]").fill("from-the-form")
        form.locator("input[name=equity]").fill("2500")
        form.locator("button[type=submit]").click()

        page.locator("[data-testid=agent-row][data-account=from-the-form]").wait_for()
        screenshot(page, "desk-after-start")

    status = desk.get("/accounts/from-the-form/agents/atlas/status")
    assert (status["status"], status["initial_equity"]) == ("running", 2500)


def test_a_signal_sent_through_the_api_shows_its_position_without_a_reload(desk: Service) -> None:
    with chromium_page() as page:
        page.goto(f"{desk.url}/#{ATLAS}")
        page.get_by_test_id("positions-table").wait_for()
        page.get_by_test_id("connection-status").and_(page.locator("[data-state=live]")).wait_for()

        decided = _signal(desk, ATLAS)
        assert decided["action"] == "open"
        page.locator("[data-testid=positions-table] tr[data-symbol=BTCUSDT]").wait_for(timeout=1000)
        chart = page.get_by_test_id("price-chart")
        page.locator("[data-testid=price-chart][data-lines='2']").wait_for()
        screenshot(page, "agent-with-position")

        assert "limit" in page.get_by_test_id("orders-table").inner_text()
        held = page.locator("[data-testid=positions-table] tr[data-symbol=BTCUSDT]").inner_text()
        assert "0.070" in held  # the quantity at BTCUSDT's step (0.001), the price at its tick
        assert "105,814.3" in held
        assert int(chart.get_attribute("data-candles") or 0) > 100  # the warm-up's 15m candles
        assert chart.get_attribute("data-markers") == "1"  # the entry; stop and target are lines

        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_test_id("close-position").click()
        page.get_by_test_id("positions-table").get_by_text("Flat.").wait_for()
        page.locator("[data-testid=price-chart][data-markers='2'][data-lines='0']").wait_for()
        assert desk.get(f"{ATLAS}/positions")["total_positions"] == 0  # the exit is marked


def test_pause_and_resume_by_the_buttons(desk: Service) -> None:
    with chromium_page() as page:
        page.goto(f"{desk.url}/#{ATLAS}")
        page.get_by_test_id("pause-button").click()
        page.locator("[data-testid=agent-status]", has_text="paused").wait_for()
        assert desk.get(f"{ATLAS}/status")["status"] == "paused"

        page.get_by_test_id("resume-button").click()
        page.locator("[data-testid=agent-status]", has_text="running").wait_for()
        screenshot(page, "agent-resumed")

    assert desk.get(f"{ATLAS}/status")["status"] == "running"


def test_a_denied_signal_shows_its_code_in_the_decision_log(desk: Service) -> None:
    with chromium_page() as page:
        page.goto(f"{desk.url}/#{ATLAS}")
        page.get_by_test_id("decision-log").wait_for()
        page.get_by_test_id("connection-status").and_(page.locator("[data-state=live]")).wait_for()

        _signal(desk, ATLAS, price=45_000.0)

        log = page.get_by_test_id("decision-log")
        log.get_by_text("signal_price_off_market").wait_for(timeout=1000)
        screenshot(page, "decision-denied")


def test_at_375_pixels_nothing_scrolls_sideways(desk: Service) -> None:
    for where in ("/", f"/#{ATLAS}"):
        with chromium_page(width=375, height=812) as page:
            page.goto(f"{desk.url}{where}")
            page.locator("[data-testid=desk-table], [data-testid=positions-table]").first.wait_for()

            wide = page.evaluate("document.documentElement.scrollWidth")
            screenshot(page, "phone-desk" if where == "/" else "phone-agent")
            assert wide <= 375, f"{where}: the page is {wide} px wide at 375"


def test_after_a_restart_the_page_reconnects_and_is_current() -> None:
    port = str(free_port())
    with journal_folder() as journal:
        env = {**STILL, **journal, "TRADING_AGENTS_PORT": port}
        with chromium_page() as page:
            with running_service(env) as first:
                first.post(f"{ATLAS}/start", {"initial_equity": 10000})
                page.goto(f"{first.url}/")
                live = page.locator("[data-testid=connection-status][data-state=live]")
                live.wait_for()
            page.locator("[data-testid=connection-status][data-state=reconnecting]").wait_for()
            screenshot(page, "disconnected")
            with running_service(env) as second:
                live.wait_for(timeout=15_000)
                second.post("/accounts/desk-after/agents/nova/start", {"initial_equity": 500})
                page.locator("[data-testid=agent-row][data-account=desk-after]").wait_for()
                screenshot(page, "reconnected")


def test_an_llm_decision_shows_its_tool_calls() -> None:
    with FakeOpenAI() as model:
        model.answer(call("hold", rationale="the signal fights the 1h trend"))
        env = {
            **STILL,
            "OPENAI_BASE_URL": model.url,
            "OPENAI_API_KEY": "sk-test",
            "LLM_SERVER": "openai",
            "LLM_MODEL": "gpt-4o-mini",
        }
        with running_service(env) as service, chromium_page() as page:
            service.post(f"{ATLAS}/start", {"initial_equity": 10000, "brain": "llm"})
            page.goto(f"{service.url}/#{ATLAS}")
            page.get_by_test_id("connection-status").and_(
                page.locator("[data-state=live]")
            ).wait_for()

            _signal(service, ATLAS)

            calls = page.get_by_test_id("tool-calls").first
            calls.wait_for()
            assert "hold(" in calls.inner_text()
            assert "the signal fights the 1h trend" in calls.inner_text()

            exchange = page.get_by_test_id("exchange").first
            exchange.locator("summary").click()
            exchange.locator("[data-testid=message][data-role=user]").first.wait_for()
            roles = exchange.locator("[data-testid=message]").evaluate_all(
                "items => items.map(item => item.dataset.role)"
            )
            assert roles[:2] == ["system", "user"]
            assert "assistant" in roles
            assert "tokens in" in exchange.inner_text()
            assert "$" in exchange.inner_text()
            _signal(service, ATLAS, MARKET + 1)  # the log is redrawn: the opened one stays open
            page.get_by_test_id("decision").nth(1).wait_for()
            assert page.get_by_test_id("exchange").nth(1).get_attribute("open") is not None
            screenshot(page, "llm-decision")
            screenshot_of(page.get_by_test_id("decision-log"), "llm-exchange")


def test_a_tripped_kill_switch_is_reset_from_the_page_with_a_reason(tmp_path: Path) -> None:
    house = Path(__file__).parents[2] / "src/trading_agents/config/data/agents/atlas.yaml"
    profiles = tmp_path / "agents"
    profiles.mkdir()
    # A kill switch at 0.01 % of drawdown: the first trade's fee trips it.
    text = house.read_text().replace("max_drawdown: 0.05", "max_drawdown: 0.0001")
    (profiles / "atlas.yaml").write_text(text)
    env = {**STILL, "TRADING_AGENTS_PROFILES_DIR": str(profiles)}
    with running_service(env) as service, chromium_page() as page:
        service.post(f"{ATLAS}/start", {"initial_equity": 10000})
        _signal(service, ATLAS)
        assert service.get(f"{ATLAS}/status")["trading_state"] == "halted"
        page.goto(f"{service.url}/#{ATLAS}")
        page.locator("[data-testid=trading-state]", has_text="halted").wait_for()

        form = page.get_by_test_id("reset-form")
        form.locator("select[name=what]").select_option("kill_switch")
        form.locator("input[name=reason]").fill("fee-only drawdown, reviewed")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_test_id("reset-button").click()

        page.locator("[data-testid=trading-state]", has_text="active").wait_for()
        screenshot(page, "kill-switch-reset")
        assert service.get(f"{ATLAS}/status")["trading_state"] == "active"


def test_with_an_api_key_the_page_asks_for_it_once_and_then_acts() -> None:
    key = "k-dashboard-0123456789"
    with running_service({**STILL, "TRADING_AGENTS_API_KEY": key}) as service:
        service.client.post(
            f"{ATLAS}/start", json={"initial_equity": 10000}, headers={"X-API-Key": key}
        ).raise_for_status()
        with chromium_page() as page:
            page.goto(f"{service.url}/#{ATLAS}")
            login = page.get_by_test_id("login-form")
            login.locator("input[name=key]").fill("not the key")
            login.locator("button").click()
            page.get_by_text("401: wrong API key").wait_for()

            page.get_by_test_id("login-form").locator("input[name=key]").fill(key)
            page.get_by_test_id("login-form").locator("button").click()
            page.get_by_test_id("pause-button").click()
            page.locator("[data-testid=agent-status]", has_text="paused").wait_for()
            screenshot(page, "signed-in")
            cookies = {c["name"]: c for c in page.context.cookies()}

        assert cookies["ta_session"]["httpOnly"] is True
        assert cookies["ta_session"]["sameSite"] == "Strict"
        assert service.get(f"{ATLAS}/status")["status"] == "paused"


def test_a_deposit_from_the_page_is_listed_with_the_start(desk: Service) -> None:
    with chromium_page() as page:
        page.goto(f"{desk.url}/#{ATLAS}")
        flows = page.get_by_test_id("cash-flows-table")
        flows.get_by_text("deposit").first.wait_for()  # the start's equity

        page.get_by_test_id("money-form").locator("input[name=amount]").fill("1234.5")
        page.get_by_test_id("deposit-button").click()

        flows.get_by_text("1,234.50").wait_for()
        screenshot(page, "deposit")
    assert desk.get(f"{ATLAS}/status")["equity"] == 11234.5
