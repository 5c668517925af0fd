"""Backends: the array module, generator and kernels behind each device.

The backend of an op is found once, from its tensors (`tensor._backend`); ops then
call `backend.xp` and the backend's kernels, and never test which device they are on.
"""
from __future__ import annotations

from .base import Backend
from .cpu import cpu
from .device import device
from .host_memory import keep_freed_heap

__all__ = ["Backend", "device", "backend_for", "all_backends"]

_cuda_backends: dict[int, Backend] = {}  # created on first use of each GPU
_seed: int | None = None  # the last manual_seed, given to GPUs first used after it

keep_freed_heap()  # once per process: training steps reuse their freed memory instead of faulting it in again


def backend_for(spec: str | device | None) -> Backend:
    """The backend serving a device: "cpu" (the default), "cuda" (GPU 0) or "cuda:N"."""
    if spec is None:
        return cpu
    target = spec if isinstance(spec, device) else device(spec)
    if target.type == "cpu":
        return cpu
    index = 0 if target.index is None else target.index
    backend = _cuda_backends.get(index)
    if backend is None:
        from .cuda import create_cuda_backend

        backend = _cuda_backends[index] = create_cuda_backend(index)
        if _seed is not None:
            backend.manual_seed(_seed)
    return backend


def all_backends() -> list[Backend]:
    """The backends created so far."""
    return [cpu, *_cuda_backends.values()]


def manual_seed_all(seed: int) -> None:
    """Seed every device's generator, including GPUs first used later."""
    global _seed
    _seed = seed
    for backend in all_backends():
        backend.manual_seed(seed)
