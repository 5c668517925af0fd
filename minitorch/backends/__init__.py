"""Backends: the array module, generator and kernels behind each device.

The backend of an op is found once, from its tensors (`tensor._backend`); ops then
call `backend.xp` and never test which device they are on.
"""
from __future__ import annotations

from .base import Backend
from .cpu import cpu
from .device import device

__all__ = ["Backend", "device", "backend_for", "all_backends"]


def backend_for(spec: str | device | None) -> Backend:
    """The backend serving a device ("cpu" now; "cuda" arrives with the GPU backend)."""
    if spec is None:
        return cpu
    target = spec if isinstance(spec, device) else device(spec)
    if target.type == "cpu":
        return cpu
    raise RuntimeError(
        f"device '{target}' is not available: minitorch has no CUDA backend yet, use device='cpu'"
    )


def all_backends() -> list[Backend]:
    """The backends created so far (for manual_seed, which seeds every device)."""
    return [cpu]
