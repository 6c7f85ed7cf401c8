"""The service set up to trade at the fake Binance: live candles, keys, URLs and agents."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from tests.support.fake_binance import FakeBinance
from tests.support.fake_binance_futures import FakeBinanceFutures, SubAccount
from tests.support.market_data import candles_from
from tests.support.service import Service
from trading_agents.config.profiles import shipped_profiles
from trading_agents.core.clock import MS_PER_MINUTE, LiveClock, SimulatedClock
from trading_agents.market.candles import Candle

SYMBOL = "BTCUSDT"
HISTORY_MINUTES = 240  # of real candles: more than the house agents need to warm up


def recent_candles(minutes: int = HISTORY_MINUTES) -> list[Candle]:
    """Return real BTCUSDT 1m candles moved in time so that the last one closed this minute.

    Live market data backfills the candles before now; real prices keep the agents' indicators
    and stops what they would be at Binance.
    """
    real = candles_from("BTCUSDT_1m_2025-05-04_2025-06-24", start="2025-05-06T00:00:00Z")
    real = real[:minutes]
    now_ms = LiveClock().now_ms()
    shift = now_ms - now_ms % MS_PER_MINUTE - real[-1].close_ms
    return [replace(c, open_ms=c.open_ms + shift) for c in real]


def public_market(candles: list[Candle]) -> FakeBinance:
    """Return Binance's public market data as a fake serving these candles, all closed."""
    return FakeBinance(candles, clock=SimulatedClock(candles[-1].close_ms))


def btc_only_agents(folder: Path) -> Path:
    """Write the house agents into `folder` trading BTCUSDT only; return the folder."""
    return agents_trading(folder, ("BTCUSDT",))


def agents_trading(folder: Path, symbols: tuple[str, ...]) -> Path:
    """Write the house agents into `folder` trading `symbols` only; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, profile in shipped_profiles().items():
        source = Path(__file__).parents[2] / f"src/trading_agents/config/data/agents/{name}.yaml"
        lines = [
            f"symbols: [{', '.join(symbols)}]" if line.startswith("symbols:") else line
            for line in source.read_text().splitlines()
        ]
        assert profile.name == name
        (folder / f"{name}.yaml").write_text("\n".join(lines) + "\n")
    return folder


def segregated(folder: Path) -> Path:
    """Let the agents written in `folder` trade each investment account's own Binance account."""
    for profile in folder.glob("*.yaml"):
        profile.write_text(profile.read_text() + "accounts: segregated\n")
    return folder


def segregated_environment(
    futures: FakeBinanceFutures, public: FakeBinance, profiles: Path
) -> dict[str, str]:
    """Return the settings for accounts that bring their own keys: no service keys, a sealer."""
    environment = binance_environment(futures, public, profiles)
    del environment["BINANCE_API_KEY"], environment["BINANCE_API_SECRET"]
    return {**environment, "VENUE_CREDENTIALS_KEY": CREDENTIALS_KEY}


CREDENTIALS_KEY = "test-credentials-key-0123456789abcdef"


def binance_environment(
    futures: FakeBinanceFutures, public: FakeBinance, profiles: Path
) -> dict[str, str]:
    """Return the settings that make the service trade at the fakes, on demo money."""
    return {
        "VENUE": "binance",
        "MARKET_DATA": "binance",
        "BINANCE_PUBLIC_URL": public.url,
        "BINANCE_PUBLIC_WS_URL": public.ws_url,
        "BINANCE_API_KEY": futures.api_key,
        "BINANCE_API_SECRET": futures.api_secret,
        "BINANCE_TESTNET": "true",
        "BINANCE_BASE_URL": futures.base_url,
        "BINANCE_WS_URL": futures.ws_url,
        "TRADING_AGENTS_PROFILES_DIR": str(profiles),
    }


def last_close(candles: list[Candle]) -> Decimal:
    """Return the price Binance trades at when the service starts: the last close."""
    return candles[-1].close


def wait_until_warm(
    service: Service, agent_path: str, candles: list[Candle], timeframe_minutes: int
) -> None:
    """Wait until a started agent's market view holds every complete candle of the backfill.

    The service steps the backfilled history after it starts streaming; an agent asked to
    trade before the last of it is stepped holds (its ATR not ready, or its price stale).
    """
    buckets = Counter(c.open_ms // (timeframe_minutes * MS_PER_MINUTE) for c in candles)
    complete = sum(1 for count in buckets.values() if count == timeframe_minutes)
    service.wait_for(
        f"{agent_path}/candles?symbol={SYMBOL}&limit=500", lambda view: len(view) >= complete
    )


def buy_signal(candles: list[Candle]) -> dict[str, object]:
    """Return a confident BTCUSDT buy priced at the market (one priced off it is not acted on)."""
    return {
        "symbol": SYMBOL,
        "action": "buy",
        "confidence": 0.9,
        "price": float(last_close(candles)),
    }


# Three investment accounts, each with its own Binance sub-account and wallet.
WALLETS = {"acc-1": Decimal(1_000), "acc-2": Decimal(2_000), "acc-3": Decimal(3_000)}


def sub_accounts(futures: FakeBinanceFutures) -> dict[str, SubAccount]:
    """Open a sub-account at the fake for each of WALLETS' accounts, with keys of its own."""
    return {
        account: futures.add_key_set(f"key{account}x0123456789", f"secret{account}yz98", wallet)
        for account, wallet in WALLETS.items()
    }
