"""Keep the memory a batch command frees for its next allocations (glibc's allocator only).

A backtest builds and drops many large blocks: the candle columns and the indicators' arrays
(4 MB each over a year of 1m candles), the result's documents. By default glibc serves each
block above 128 KB with a fresh mapping and hands it back to the system when it is freed, so
the next one is mapped and zeroed by the kernel again: a year's backtest took some 51,000 page
faults where it needs 35,000. A command that runs to its end and exits gains nothing from
giving memory back. The peak stays the same; a long-running service keeps glibc's defaults.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Final

# From glibc's malloc.h.
_M_TRIM_THRESHOLD: Final = -1
_M_TOP_PAD: Final = -2
_M_MMAP_THRESHOLD: Final = -3
# The largest mapping threshold glibc accepts on a 64-bit system (HEAP_MAX_SIZE / 2).
_MAPPED_ABOVE: Final = 32 * 1024 * 1024
_KEPT_FREE: Final = 1024 * 1024 * 1024  # free memory at the heap's top kept up to this much
_GROWN_BY: Final = 64 * 1024 * 1024  # extra asked of the system when the heap grows


def keep_freed_memory() -> bool:
    """Ask glibc to reuse freed memory rather than return it; tell whether it took the settings."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # another C library (musl): its defaults stand
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    settings = (
        (_M_MMAP_THRESHOLD, _MAPPED_ABOVE),
        (_M_TRIM_THRESHOLD, _KEPT_FREE),
        (_M_TOP_PAD, _GROWN_BY),
    )
    return all(mallopt(option, value) == 1 for option, value in settings)
