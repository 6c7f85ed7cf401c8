"""Measure the LLM brain in the decision-quality scenarios: admissible share, latency, tokens.

Atlas's LLM brain decides each fixed scenario of `tests/support/llm_scenarios.py` (real
candles, one account state each) through the real ChatOpenAI client, once per model and
server:

- the project's fake OpenAI server answering with a careful policy that reads only the
  brain's first message: the share says whether that message carries what a decision needs,
  the latency is the brain's own overhead;
- the real local model (llama-server, Qwen2.5-Coder-1.5B-Instruct Q4_K_M) when
  `scripts/llm-server/install.py` has installed it on this machine (BENCH_LLM_REAL=0 leaves
  it out; it takes several minutes on two cores).

Tokens per decision are the server's `usage` counts; the fake's are scripted, so they are
reported for the real model only. One line per scenario goes to standard error.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
from pathlib import Path

# The scenarios, the fake server and the server launcher live with the tests.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REAL = os.environ.get("BENCH_LLM_REAL", "1") != "0"


async def _outcomes(url: str, server: str, model: str, timeout_s: float) -> list[object]:
    from tests.support.backtests import agent
    from tests.support.llm_scenarios import run
    from trading_agents.agents.brains.llm import llm_brain
    from trading_agents.config.llm import LlmSettings

    settings = LlmSettings(
        OPENAI_BASE_URL=url,
        OPENAI_API_KEY="sk-bench",
        LLM_SERVER=server,
        LLM_MODEL=model,
        LLM_TIMEOUT=timeout_s,
    )
    brain = llm_brain(agent("atlas").model_copy(update={"brain": "llm"}), settings)
    return list(await run(brain))


def _rows(label: str, outcomes: list[object], *, tokens: bool) -> list[dict[str, object]]:
    from tests.support.llm_scenarios import Outcome

    done = [outcome for outcome in outcomes if isinstance(outcome, Outcome)]
    for outcome in done:
        sys.stderr.write(
            f"{label} | {outcome.scenario}: {outcome.label}"
            f" ({'admissible' if outcome.admissible else 'NOT admissible'}"
            f"{'' if outcome.chosen else ', held closed'}) {outcome.latency_s:.2f} s"
            f" {outcome.input_tokens}+{outcome.output_tokens} tokens, {outcome.calls} calls:"
            f" {outcome.reasoning[:100]}\n"
        )
    latencies = [outcome.latency_s for outcome in done]
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    count = len(done)
    rows: list[dict[str, object]] = [
        {
            "benchmark": f"{label}: admissible decisions of {count} scenarios",
            "figure": sum(outcome.admissible for outcome in done),
            "unit": "decisions",
        },
        {
            "benchmark": f"{label}: decisions the brain held closed (no valid call)",
            "figure": sum(not outcome.chosen for outcome in done),
            "unit": "decisions",
        },
        {"benchmark": f"{label}: decision p50", "figure": round(cuts[49], 3), "unit": "s"},
        {"benchmark": f"{label}: decision p99", "figure": round(cuts[98], 3), "unit": "s"},
    ]
    if tokens:
        rows += [
            {
                "benchmark": f"{label}: input tokens per decision (server's usage)",
                "figure": round(statistics.fmean(o.input_tokens for o in done)),
                "unit": "tokens",
            },
            {
                "benchmark": f"{label}: output tokens per decision (server's usage)",
                "figure": round(statistics.fmean(o.output_tokens for o in done)),
                "unit": "tokens",
            },
            {
                "benchmark": f"{label}: model calls per decision",
                "figure": round(statistics.fmean(o.calls for o in done), 2),
                "unit": "calls",
            },
        ]
    return rows


def measure() -> list[dict[str, object]]:
    """Run the scenarios on the fake server, then on the real model if it is installed."""
    from tests.support.fake_openai import FakeOpenAI, careful_policy
    from tests.support.llm_server import MODEL, NotInstalled, local_llm_server

    with FakeOpenAI(responder=careful_policy) as fake:
        outcomes = asyncio.run(_outcomes(fake.url, "openai", "gpt-4o-mini", 20))
    rows = _rows("llm quality, fake server (careful policy)", outcomes, tokens=False)
    if not REAL:
        return rows
    try:
        with local_llm_server() as url:
            outcomes = asyncio.run(_outcomes(url, "llamacpp", MODEL, 180))
    except NotInstalled as missing:
        sys.stderr.write(f"the real model is left out: {missing}\n")
        return rows
    label = f"llm quality, llama-server {MODEL} Q4_K_M ({os.cpu_count()} cores)"
    return rows + _rows(label, outcomes, tokens=True)


if __name__ == "__main__":
    for row in measure():
        sys.stdout.write(json.dumps(row) + "\n")
