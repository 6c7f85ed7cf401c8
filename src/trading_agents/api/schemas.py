"""Request and response bodies; amounts go out as JSON numbers of at most 15 digits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    WithJsonSchema,
    model_validator,
)

from trading_agents.core.ids import ACCOUNT_ID_PATTERN, AGENT_NAME_PATTERN
from trading_agents.journal.platform import DaySnapshot
from trading_agents.model.enums import ExitReason
from trading_agents.service.queries import MetricsView, PositionView, StatusView

# An exact decimal, sent as a JSON number with its exact digits (api/exact.py writes it): the
# float below is only what the OpenAPI document says it is, a number.
Amount = Annotated[
    Decimal,
    PlainSerializer(
        lambda d: float(d.quantize(Decimal("1e-8"))), return_type=float, when_used="json"
    ),
]
Row = TypeVar("Row", bound=BaseModel)
AccountId = Annotated[str, Field(pattern=ACCOUNT_ID_PATTERN, max_length=64)]
MAX_AMOUNT = Decimal(1_000_000_000)
_PLAIN_DECIMAL = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")


def _plain(value: object) -> object:
    """Refuse a decimal spelled loosely: in a string only digits and one point, as JSON has."""
    if isinstance(value, bool):
        raise ValueError("a number is needed, not true or false")
    if isinstance(value, str) and not _PLAIN_DECIMAL.match(value):
        raise ValueError(f"{value!r} is not a plain decimal such as 1000.5")
    return value


Plain = BeforeValidator(_plain)


def _decimal_schema(exclusive_minimum: bool, maximum: int, whole: str) -> WithJsonSchema:
    """Say in the OpenAPI document what the validators enforce: a number, or a plain string."""
    low = "exclusiveMinimum" if exclusive_minimum else "minimum"
    fraction = r"(\.[0-9]{1,8})?"
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", low: 0, "maximum": maximum, "multipleOf": 1e-8},
                {"type": "string", "pattern": f"^{whole}{fraction}$"},
            ],
            "description": "a decimal of at most 8 decimals, as a JSON number or a plain string",
        }
    )


# Money in: a JSON number (or a plain decimal string) of at most 8 decimals, up to a billion.
MoneyIn = Annotated[
    Decimal,
    Plain,
    Field(gt=0, le=MAX_AMOUNT, max_digits=18, decimal_places=8),
    _decimal_schema(True, 1_000_000_000, r"(?!0+(\.0+)?$)(0|[1-9][0-9]{0,8})"),
]
# When a signal was made: epoch seconds or milliseconds, or ISO 8601.
Moment = (
    Annotated[int, Field(ge=0, le=10**15)]
    | Annotated[float, Field(ge=0, le=1e15, allow_inf_nan=False)]
    | Annotated[str, Field(min_length=1, max_length=40)]
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        """Refuse a body that is not a JSON object (a number, a list) before reading fields."""
        if not isinstance(data, dict) and not isinstance(data, BaseModel):
            raise ValueError("the body must be a JSON object")
        return data


class StartIn(_In):
    """Start an agent: the platform's client sends agent_name and initial_equity."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"initial_equity": 10000}]}
    )

    agent_name: Annotated[str, Field(pattern=AGENT_NAME_PATTERN)] | None = None
    initial_equity: MoneyIn
    account_id: AccountId | None = None
    brain: Literal["rules", "llm"] | None = None  # overrides the profile's brain


class AmountIn(_In):
    """A deposit or a withdrawal, in USDT."""

    amount: MoneyIn


class StopIn(_In):
    """Stop an agent; by default its positions are closed at market."""

    keep_positions: StrictBool = False  # true or false: no 0, 1 or "yes"


class ResetIn(_In):
    """Reset a tripped safety, with the reason a person gives (kept in the audit trail)."""

    what: Literal["kill_switch", "circuit_breaker"]
    reason: str = Field(
        min_length=3, max_length=500, pattern=r"^[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*$"
    )


class SignalIn(_In):
    """A signal for one of the agent's symbols."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"symbol": "BTCUSDT", "action": "buy", "confidence": 0.85, "price": 105000}
            ]
        },
    )

    symbol: str = Field(min_length=1, max_length=20, pattern=r"^[A-Z0-9]+$")
    action: Literal["buy", "sell", "hold"]
    confidence: Annotated[
        Decimal,
        Plain,
        Field(ge=0, le=1, decimal_places=8),
        _decimal_schema(False, 1, r"(0|1(?=(\.0+)?$))"),
    ]
    price: MoneyIn
    signal_id: Annotated[str, Field(pattern=r"^[\x21-\x7e]{1,64}$")] | None = None
    # When the signal was made: epoch seconds or milliseconds, or ISO 8601; too old is refused.
    timestamp: Moment | None = None


class StatusOut(BaseModel):
    """An agent session's state."""

    agent: str
    account_id: str
    status: Literal["running", "paused", "stopped"]
    mode: str
    market_data: str
    symbols: list[str]
    brain: str
    trading_state: str
    initial_equity: Amount
    equity: Amount
    started_at: str

    @classmethod
    def of(cls, view: StatusView) -> StatusOut:
        """Map the use case's view."""
        return cls.model_validate({**_fields(view), "symbols": list(view.symbols)})


class MetricsOut(BaseModel):
    """The platform's metrics, and a few more."""

    agent: str
    account_id: str
    total_trades: int
    winning_trades: int
    losing_trades: int
    win_rate: Amount
    total_profit: Amount
    total_loss: Amount
    net_profit: Amount
    realized_pnl: Amount
    fees: Amount
    funding: Amount
    current_drawdown: Amount
    max_drawdown: Amount
    drawdown_limit: Amount
    sharpe: float | None = Field(
        description="annualised Sharpe ratio of daily returns; None with under two or no spread"
    )
    sortino: float | None = Field(
        description="annualised Sortino ratio of daily returns; None without two or a losing day"
    )
    equity: Amount
    llm: LlmMetricsOut | None = None

    @classmethod
    def of(cls, view: MetricsView) -> MetricsOut:
        """Map the use case's view."""
        fields = _fields(view)
        counters = view.llm
        fields["llm"] = (
            None
            if counters is None
            else LlmMetricsOut(
                calls=counters.calls,
                calls_skipped=counters.skipped,
                input_tokens=counters.input_tokens,
                output_tokens=counters.output_tokens,
                cost_usd=counters.cost_usd,
                cost_today_usd=counters.day_cost_usd,
            )
        )
        return cls.model_validate(fields)


class LlmMetricsOut(BaseModel):
    """What the LLM brain used: calls made and skipped by the gate, tokens and dollars."""

    calls: int
    calls_skipped: int
    input_tokens: int
    output_tokens: int
    cost_usd: Amount
    cost_today_usd: Amount


class PositionOut(BaseModel):
    """One open position."""

    symbol: str
    side: Literal["long", "short"]
    quantity: Amount
    entry_price: Amount
    mark_price: Amount | None
    unrealized_pnl: Amount
    leverage: int
    margin: Amount
    liquidation_price: Amount | None


class PositionsOut(BaseModel):
    """An agent's open positions."""

    agent: str
    account_id: str
    total_positions: int
    positions: list[PositionOut]

    @classmethod
    def of(cls, agent: str, account_id: str, views: list[PositionView]) -> PositionsOut:
        """Map the use case's views."""
        positions = [PositionOut.model_validate(_fields(view)) for view in views]
        return cls(
            agent=agent, account_id=account_id, total_positions=len(positions), positions=positions
        )


class CheckOut(BaseModel):
    """One order a decision needed and the risk engine's verdict."""

    role: str
    verdict: Literal["approved", "denied"]
    code: str | None = None
    reason: str | None = None


class DecisionOut(BaseModel):
    """What the agent decided on a signal, why, and what happened to its orders."""

    agent: str
    account_id: str
    action: str
    symbol: str
    reasoning: str
    confidence: Amount | None
    checks: list[CheckOut]
    orders: list[dict[str, str | None]]


class HealthOut(BaseModel):
    """Whether the service is well, and what it runs on."""

    status: Literal["ok", "degraded"]
    agents_running: int
    mode: str  # "paper", or where agents trade at Binance: "binance-demo", "binance-live"
    venue: str  # "off ...", "ok", or "degraded: ..." once Binance stopped the venue (418)
    market_data: str
    market_data_state: str
    # The close of the last candle every agent has seen (a backfill's included), ISO 8601
    # UTC; null before the first.
    market_data_through: str | None = None
    # Symbols the market data stopped following, with why (delisted, silent): agents on
    # them hold while the others trade.
    market_data_dropped: dict[str, str] = {}
    journal: str  # "ok", "degraded: ..." through a database outage, or "failing: ..."
    ml_engine: str  # "off ...", "ok", or "degraded: ..." while the engine does not answer


class OrderOut(BaseModel):
    """One order the agent sent."""

    client_order_id: str
    symbol: str
    side: str
    order_type: str
    # A limit order's: "gtc" rests on the book, "ioc" (an entry) trades at once or expires.
    time_in_force: Literal["gtc", "ioc"] | None
    quantity: Amount
    price: Amount | None
    trigger_price: Amount | None
    reduce_only: bool
    status: str
    filled_quantity: Amount
    created_at: str


class TradeOut(BaseModel):
    """One round trip."""

    trade_id: str
    symbol: str
    side: str
    quantity: Amount
    entry_price: Amount
    exit_price: Amount
    opened_at: str
    closed_at: str
    realized_pnl: Amount
    fees: Amount
    funding: Amount
    net_pnl: Amount
    liquidated: bool
    exit_reason: ExitReason = Field(
        description="What brought the position to flat: `signal` (the agent's own close or"
        " reversal), `stop_loss`, `take_profit`, `liquidation`, `risk` (forced by the risk rules:"
        " a position the venue left without its stop, a pooled book reduced to pay out),"
        " `stop_command` (the platform stopped the agent, closing), `manual` (a person closed it"
        " through the API), `decision` (a close at market recorded before these were told"
        " apart), or `other` (an order the account did not place)"
    )


class EquityPointOut(BaseModel):
    """The account's equity at one mark."""

    at: str
    equity: Amount
    net_deposits: Amount  # deposits less withdrawals by then: what is not profit in equity


class ToolCallOut(BaseModel):
    """One function call an LLM decision made."""

    name: str
    arguments: str  # JSON


class DecisionRecordOut(BaseModel):
    """One decision with its reasoning, verdicts and the venue's answers."""

    sequence: int
    at: str
    trigger: str
    symbol: str
    action: str
    reasoning: str
    confidence: Amount | None
    verdicts: list[str]
    orders: list[str]
    signal_id: str | None
    brain: str
    tokens: int | None = None
    cost_usd: Amount | None = None
    # An LLM decision's function calls, in order: the tool's name and its JSON arguments.
    tool_calls: list[ToolCallOut] = []


class ListOut(BaseModel, Generic[Row]):
    """A list of records of one agent session, newest last."""

    agent: str
    account_id: str
    count: int
    items: list[Row]

    @classmethod
    def of(cls, agent: str, account_id: str, items: list[Row]) -> ListOut[Row]:
        """Wrap the rows."""
        return cls(agent=agent, account_id=account_id, count=len(items), items=items)


def rows(views: Sequence[object], model: type[Row]) -> list[Row]:
    """Map the use case's views to response rows."""
    return [model.model_validate(_fields(view)) for view in views]


def _fields(view: object) -> dict[str, object]:
    slots: tuple[str, ...] = getattr(view, "__slots__", ())
    return {name: getattr(view, name) for name in slots}


class DaySnapshotOut(BaseModel):
    """One UTC day of an account, as `investment.performance_snapshots` holds it."""

    snapshot_date: date
    period_type: str
    opening_balance: Amount
    closing_balance: Amount
    profit_loss: Amount
    total_trades: int
    winning_trades: int


class SnapshotsOut(BaseModel):
    """The daily snapshots just written for an account."""

    account_id: str
    count: int
    items: list[DaySnapshotOut]

    @classmethod
    def of(cls, account_id: str, snapshots: Sequence[DaySnapshot]) -> SnapshotsOut:
        """Build the answer from the journal's snapshots."""
        items = [
            DaySnapshotOut(
                snapshot_date=s.day,
                period_type="daily",
                opening_balance=s.opening_balance,
                closing_balance=s.closing_balance,
                profit_loss=s.profit_loss,
                total_trades=s.total_trades,
                winning_trades=s.winning_trades,
            )
            for s in snapshots
        ]
        return cls(account_id=account_id, count=len(items), items=items)
