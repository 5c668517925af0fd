"""Backends (layer 2, below the core): the array module, generator and kernels behind each device, and the
activation registry the kernels are made from. Arrays in, arrays out: nothing here knows Tensor or Function.

The backend of an op is found once, from its tensors (`tensor._backend`); ops then
call `backend.xp` and the backend's kernels, and never test which device they are on.
"""
from __future__ import annotations

from . import cuda
from .base import Backend
from .cpu import DEFAULT_SEED, cpu
from ..devices import device
from .host_memory import keep_freed_heap

__all__ = ["Backend", "device", "backend_for", "all_backends", "manual_seed_all", "manual_seed_cuda"]

_cuda_backends: dict[int, Backend] = {}  # created on first use of each GPU
_cuda_seed = DEFAULT_SEED  # what a GPU first used from now on is seeded with (the last seed of all GPUs)
_cuda_seeds: dict[int, int] = {}  # seeds given to one GPU before its first use, taking precedence

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
        backend = _cuda_backends[index] = cuda.create_cuda_backend(index, _cuda_seeds.pop(index, _cuda_seed))
    return backend


def all_backends() -> list[Backend]:
    """The backends created so far."""
    return [cpu, *_cuda_backends.values()]


def manual_seed_cuda(seed: int, index: int | None = None) -> None:
    """Seed GPU `index` (None: every GPU), now if it is in use, else when it is first used."""
    global _cuda_seed
    if index is None:
        _cuda_seed = seed
        _cuda_seeds.clear()
        for backend in _cuda_backends.values():
            backend.manual_seed(seed)
    elif index in _cuda_backends:
        _cuda_backends[index].manual_seed(seed)
    else:
        _cuda_seeds[index] = seed


def manual_seed_all(seed: int) -> None:
    """Seed every device's generator: the CPU's and every GPU's, including GPUs first used later."""
    cpu.manual_seed(seed)
    manual_seed_cuda(seed)
