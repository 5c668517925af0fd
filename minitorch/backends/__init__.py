"""Backends (layer 2, below the core): the array module, generator and kernels behind each device, and the
activation registry the kernels are made from. Arrays in, arrays out: nothing here knows Tensor or Function.

The backend of an op is found once, from its tensors (`tensor._backend`); ops then
call `backend.xp` and the backend's kernels, and never test which device they are on.
"""
from __future__ import annotations

from . import cuda, cudnn, mps
from .base import Backend
from .cpu import DEFAULT_SEED, cpu
from ..devices import device
from .host_memory import keep_freed_heap

__all__ = ["Backend", "device", "backend_for", "all_backends", "manual_seed_all", "manual_seed_cuda",
           "set_default_device", "get_default_device", "cudnn", "mps"]

_cuda_backends: dict[int, Backend] = {}  # created on first use of each GPU
_cuda_seed = DEFAULT_SEED  # what a GPU first used from now on is seeded with (the last seed of all GPUs)
_cuda_seeds: dict[int, int] = {}  # seeds given to one GPU before its first use, taking precedence
_default_device: device | None = None  # where device=None creates tensors; None is the CPU (the fast path)

keep_freed_heap()  # once per process: training steps reuse their freed memory instead of faulting it in again


def backend_for(spec: str | device | None) -> Backend:
    """The backend serving a device: "cpu", "cuda" (GPU 0) or "cuda:N"; None: the default device."""
    if spec is None:
        if _default_device is None:
            return cpu
        spec = _default_device
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


def set_default_device(spec: str | device | int | None) -> None:
    """Make creation functions and layers given no device create on `spec` (None or "cpu": the CPU), as
    torch.set_default_device; an int is a GPU index. The device is only checked when a tensor is created."""
    global _default_device
    if isinstance(spec, int) and not isinstance(spec, bool):
        spec = f"cuda:{spec}"
    target = None if spec is None else device(spec)
    _default_device = None if target is None or target.type == "cpu" else target


def get_default_device() -> device:
    """The device that creation functions given no device use (cpu unless set_default_device changed it)."""
    if _default_device is None:
        return device("cpu")
    return device(_default_device.type, 0 if _default_device.index is None else _default_device.index)
