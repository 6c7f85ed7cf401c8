"""Every configured secret stays out of the service's log and out of every answer it gives."""

from __future__ import annotations

import json

import httpx

from tests.support.service import running_service

SECRETS = {
    "TRADING_AGENTS_API_KEY": "api-key-e2e-0123456789",
    "WEBHOOK_SECRET": "webhook-secret-e2e-9876",
    "AUDIT_KEY": "audit-key-e2e-abcdefghijk",
    "BINANCE_API_KEY": "binance-key-e2e-11111111",
    "BINANCE_API_SECRET": "binance-secret-e2e-22222",
    "OPENAI_API_KEY": "sk-openai-e2e-33333333",
    "ALERT_WEBHOOK_URL": "http://127.0.0.1:9/hooks/alert-url-token-44444444",
    "ALERT_WEBHOOK_SECRET": "alert-secret-e2e-55555555",
    "TELEGRAM_BOT_TOKEN": "123456:telegram-token-e2e-666666",
    "TELEGRAM_CHAT_ID": "-100777",
    "SLACK_WEBHOOK_URL": "http://127.0.0.1:9/services/slack-e2e-88888888",
}
NOT_SECRET = {"TELEGRAM_CHAT_ID"}
KEY = {"X-API-Key": SECRETS["TRADING_AGENTS_API_KEY"]}


def test_the_json_log_and_the_answers_hold_no_secret() -> None:
    with running_service({**SECRETS, "LOG_FORMAT": "json"}) as service:
        client = service.client
        answers: list[httpx.Response] = [
            client.post("/accounts/acc-1/agents/atlas/start", json={"initial_equity": 1000}),
            client.post(
                "/accounts/acc-1/agents/atlas/start", json={"initial_equity": 1000}, headers=KEY
            ),
            # Secrets put where they do not belong: in query strings, in a body, in a header.
            client.get(f"/metrics?token={SECRETS['TRADING_AGENTS_API_KEY']}", headers=KEY),
            client.get(f"/health?api_key={SECRETS['BINANCE_API_SECRET']}"),
            client.get("/desk", headers={"X-API-Key": SECRETS["WEBHOOK_SECRET"]}),
            client.post(
                "/webhooks/ml-signals",
                content=json.dumps({"agent_name": "atlas", "secret": SECRETS["AUDIT_KEY"]}),
                headers={"X-ML-Signature": SECRETS["OPENAI_API_KEY"]},
            ),
            client.get("/openapi.json"),
            client.get("/accounts/acc-1/agents/atlas/status"),
        ]
        logged = service.said()

    assert answers[1].status_code == 200, answers[1].text
    assert answers[2].status_code == 200, answers[2].text
    lines = [line for line in logged.splitlines() if line.strip()]
    assert any(
        '"logger": "uvicorn.access"' in line and "/metrics?token=***" in line for line in lines
    )
    for line in lines:
        json.loads(line)  # one JSON object a line, every line
    for name, secret in SECRETS.items():
        if name in NOT_SECRET:
            continue
        assert secret not in logged, f"{name} is in the log"
        for answer in answers:
            assert secret not in answer.text, f"{name} is in the answer to {answer.request.url}"
