"""Keep freed host memory for the next training step instead of handing it back to the OS.

A training step allocates the same few megabytes of activations and gradients every time and frees
them all by the next step. glibc's malloc returns the top of its heap to the OS once more than a few
megabytes of it are free, so every step faulted the same pages in again: ~1,900 page faults, a third
of the time of a 784-512-512-10 MLP step (batch 256) on a 2-core machine. Raising M_TOP_PAD makes
the heap keep up to HEAP_PAD_BYTES free at its top (the CPU analogue of a caching allocator, and what
running under jemalloc or tcmalloc gives PyTorch users). It is process-wide; set the environment
variable MINITORCH_KEEP_HEAP=0 before importing minitorch to leave malloc as it is.
"""
from __future__ import annotations

import ctypes
import os

HEAP_PAD_BYTES = 64 << 20
M_TOP_PAD = -2  # glibc's <malloc.h>


def _glibc() -> ctypes.CDLL | None:
    """The running process's C library when it is glibc (the only one with this mallopt), else None."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return None
    except (AttributeError, ValueError, OSError):  # not a glibc system (macOS, Windows, musl)
        return None
    return ctypes.CDLL(None)


def keep_freed_heap() -> bool:
    """Ask glibc to keep HEAP_PAD_BYTES of freed memory at the top of its heap; True if it took the setting."""
    if os.environ.get("MINITORCH_KEEP_HEAP", "1") == "0":
        return False
    libc = _glibc()
    return libc is not None and libc.mallopt(M_TOP_PAD, HEAP_PAD_BYTES) == 1
