"""The alerts' durable outbox: a SQLite file on local disk, beside the journal's spool.

Not in the journal's database: an alert must be kept and sent while that database is down
(its outage is one of the alerts). Each alert is stored with one delivery per sink before
anything is sent; a delivery is marked sent only after the sink took it, so a restart or a
sink outage loses none (a crash between the send and the mark sends it again: at least once).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from trading_agents.service.alerts.model import Alert, Severity

MAX_BACKOFF_S = 300.0
# An alert a sink has not taken for a day is news nobody can act on any more: its delivery
# ends `abandoned` (the sink's URL or token is wrong, most likely; /alerts shows the error).
GIVE_UP_MS = 86_400_000
# Alerts older than this, every delivery ended, are deleted: the file does not grow forever.
KEEP_MS = 90 * 86_400_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    alert_id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    detail TEXT NOT NULL,
    subject TEXT NOT NULL,
    ts_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_by_rule ON alerts (rule, subject, ts_ms);
CREATE INDEX IF NOT EXISTS alerts_by_time ON alerts (ts_ms);
CREATE TABLE IF NOT EXISTS deliveries (
    alert_id TEXT NOT NULL REFERENCES alerts (alert_id),
    sink TEXT NOT NULL,
    state TEXT NOT NULL,  -- pending, sent or abandoned
    attempts INTEGER NOT NULL DEFAULT 0,
    next_ms INTEGER NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    sent_ms INTEGER,
    PRIMARY KEY (alert_id, sink)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_ms);
"""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One alert to one sink, and how its sending went."""

    alert: Alert
    sink: str
    state: str
    attempts: int
    last_error: str
    sent_ms: int | None


class Outbox:
    """Keep alerts and their deliveries on disk until every sink took them."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)  # transactions said explicitly
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # an alert taken is on disk
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def last_sent_ms(self, rule: str, subject: str) -> int | None:
        """Return when the latest alert of `rule` on `subject` was raised, if one was."""
        row = self._db.execute(
            "SELECT max(ts_ms) FROM alerts WHERE rule = ? AND subject = ?", (rule, subject)
        ).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def add(self, alert: Alert, sinks: list[str]) -> None:
        """Store an alert with a pending delivery to each sink, in one transaction."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    alert.alert_id,
                    alert.rule,
                    str(alert.severity),
                    alert.title,
                    alert.detail,
                    alert.subject,
                    alert.ts_ms,
                ),
            )
            self._db.executemany(
                "INSERT INTO deliveries (alert_id, sink, state, next_ms) VALUES (?, ?, ?, ?)",
                [(alert.alert_id, sink, "pending", alert.ts_ms) for sink in sinks],
            )

    def due(self, now_ms: int, sinks: list[str], limit: int = 100) -> list[Delivery]:
        """Return the pending deliveries to `sinks` whose next attempt is due, oldest first.

        Deliveries to a sink no longer configured wait for it, out of the others' way.
        """
        marks = ", ".join("?" for _ in sinks) or "NULL"
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM deliveries d JOIN alerts a USING (alert_id)"
            f" WHERE d.state = 'pending' AND d.next_ms <= ? AND d.sink IN ({marks})"
            " ORDER BY a.ts_ms, a.alert_id, d.sink LIMIT ?",
            (now_ms, *sinks, limit),
        ).fetchall()
        return [_delivery(row) for row in rows]

    def sent(self, alert_id: str, sink: str, now_ms: int) -> None:
        """Mark a delivery done."""
        with self._transaction():
            self._db.execute(
                "UPDATE deliveries SET state = 'sent', attempts = attempts + 1, sent_ms = ?,"
                " last_error = '' WHERE alert_id = ? AND sink = ?",
                (now_ms, alert_id, sink),
            )

    def failed(self, alert: Alert, sink: str, error: str, now_ms: int) -> float | None:
        """Count a failed attempt; return the seconds until the next one (doubling, capped).

        None: the alert is a day old, and its delivery to this sink is abandoned.
        """
        row = self._db.execute(
            "SELECT attempts FROM deliveries WHERE alert_id = ? AND sink = ?",
            (alert.alert_id, sink),
        ).fetchone()
        attempts = (0 if row is None else int(row[0])) + 1
        wait_s: float | None = min(2.0 ** (attempts - 1), MAX_BACKOFF_S)
        state = "pending"
        if now_ms - alert.ts_ms >= GIVE_UP_MS:
            wait_s, state = None, "abandoned"
        with self._transaction():
            self._db.execute(
                "UPDATE deliveries SET state = ?, attempts = ?, next_ms = ?, last_error = ?"
                " WHERE alert_id = ? AND sink = ?",
                (
                    state,
                    attempts,
                    now_ms + int((wait_s or 0) * 1000),
                    error[:500],
                    alert.alert_id,
                    sink,
                ),
            )
        return wait_s

    def prune(self, now_ms: int) -> int:
        """Delete the alerts older than the keeping time whose deliveries all ended."""
        before = now_ms - KEEP_MS
        with self._transaction():
            old = (
                "SELECT alert_id FROM alerts WHERE ts_ms < ? AND alert_id NOT IN"
                " (SELECT alert_id FROM deliveries WHERE state = 'pending')"
            )
            self._db.execute(f"DELETE FROM deliveries WHERE alert_id IN ({old})", (before,))
            gone = self._db.execute(f"DELETE FROM alerts WHERE alert_id IN ({old})", (before,))
            return int(gone.rowcount)

    def recent(self, limit: int) -> list[Delivery]:
        """Return the latest alerts' deliveries, newest first."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM deliveries d JOIN alerts a USING (alert_id)"
            " WHERE a.alert_id IN"
            " (SELECT alert_id FROM alerts ORDER BY ts_ms DESC, alert_id DESC LIMIT ?)"
            " ORDER BY a.ts_ms DESC, a.alert_id DESC, d.sink",
            (limit,),
        ).fetchall()
        return [_delivery(row) for row in rows]

    def alerts(self, limit: int) -> list[Alert]:
        """Return the latest alerts, newest first, whether any sink is configured or not."""
        rows = self._db.execute(
            f"SELECT {_ALERT_COLUMNS} FROM alerts ORDER BY ts_ms DESC, alert_id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [_alert(row) for row in rows]

    def counts(self, since_ms: int) -> tuple[int, int, int]:
        """Return the alerts raised since `since_ms`, the critical ones, and those not sent."""
        raised, critical = self._db.execute(
            "SELECT count(*), coalesce(sum(severity = 'critical'), 0) FROM alerts WHERE ts_ms >= ?",
            (since_ms,),
        ).fetchone()
        (waiting,) = self._db.execute(
            "SELECT count(DISTINCT alert_id) FROM deliveries WHERE state = 'pending'"
        ).fetchone()
        return int(raised), int(critical), int(waiting)

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on an error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if error is not None:
            self._db.execute("ROLLBACK")
            return
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error:
            self._db.execute("ROLLBACK")  # never left open: the next BEGIN would fail
            raise


_ALERT_COLUMNS = "alert_id, rule, severity, title, detail, subject, ts_ms"
_COLUMNS = (
    "a.alert_id, a.rule, a.severity, a.title, a.detail, a.subject, a.ts_ms,"
    " d.sink, d.state, d.attempts, d.last_error, d.sent_ms"
)


def _alert(row: tuple[object, ...]) -> Alert:
    alert_id, rule, severity, title, detail, subject, ts_ms = row[:7]
    return Alert(
        str(alert_id),
        str(rule),
        Severity(str(severity)),
        str(title),
        str(detail),
        str(subject),
        int(str(ts_ms)),
    )


def _delivery(row: tuple[object, ...]) -> Delivery:
    sink, state, attempts, last_error, sent_ms = row[7:]
    return Delivery(
        _alert(row),
        str(sink),
        str(state),
        int(str(attempts)),
        str(last_error),
        None if sent_ms is None else int(str(sent_ms)),
    )
