"""A batch command keeps the memory it frees: the next large block needs no new pages."""

from __future__ import annotations

import subprocess
import sys

import pytest

from trading_agents._allocator import keep_freed_memory

# Allocate and free an 8 MB block, then allocate one again and count the page faults the second
# one takes while it is written: the kernel maps and zeroes a page at its first touch.
_SECOND_BLOCK_FAULTS = """
import resource, sys
from trading_agents._allocator import keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory()
block = bytearray(8 << 20)
del block
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
block = bytearray(8 << 20)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults_of_second_block(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _SECOND_BLOCK_FAULTS, mode],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_the_settings_are_taken_on_linux() -> None:
    assert keep_freed_memory() is True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_a_freed_block_is_reused_without_new_pages() -> None:
    # 8 MB is 2,048 pages: by default the freed block goes back to the system and the next one
    # is faulted in page by page; kept, it is written in place.
    assert _faults_of_second_block("default") > 1_000
    assert _faults_of_second_block("keep") < 100
