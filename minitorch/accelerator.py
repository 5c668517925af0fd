"""mt.accelerator: the device-neutral way to ask for a GPU (as torch.accelerator, PyTorch 2.6+).

    device = mt.accelerator.current_accelerator() if mt.accelerator.is_available() else mt.device("cpu")

minitorch's only accelerator is CUDA; without a usable GPU there is none.
"""
from __future__ import annotations

from . import cuda
from .devices import device

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index", "synchronize"]


def is_available() -> bool:
    """True when an accelerator (a CUDA GPU) is usable."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> device | None:
    """device('cuda') when a GPU is usable, else None (minitorch has no accelerator that is built but absent,
    so check_available changes nothing)."""
    return device("cuda") if cuda.is_available() else None


def device_count() -> int:
    """The number of usable accelerators (GPUs); 0 when there is none."""
    return cuda.device_count()


def current_device_index() -> int:
    """The index of the current accelerator: minitorch has no set_device, so it is 0 (-1 when there is none)."""
    return 0 if cuda.is_available() else -1


def synchronize(device: str | int | None = None) -> None:
    """Wait for the work queued on the accelerator to finish."""
    cuda.synchronize(device)
