"""Freed arrays leave the process's resident memory (glibc; skipped elsewhere)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.events.heap import _libc

# Frees 80 MB of 2 MB arrays allocated between small blocks that stay, after one 8 MB array
# raised glibc's threshold; prints how much resident memory the free gave back, in MB.
_SCRIPT = """
import sys
import numpy as np
from bot.events.heap import map_large_blocks, trim

def resident():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

if sys.argv[1] == "tuned":
    map_large_blocks()
big = np.ones(8 << 20, dtype=np.uint8)
del big
arrays, kept = [], []
for _ in range(40):
    arrays.append(np.ones(2 << 20, dtype=np.uint8))
    kept.append(bytearray(2000))
before = resident()
del arrays
if sys.argv[1] == "tuned":
    trim()
print(before - resident())
"""


def _freed(mode: str) -> float:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, mode], capture_output=True, text=True, check=True
    )
    return float(done.stdout)


@pytest.mark.skipif(_libc() is None or sys.platform != "linux", reason="glibc only")
def test_a_pass_s_freed_arrays_are_handed_back_to_the_system() -> None:
    assert _freed("tuned") > 60
