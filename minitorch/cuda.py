"""mt.cuda: whether a GPU is usable, how many, and their random seeds (as torch.cuda).

Asking never raises: without CuPy, without a (recent enough) driver or without a device,
is_available() is False and unavailable_reason() says which.
"""
from __future__ import annotations

from .backends import backend_for, manual_seed_cuda
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
    """Seed the current GPU's generator, as torch.cuda.manual_seed: minitorch has no set_device, so the current
    GPU is cuda:0. It takes effect now, or when cuda:0 is first used (minitorch.manual_seed seeds every device)."""
    manual_seed_cuda(int(seed), 0)


def manual_seed_all(seed: int) -> None:
    """Seed every GPU's generator: those in use now and those first used later."""
    manual_seed_cuda(int(seed))


__all__ = ["OutOfMemoryError", "is_available", "device_count", "synchronize", "manual_seed", "manual_seed_all", "unavailable_reason"]
