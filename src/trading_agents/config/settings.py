"""Service settings from the environment, with the names the design fixes."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from trading_agents.config.binance import BinanceConfig
from trading_agents.core.shipped import shipped

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
EMBEDDED_DATABASE_URL = "sqlite+aiosqlite:///var/trading_agents.db"  # relative to the start folder
# The async driver for each database a plain URL names.
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


class Settings(BaseSettings):
    """Everything the service reads from the environment (or a .env file)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    host: str = Field(default="127.0.0.1", alias="TRADING_AGENTS_HOST")
    port: int = Field(default=8003, ge=1, le=65_535, alias="TRADING_AGENTS_PORT")
    url: str | None = Field(default=None, alias="TRADING_AGENTS_URL")
    api_key: SecretStr | None = Field(default=None, alias="TRADING_AGENTS_API_KEY")
    allow_open_bind: bool = Field(default=False, alias="TRADING_AGENTS_ALLOW_OPEN_BIND")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    db_upgrade: bool = Field(default=True, alias="TRADING_AGENTS_DB_UPGRADE")
    # Where journal batches wait while the database cannot be reached (relative to the start).
    spool_dir: Path = Field(default=Path("var/spool"), alias="TRADING_AGENTS_SPOOL_DIR")
    # "create": our migration makes the platform's two tables; "existing": the platform owns
    # them and the journal writes into them as they are.
    platform_tables: Literal["create", "existing"] = Field(
        default="create", alias="PLATFORM_TABLES"
    )
    market_data: Literal["auto", "binance", "replay"] = Field(default="auto", alias="MARKET_DATA")
    replay_path: Path | None = Field(default=None, alias="MARKET_DATA_REPLAY_PATH")
    replay_speed: float = Field(default=1.0, gt=0, alias="REPLAY_SPEED")
    binance_url: str | None = Field(default=None, alias="BINANCE_PUBLIC_URL")
    # The market stream's base (`/stream?streams=...` is added): klines and mark prices.
    binance_stream_url: str | None = Field(default=None, alias="BINANCE_PUBLIC_WS_URL")
    # Seconds without a candle before market data counts as late (health degraded, an
    # alert); unset: two candle periods and 30 s of slack (a reconnection's backfill, say).
    market_late_after_s: float | None = Field(default=None, gt=0, alias="MARKET_DATA_LATE_AFTER")
    ml_engine_url: str | None = Field(default=None, alias="ML_ENGINE_URL")
    ml_poll_interval_s: float = Field(default=10.0, gt=0, alias="ML_POLL_INTERVAL")
    ml_timeout_s: float = Field(default=2.0, gt=0, alias="ML_ENGINE_TIMEOUT")
    webhook_secret: SecretStr | None = Field(default=None, alias="WEBHOOK_SECRET")
    webhook_window_s: float = Field(default=300.0, gt=0, alias="WEBHOOK_WINDOW")
    signal_max_age_s: float = Field(default=300.0, gt=0, alias="SIGNAL_MAX_AGE")
    # The audit trail's HMAC key, or a file holding it; neither: ./var/audit.key, made once.
    audit_key: SecretStr | None = Field(default=None, alias="AUDIT_KEY")
    audit_key_file: Path | None = Field(default=None, alias="AUDIT_KEY_FILE")
    # Requests a second one caller (an API key, or an address) may make, and its burst; 0: off.
    rate_limit_per_s: float = Field(default=100.0, ge=0, alias="RATE_LIMIT_PER_S")
    rate_limit_burst: int = Field(default=200, ge=1, alias="RATE_LIMIT_BURST")
    # The largest request body any route reads; larger ones are refused with 413 unread.
    max_body_bytes: int = Field(default=65_536, ge=1_024, alias="MAX_BODY_BYTES")
    binance_api_key: SecretStr | None = Field(default=None, alias="BINANCE_API_KEY")
    binance_api_secret: SecretStr | None = Field(default=None, alias="BINANCE_API_SECRET")
    # true: Binance's demo trading (play money); false: the real account, which needs
    # BINANCE_LIVE_MONEY=true as well. Never real money by default.
    binance_testnet: bool = Field(default=True, alias="BINANCE_TESTNET")
    binance_live_money: bool = Field(default=False, alias="BINANCE_LIVE_MONEY")
    binance_base_url: str | None = Field(default=None, alias="BINANCE_BASE_URL")
    binance_ws_url: str | None = Field(default=None, alias="BINANCE_WS_URL")
    # Seals the investment accounts' own venue keys in the journal (segregated accounts);
    # or a file holding it. Neither: such keys cannot be registered.
    venue_credentials_key: SecretStr | None = Field(default=None, alias="VENUE_CREDENTIALS_KEY")
    venue_credentials_key_file: Path | None = Field(
        default=None, alias="VENUE_CREDENTIALS_KEY_FILE"
    )
    venue: Literal["paper", "binance"] = Field(default="paper", alias="VENUE")
    default_account: str = Field(default="default", alias="TRADING_AGENTS_DEFAULT_ACCOUNT")
    # "text" for a person at a terminal; "json": one object a line, for a log collector.
    log_format: Literal["text", "json"] = Field(default="text", alias="LOG_FORMAT")
    # Where alerts go; each sink is on when its settings are there (docs/OPERATIONS.md).
    # A secret: a receiver's URL often carries its token in the path.
    alert_webhook_url: SecretStr | None = Field(default=None, alias="ALERT_WEBHOOK_URL")
    alert_webhook_secret: SecretStr | None = Field(default=None, alias="ALERT_WEBHOOK_SECRET")
    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_chat_id: str | None = Field(default=None, alias="TELEGRAM_CHAT_ID")
    telegram_api_url: str = Field(default="https://api.telegram.org", alias="TELEGRAM_API_URL")
    slack_webhook_url: SecretStr | None = Field(default=None, alias="SLACK_WEBHOOK_URL")
    alert_check_s: float = Field(default=1.0, gt=0, le=60, alias="ALERT_CHECK_INTERVAL")

    def secrets(self) -> list[str]:
        """Return every secret these settings hold, for the logs to keep out."""
        held = [
            self.api_key,
            self.webhook_secret,
            self.audit_key,
            self.binance_api_key,
            self.binance_api_secret,
            self.venue_credentials_key,
            self.alert_webhook_url,
            self.alert_webhook_secret,
            self.telegram_bot_token,
            self.slack_webhook_url,
        ]
        found = [secret.get_secret_value() for secret in held if secret is not None]
        password = _password_of(self.database())
        return [*found, password] if password else found

    def audit_key_text(self) -> str | None:
        """Return AUDIT_KEY's value, if it is set."""
        return None if self.audit_key is None else self.audit_key.get_secret_value()

    @field_validator("api_key", "webhook_secret", mode="after")
    @classmethod
    def _no_blank_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    def binance(self) -> BinanceConfig:
        """Return the Binance venue's settings with the service's own keys; raise when short."""
        key, secret = self.binance_api_key, self.binance_api_secret
        return self.binance_endpoints().with_keys(
            key.get_secret_value() if key is not None else "",
            secret.get_secret_value() if secret is not None else "",
        )

    def binance_endpoints(self) -> BinanceConfig:
        """Return the Binance venue's settings without keys: accounts bring their own."""
        return BinanceConfig(
            demo=self.binance_testnet,
            live_money=self.binance_live_money,
            rest_url=self.binance_base_url,
            ws_url=self.binance_ws_url,
        )

    def credentials_key_text(self) -> str | None:
        """Return VENUE_CREDENTIALS_KEY's value, if it is set."""
        key = self.venue_credentials_key
        return None if key is None else key.get_secret_value()

    def database(self) -> str:
        """Return the journal's database URL, with the async driver when a plain one is given."""
        url = self.database_url or EMBEDDED_DATABASE_URL
        scheme, sep, rest = url.partition("://")
        return f"{_ASYNC_DRIVERS.get(scheme, scheme)}{sep}{rest}"

    def database_for_display(self) -> str:
        """Return the database URL with its password hidden, for logs and messages."""
        from sqlalchemy.engine import make_url

        try:
            return make_url(self.database()).render_as_string(hide_password=True)
        except Exception:
            return "(an unreadable DATABASE_URL)"

    def check_bind(self) -> None:
        """Refuse to listen beyond loopback without an API key, unless told so explicitly."""
        if self.host in LOOPBACK_HOSTS or self.api_key is not None or self.allow_open_bind:
            return
        raise ValueError(
            f"refusing to listen on {self.host} without TRADING_AGENTS_API_KEY; set a key, or"
            " TRADING_AGENTS_ALLOW_OPEN_BIND=true to accept an open service"
        )


def _password_of(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).password
    except Exception:
        return None  # unreadable: the journal says so when it opens it


def sample_replay_path() -> Path:
    """Return the folder of the small real sample shipped for replays without network."""
    return shipped("config", "data", "market")
