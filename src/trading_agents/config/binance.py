"""Where the Binance venue connects and how it behaves; built from the service's settings."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from trading_agents.core.errors import ConfigurationError
from trading_agents.core.ids import key_fingerprint

LIVE_REST_URL = "https://fapi.binance.com"
LIVE_WS_URL = "wss://fstream.binance.com"
# Binance's demo trading (the futures testnet's successor): real API, play money.
DEMO_REST_URL = "https://demo-fapi.binance.com"
DEMO_WS_URL = "wss://demo-fstream.binance.com"


@dataclass(frozen=True, slots=True)
class BinanceConfig:
    """Keys, endpoints and the timings of one Binance USDⓈ-M account."""

    api_key: str = ""  # none: the endpoints only, for an account to bring its keys to
    api_secret: str = ""
    demo: bool = True
    live_money: bool = False  # the explicit consent real money needs, never a default
    rest_url: str | None = None  # a proxy or a test fake instead of Binance's own
    ws_url: str | None = None
    margin_type: str = "ISOLATED"  # the books keep isolated positions
    # The risk engine's estimate of a taker fill's cost; the fills carry the real fee.
    taker_fee: Decimal = Decimal("0.0005")
    recv_window_ms: int = 5_000
    timeout_s: float = 10.0
    max_attempts: int = 4
    backoff_s: float = 0.5
    backoff_cap_s: float = 8.0
    keepalive_s: float = 30 * 60.0  # Binance expires a listen key 60 minutes after the last
    reconnect_cap_s: float = 30.0
    reconcile_s: float = 60.0
    instruments_refresh_s: float = 3_600.0

    def __post_init__(self) -> None:
        if not self.demo and not self.live_money:
            raise ConfigurationError(
                "BINANCE_TESTNET=false trades real money: set BINANCE_LIVE_MONEY=true as well"
                " to confirm it, or keep BINANCE_TESTNET=true for demo trading"
            )
        if self.margin_type not in ("ISOLATED", "CROSSED"):
            raise ConfigurationError(f"margin type {self.margin_type!r} is not ISOLATED or CROSSED")

    def with_keys(self, api_key: str, api_secret: str) -> BinanceConfig:
        """Return these settings for the account the keys open; refuse a missing key."""
        if not api_key or not api_secret:
            raise ConfigurationError(
                "the Binance venue needs BINANCE_API_KEY and BINANCE_API_SECRET"
            )
        return replace(self, api_key=api_key, api_secret=api_secret)

    @property
    def has_keys(self) -> bool:
        """Say whether these settings carry an account's keys."""
        return bool(self.api_key and self.api_secret)

    @property
    def account(self) -> str:
        """Name the account the keys open, without the key: demo or live, and a fingerprint."""
        return f"{'demo' if self.demo else 'live'} account of key {key_fingerprint(self.api_key)}"

    @property
    def rest_base(self) -> str:
        """Return the REST base URL (scheme and host, no path)."""
        return (self.rest_url or (DEMO_REST_URL if self.demo else LIVE_REST_URL)).rstrip("/")

    @property
    def ws_base(self) -> str:
        """Return the WebSocket base URL (scheme and host, no path)."""
        return (self.ws_url or (DEMO_WS_URL if self.demo else LIVE_WS_URL)).rstrip("/")
