"""mt.cuda: whether a GPU is usable, how many, and their random seeds (as torch.cuda).

Asking never raises: without CuPy, without a (recent enough) driver or without a device,
is_available() is False and unavailable_reason() says which.
"""
from __future__ import annotations

from .backends import all_backends, backend_for
from .backends.cuda import device_count as _device_count
from .backends.cuda import unavailable_reason
from .errors import OutOfMemoryError


def is_available() -> bool:
    """True when CuPy is installed, the driver works and there is at least one GPU."""
    return unavailable_reason() is None


def device_count() -> int:
    """The number of usable GPUs (0 when none is usable)."""
    return _device_count()


def synchronize(device: str | int | None = None) -> None:
    """Wait for all work queued on a GPU to finish (for timing)."""
    backend_for(f"cuda:{device}" if isinstance(device, int) else device or "cuda").synchronize()


def manual_seed(seed: int) -> None:
    """Seed the generators of the GPUs in use (minitorch.manual_seed seeds the CPU too)."""
    for backend in all_backends():
        if backend.device.type == "cuda":
            backend.manual_seed(int(seed))


manual_seed_all = manual_seed

__all__ = ["OutOfMemoryError", "is_available", "device_count", "synchronize", "manual_seed", "manual_seed_all", "unavailable_reason"]
