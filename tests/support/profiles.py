"""Agent profiles written for a test: the house agents' strategies under other settings."""

from __future__ import annotations

from pathlib import Path

POOL = "novapool"  # Nova's strategy, keeping its investment accounts in one pooled book
_AGENTS = Path(__file__).parents[2] / "src/trading_agents/config/data/agents"


def pooled_profile(
    folder: Path, withdrawals: str = "queue", symbols: tuple[str, ...] | None = None
) -> Path:
    """Write `novapool` (Nova's strategy, pooled accounts) into `folder`; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = (_AGENTS / "nova.yaml").read_text().replace("name: nova", f"name: {POOL}", 1)
    if symbols is not None:
        lines = "\n".join(
            f"symbols: [{', '.join(symbols)}]" if line.startswith("symbols:") else line
            for line in lines.splitlines()
        )
    extra = f"\naccounts: pooled\npool_withdrawals: {withdrawals}\n"
    (folder / f"{POOL}.yaml").write_text(lines.rstrip("\n") + extra)
    return folder
