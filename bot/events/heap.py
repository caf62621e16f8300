"""Hand freed memory back to the system, so a revision pass's arrays do not stay resident.

glibc raises its mmap threshold each time a large block is freed, up to 32 MB, after which a
pass's arrays come from the heap and stay resident, fragmented, when freed. A fixed threshold
keeps every large array in its own mapping (returned on free); a trim after each pass gives back
what smaller blocks left free. Elsewhere (no glibc) both do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import cache

log = logging.getLogger(__name__)

_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 1 << 20
"""Blocks of this size and larger get their own mapping."""


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt  # noqa: B018 - glibc only
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def map_large_blocks(threshold: int = MMAP_THRESHOLD) -> bool:
    """Keep blocks of ``threshold`` bytes and more in their own mappings; return if applied."""
    libc = _libc()
    applied = libc is not None and bool(libc.mallopt(_M_MMAP_THRESHOLD, threshold))
    log.debug("mmap threshold %s: %s", threshold, "set" if applied else "not available")
    return applied


def trim() -> bool:
    """Give the heap's free memory back to the system; return True when some was."""
    libc = _libc()
    return libc is not None and bool(libc.malloc_trim(0))
