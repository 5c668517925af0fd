"""torch.backends.mps for scripts that probe for Apple's GPU: minitorch has no MPS backend."""
from __future__ import annotations


def is_available() -> bool:
    """False: minitorch runs on the CPU and CUDA GPUs only."""
    return False


def is_built() -> bool:
    """False: minitorch has no MPS backend."""
    return False
