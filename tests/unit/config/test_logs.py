"""The logs: one JSON object a line with what it is about, and never a secret."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from trading_agents.config.logs import (
    REDACTED,
    JsonFormatter,
    Redactor,
    configure_logging,
    keep_out_of_logs,
)
from trading_agents.config.settings import Settings
from trading_agents.core.log_context import log_context

API_KEY = "ta-key-0123456789abcdef"
BINANCE_SECRET = "bnSECRETxyz987"


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """Capture what the configured handler writes, as JSON, and put the logging back after."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    configure_logging("json", [API_KEY, BINANCE_SECRET, None, "abc"])
    written = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(written)
    yield written
    root.handlers[:], root.level = saved


def _entries(written: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in written.getvalue().splitlines()]


def test_a_configured_secret_never_reaches_the_line(lines: io.StringIO) -> None:
    logging.getLogger("any.module").info("signed with %s and %s", API_KEY, BINANCE_SECRET)

    (entry,) = _entries(lines)
    assert entry["message"] == f"signed with {REDACTED} and {REDACTED}"
    assert API_KEY not in lines.getvalue()


def test_a_secret_learnt_while_running_never_reaches_the_line(lines: io.StringIO) -> None:
    account_key = "subAccountKey0123456789"  # registered through the API, not a setting

    keep_out_of_logs(account_key)
    logging.getLogger("venue").warning("Binance refused key %s", account_key)

    assert account_key not in lines.getvalue()
    assert _entries(lines)[0]["message"] == f"Binance refused key {REDACTED}"


def test_a_library_s_url_loses_its_credentials(lines: io.StringIO) -> None:
    access = logging.getLogger("uvicorn.access")

    access.info(
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:5000",
        "GET",
        "/metrics?token=t0k3n-value&symbol=BTCUSDT&api_key=k3y&author=ann&apiKeys=k4y",
        "1.1",
        200,
    )
    logging.getLogger("journal").warning("cannot reach postgresql://trader:pa55word@db:5432/x")
    logging.getLogger("alerts").warning(
        "POST https://api.telegram.org/bot123456:AAH-xyz/sendMessage"
    )

    access_line, journal_line, alert_line = (e["message"] for e in _entries(lines))
    assert access_line.endswith(
        f'"GET /metrics?token={REDACTED}&symbol=BTCUSDT&api_key={REDACTED}&author=ann'
        f'&apiKeys={REDACTED} HTTP/1.1" 200'
    )
    assert journal_line == f"cannot reach postgresql://trader:{REDACTED}@db:5432/x"
    assert alert_line == f"POST https://api.telegram.org/bot{REDACTED}/sendMessage"


def test_an_exception_s_text_is_redacted_too(lines: io.StringIO) -> None:
    try:
        raise RuntimeError(f"the venue refused key {API_KEY}")
    except RuntimeError:
        logging.getLogger("venue").exception("order failed")

    (entry,) = _entries(lines)
    assert "RuntimeError" in entry["exception"]
    assert API_KEY not in entry["exception"]


def test_a_line_carries_the_account_agent_decision_and_order_it_is_about(
    lines: io.StringIO,
) -> None:
    with log_context(agent="atlas", account_id="acc-1", decision=7):
        with log_context(client_order_id="ta-0abc"):
            logging.getLogger("gateway").info("sent")
        logging.getLogger("graph").info("decided")
    logging.getLogger("desk").info("outside")

    sent, decided, outside = _entries(lines)
    assert (sent["agent"], sent["account_id"], sent["decision"]) == ("atlas", "acc-1", "7")
    assert sent["client_order_id"] == "ta-0abc"
    assert "client_order_id" not in decided
    assert set(outside) == {"ts", "level", "logger", "message"}
    assert outside["level"] == "info"


def test_a_short_value_is_not_taken_for_a_secret() -> None:
    assert Redactor(["abc"]).redact("abcdef") == "abcdef"


def test_a_record_s_arguments_are_formatted_into_its_message() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("you",), None)

    assert json.loads(JsonFormatter().format(record))["message"] == "hello you"


def test_the_settings_name_every_secret_they_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://trader:db-pass-123@127.0.0.1/journal")
    monkeypatch.setenv("WEBHOOK_SECRET", "webhook-secret-1")
    monkeypatch.setenv("BINANCE_API_SECRET", "binance-secret-1")

    secrets = Settings().secrets()

    assert {"db-pass-123", "webhook-secret-1", "binance-secret-1"} <= set(secrets)
