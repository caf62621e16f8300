"""Helpers shared by the benchmarks: where the evaluation data is, and peak memory."""

from __future__ import annotations

import os
import resource
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("BRIEFBOT_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


def shared_path(*parts: str) -> Path | None:
    """Return a path inside the shared evaluation data, or None when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    return path if path.exists() else None


def peak_rss_mib() -> float:
    """Return this process's peak resident memory so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
