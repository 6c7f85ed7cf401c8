"""A backtest's decision sink: counts every record, keeps LLM usage, records only on request."""

from __future__ import annotations

from decimal import Decimal

from trading_agents.agents.ports import DecisionTally
from trading_agents.agents.state import DecisionRecord
from trading_agents.model.decisions import Action, Decision, DecisionTrigger, LlmUsage
from trading_agents.model.enums import Side

USAGE = LlmUsage("qwen", 1, 900, 40, Decimal("0.0003"))


def _record(sequence: int, usage: LlmUsage | None = None) -> DecisionRecord:
    decision = Decision(Action.OPEN, "BTCUSDT", "why", Side.BUY, usage=usage)
    return DecisionRecord(
        "atlas", "acc-1", sequence, 60_000 * sequence, DecisionTrigger.SIGNAL, "BTCUSDT",
        "rules", decision, (), (), None,
    )  # fmt: skip


def test_a_tally_counts_every_record_and_keeps_none_of_them() -> None:
    tally = DecisionTally()

    for sequence in range(3):
        tally.record(_record(sequence))

    assert tally.count == 3
    assert tally.records == []
    assert tally.usages == []


def test_a_tally_keeps_what_each_llm_decision_cost() -> None:
    tally = DecisionTally()

    tally.record(_record(1, USAGE))
    tally.record(_record(2))

    assert tally.usages == [USAGE]


def test_a_tally_asked_to_keep_records_keeps_them_in_order() -> None:
    tally = DecisionTally(keep_records=True)
    records = [_record(sequence) for sequence in range(3)]

    for record in records:
        tally.record(record)

    assert tally.records == records
    assert tally.count == 3
