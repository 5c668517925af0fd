"""Exceptions of minitorch's own (everything else raises the built-in type PyTorch raises)."""
from __future__ import annotations


class OutOfMemoryError(RuntimeError, MemoryError):
    """A device ran out of memory. Catchable as RuntimeError (as PyTorch's) and as MemoryError."""
