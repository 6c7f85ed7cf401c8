"""Find headless Chromium, let it load a page, and read the PNG screenshots it takes."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
_OTHER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # PNG colour type -> samples per pixel


def find_chromium() -> Path | None:
    """Return Debian's Chromium, or another Chromium or Chrome on PATH, or None."""
    if DEBIAN_CHROMIUM.is_file() and os.access(DEBIAN_CHROMIUM, os.X_OK):
        return DEBIAN_CHROMIUM
    for name in _OTHER_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def require_chromium() -> Path:
    """Return Chromium; without it fail when CI is "true" (or "1"), else skip."""
    found = find_chromium()
    if found is not None:
        return found
    reason = (
        f"headless Chromium not found ({DEBIAN_CHROMIUM} or {', '.join(_OTHER_NAMES)} on PATH); "
        "install Debian's package: apt-get install -y chromium (.ci/run does this)"
    )
    if os.environ.get("CI", "").strip().lower() in {"true", "1"}:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True, slots=True)
class Chromium:
    """Run headless Chromium on local pages with a profile of its own."""

    executable: Path
    profile: Path
    timeout_s: float = 120.0

    def dump_dom(self, page: Path, *, budget_ms: int = 5000) -> str:
        """Return the page's DOM as serialized after it loaded and its scripts ran."""
        return self._run("--dump-dom", page, budget_ms=budget_ms).stdout.decode()

    def screenshot(
        self, page: Path, png: Path, *, width: int = 1280, height: int = 2200, budget_ms: int = 5000
    ) -> None:
        """Save a PNG of the page's first `height` pixels at `width` pixels wide."""
        self._run(
            f"--screenshot={png}",
            "--hide-scrollbars",
            f"--window-size={width},{height}",
            page,
            budget_ms=budget_ms,
        )
        if not png.is_file():
            raise AssertionError(f"Chromium did not write the screenshot {png}")

    def _run(self, *arguments: str | Path, budget_ms: int) -> subprocess.CompletedProcess[bytes]:
        """Run Chromium once and raise with its output if it fails."""
        page = arguments[-1]
        assert isinstance(page, Path)
        command = [
            str(self.executable),
            "--headless=new",
            "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
            "--disable-dev-shm-usage",  # containers give /dev/shm too little room
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={self.profile}",
            f"--virtual-time-budget={budget_ms}",
            *(str(argument) for argument in arguments[:-1]),
            page.resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, timeout=self.timeout_s, check=False)
        if done.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} exited with {done.returncode}:\n"
                f"{done.stderr.decode(errors='replace')[-2000:]}"
            )
        return done


@dataclass(frozen=True, slots=True)
class Image:
    """Decoded 8-bit pixels, one bytes object per row."""

    width: int
    height: int
    channels: int
    rows: tuple[bytes, ...]

    def pixel(self, x: int, y: int) -> tuple[int, ...]:
        """Return the samples of one pixel."""
        start = x * self.channels
        return tuple(self.rows[y][start : start + self.channels])

    def colours(self) -> Counter[tuple[int, ...]]:
        """Return how many pixels have each colour."""
        n = self.channels
        tally: Counter[tuple[int, ...]] = Counter()
        for row in self.rows:
            tally.update(zip(*(row[channel::n] for channel in range(n)), strict=True))
        return tally


def read_png(path: Path) -> Image:
    """Decode an 8-bit, non-interlaced PNG with the standard library."""
    data = path.read_bytes()
    if not data.startswith(_PNG_SIGNATURE):
        raise ValueError(f"{path} is not a PNG")
    position, compressed = len(_PNG_SIGNATURE), bytearray()
    width = height = channels = 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or interlace or colour not in _CHANNELS:
                raise ValueError(f"{path}: only 8-bit non-interlaced grey/RGB(A) PNGs are read")
            channels = _CHANNELS[colour]
        elif kind == b"IDAT":
            compressed += body
    raw = zlib.decompress(bytes(compressed))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        row = _unfilter(raw[start], raw[start + 1 : start + 1 + stride], previous, channels)
        rows.append(row)
        previous = row
    return Image(width, height, channels, tuple(rows))


def _unfilter(kind: int, line: bytes, above: bytes, bpp: int) -> bytes:
    """Undo one row's PNG filter (RFC 2083, section 6)."""
    if kind == 0:
        return line
    out = bytearray(line)
    if kind == 2:
        return bytes((a + b) & 0xFF for a, b in zip(line, above, strict=True))
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        if kind == 1:
            out[i] = (out[i] + left) & 0xFF
        elif kind == 3:
            out[i] = (out[i] + ((left + above[i]) >> 1)) & 0xFF
        elif kind == 4:
            up, corner = above[i], above[i - bpp] if i >= bpp else 0
            estimate = left + up - corner
            pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
            guess = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            out[i] = (out[i] + guess) & 0xFF
        else:
            raise ValueError(f"unknown PNG filter {kind}")
    return bytes(out)


SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "var/screenshots"))


@contextmanager
def chromium_page(width: int = 1280, height: int = 900) -> Iterator[Page]:
    """Open a page in headless Chromium driven by Playwright; close the browser after."""
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.set_default_timeout(10_000)
            yield page
        finally:
            browser.close()


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as `name`.png in the screenshots folder (SCREENSHOT_DIR)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def screenshot_of(part: Locator, name: str) -> Path:
    """Save one part of the page as `name`.png in the screenshots folder."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    part.screenshot(path=str(path))
    return path
