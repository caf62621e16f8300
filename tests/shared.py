"""Data the tests share: the bundled sample articles, and the evaluation data that sits beside
the repository (absent in a user's clone)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli.demo import sample_paths

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = sample_paths()[0].parents[1]  # bot/samples: one folder per source
ANTWERP_STRIKE = ("harbour-herald/2026-03-16-antwerp-dock-strike.txt",
                  "daily-ledger/2026-03-16-antwerp-port-strike.txt")  # fmt: skip
CESENA_FLOOD = ("harbour-herald/2026-03-09-cesena-flood.md",
                "riverside-gazette/2026-03-10-cesena-flood.html")  # fmt: skip
SHARED_DATA = Path(os.environ.get("BRIEFBOT_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


def shared_path(*parts: str) -> Path:
    """Return a path inside the shared data, skipping the calling test when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"evaluation data not found at {path} (only present beside the repo in CI)")
    return path
