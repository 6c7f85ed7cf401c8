"""The clock port: the only place the product reads time."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Final, Protocol

# Final: compiled code reads them as constants, not from the module's namespace.
MS_PER_SECOND: Final = 1_000
MS_PER_MINUTE: Final = 60_000
MS_PER_HOUR: Final = 3_600_000
MS_PER_DAY: Final = 86_400_000

# Candle intervals by Binance's names; each divides a UTC day, so candles open on multiples.
INTERVALS_MS = {
    "1m": MS_PER_MINUTE,
    "3m": 3 * MS_PER_MINUTE,
    "5m": 5 * MS_PER_MINUTE,
    "15m": 15 * MS_PER_MINUTE,
    "30m": 30 * MS_PER_MINUTE,
    "1h": MS_PER_HOUR,
    "2h": 2 * MS_PER_HOUR,
    "4h": 4 * MS_PER_HOUR,
    "6h": 6 * MS_PER_HOUR,
    "8h": 8 * MS_PER_HOUR,
    "12h": 12 * MS_PER_HOUR,
    "1d": MS_PER_DAY,
}


class Clock(Protocol):
    """Tell the current time in milliseconds since the epoch, UTC."""

    def now_ms(self) -> int: ...


def to_datetime(ms: int) -> datetime:
    """Turn epoch milliseconds into an aware UTC datetime."""
    return datetime.fromtimestamp(ms / MS_PER_SECOND, tz=UTC)


def to_ms(moment: datetime | str) -> int:
    """Turn an aware datetime or an ISO 8601 string into epoch milliseconds."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()} has no time zone; give UTC")
    return int(moment.timestamp() * MS_PER_SECOND)


# The first second of the year 10000, which a datetime cannot hold.
_YEAR_10000_S: Final = 253_402_300_800


_SECONDS_PER_DAY: Final = MS_PER_DAY // MS_PER_SECOND
_SECONDS_PER_HOUR: Final = MS_PER_HOUR // MS_PER_SECOND
_SECONDS_PER_MINUTE: Final = MS_PER_MINUTE // MS_PER_SECOND
# "00" to "59", and each day's "YYYY-MM-DDT" once: a year's result writes some 45,000 times,
# and strftime for each took three quarters of the time.
_TWO_DIGITS: Final = tuple(f"{n:02d}" for n in range(60))
_DAY_PREFIXES: Final[dict[int, str]] = {}
_DAYS_KEPT: Final = 4_096


def iso_utc(ms: int) -> str:
    """Return epoch milliseconds as an ISO 8601 UTC time to the second, with a Z."""
    seconds = ms // MS_PER_SECOND
    if 0 <= seconds < _YEAR_10000_S:
        # From 1970 on the year has four digits, which is where strftime and datetime differ.
        # Divisions and products of non-negative ints, not divmod: compiled, those stay
        # machine integers, where divmod builds a tuple of objects.
        day = seconds // _SECONDS_PER_DAY
        second = seconds - day * _SECONDS_PER_DAY
        prefix = _DAY_PREFIXES.get(day)
        if prefix is None:
            if len(_DAY_PREFIXES) >= _DAYS_KEPT:
                _DAY_PREFIXES.clear()
            prefix = time.strftime("%Y-%m-%dT", time.gmtime(day * _SECONDS_PER_DAY))
            _DAY_PREFIXES[day] = prefix
        hour = second // _SECONDS_PER_HOUR
        second -= hour * _SECONDS_PER_HOUR
        minute = second // _SECONDS_PER_MINUTE
        second -= minute * _SECONDS_PER_MINUTE
        two = _TWO_DIGITS
        return prefix + two[hour] + ":" + two[minute] + ":" + two[second] + "Z"
    return f"{to_datetime(ms):%Y-%m-%dT%H:%M:%SZ}"


def parse_interval(text: str) -> int:
    """Return the milliseconds of an interval such as "1m", "15m", "4h" or "1d"."""
    try:
        return INTERVALS_MS[text.strip()]
    except KeyError:
        known = ", ".join(INTERVALS_MS)
        raise ValueError(f"unknown interval {text!r}; choose one of {known}") from None


def interval_name(interval_ms: int) -> str:
    """Return "1m", "4h" ... for an interval, or its length in milliseconds if it has no name."""
    for name, length in INTERVALS_MS.items():
        if length == interval_ms:
            return name
    return f"{interval_ms}ms"


def utc_day_start(ms: int) -> int:
    """Return the start of the UTC day that contains `ms`."""
    return ms - ms % MS_PER_DAY


class LiveClock:
    """Read the machine's wall clock."""

    def now_ms(self) -> int:
        """Return the wall-clock time in epoch milliseconds."""
        return time.time_ns() // 1_000_000


class SimulatedClock:
    """A clock that moves only when told, forward only."""

    __slots__ = ("_now_ms",)

    def __init__(self, start: int | datetime | str = 0) -> None:
        self._now_ms = start if isinstance(start, int) else to_ms(start)

    def now_ms(self) -> int:
        """Return the simulated time."""
        return self._now_ms

    def advance_to(self, moment: int | datetime | str) -> None:
        """Move the clock forward to `moment`; moving back is an error."""
        target = moment if isinstance(moment, int) else to_ms(moment)
        if target < self._now_ms:
            raise ValueError(f"clock cannot go back from {self._now_ms} to {target}")
        self._now_ms = target

    def advance_by(self, milliseconds: int) -> None:
        """Move the clock forward by `milliseconds`."""
        self.advance_to(self._now_ms + milliseconds)
