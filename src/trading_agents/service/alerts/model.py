"""An alert: what happened, how bad it is, and what it is about."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How soon a person should look."""

    CRITICAL = "critical"  # money is at stake now: trading halted, a liquidation, no journal
    WARNING = "warning"  # something degraded that trading works around
    INFO = "info"  # a problem went away


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of alert, with its severity and how long a repeat of it is kept quiet."""

    name: str
    severity: Severity
    title: str
    # A repeat for the same subject within this window is not raised: conditions that come
    # and go (a flapping database, a feed that stutters) would otherwise alert each time.
    quiet_s: float = 900.0


RULES = {
    rule.name: rule
    for rule in (
        # Tripped again after a person reset it: that is news, however soon.
        Rule("kill_switch", Severity.CRITICAL, "Kill switch tripped", quiet_s=0.0),
        Rule("circuit_breaker", Severity.CRITICAL, "Circuit breaker open", quiet_s=0.0),
        # One liquidation may fill in parts: one alert for them.
        Rule("liquidation", Severity.CRITICAL, "Position liquidated", quiet_s=60.0),
        Rule(
            "reconciliation_repair",
            Severity.WARNING,
            "Reconciliation repaired the books",
            quiet_s=0.0,
        ),
        Rule("journal_outage", Severity.CRITICAL, "Journal database unreachable"),
        Rule("journal_recovered", Severity.INFO, "Journal database back", quiet_s=0.0),
        Rule("market_data_stale", Severity.WARNING, "Market data stale"),
        Rule("ml_engine_unreachable", Severity.WARNING, "ML engine unreachable"),
        Rule("llm_budget_spent", Severity.WARNING, "LLM budget spent"),
        Rule("venue_degraded", Severity.CRITICAL, "Venue degraded (ban or clock skew)"),
    )
}


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert, as the outbox keeps it and the sinks send it."""

    alert_id: str
    rule: str
    severity: Severity
    title: str
    detail: str
    subject: str  # what it is about: "atlas@acc-1", a symbol, "journal"
    ts_ms: int

    def to_json(self) -> str:
        """Return the alert as the webhook sink posts it."""
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True)

    def text(self) -> str:
        """Return the alert as a chat message reads."""
        return f"[{self.severity.upper()}] {self.title}: {self.subject}\n{self.detail}"
