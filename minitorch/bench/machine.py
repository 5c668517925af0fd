"""What the numbers were measured on: CPU, BLAS, library versions, GPU, and the environment that changes BLAS."""
from __future__ import annotations

import importlib.metadata
import os
import platform
import resource
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

import minitorch

from .backends import TORCH, all_backends

BLAS_ENVIRONMENT = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                    "MKL_NUM_THREADS")
"""Variables that change which BLAS kernel runs, or on how many threads."""


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what platform knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def blas_info() -> dict[str, Any]:
    """NumPy's BLAS as built (numpy's config) and, when threadpoolctl is importable, as loaded at run time."""
    build = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    info: dict[str, Any] = {"numpy_build": {key: build.get(key) for key in ("name", "version",
                                                                             "openblas configuration")}}
    try:
        import threadpoolctl  # noqa: PLC0415 - optional
    except ImportError:
        info["runtime"] = "n/a: threadpoolctl is not installed"
    else:
        info["runtime"] = [{key: pool.get(key) for key in ("internal_api", "version", "architecture",
                                                           "num_threads", "filepath")}
                           for pool in threadpoolctl.threadpool_info()]
    return info


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def library_versions() -> dict[str, str | None]:
    """Versions of Python and of the libraries that can take part (None: not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version(), "numpy": np.__version__,
                                       "minitorch": minitorch.__version__}
    for distribution in ("torch", "cupy-cuda13x", "cupy-cuda12x", "matplotlib", "threadpoolctl"):
        versions[distribution] = _version(distribution)
    return versions


def gpu_info() -> dict[str, Any]:
    """The GPU's name and memory when one is usable, else why not."""
    reason = minitorch.cuda.unavailable_reason()
    if reason is not None:
        return {"available": False, "reason": reason}
    import cupy  # noqa: PLC0415 - usable, so installed

    properties = cupy.cuda.runtime.getDeviceProperties(0)
    name = properties["name"]
    return {"available": True, "name": name.decode() if isinstance(name, bytes) else name,
            "memory_bytes": int(properties["totalGlobalMem"]), "count": minitorch.cuda.device_count()}


def torch_threads() -> int | None:
    """PyTorch's intra-op thread count, when PyTorch is installed."""
    torch = next(backend.library for backend in all_backends() if backend.family == TORCH)
    return None if torch is None else torch.get_num_threads()


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU seconds used so far by the whole machine and by this process (with its children that have ended:
    the distributed benchmark's ranks), at a wall-clock time."""

    machine_busy_s: float
    own_s: float
    wall_s: float


def cpu_snapshot() -> CpuSnapshot | None:
    """Now, from /proc/stat (Linux); None elsewhere."""
    try:
        with open("/proc/stat", encoding="utf-8") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    ticks_per_second = os.sysconf("SC_CLK_TCK")
    own_s = sum(usage.ru_utime + usage.ru_stime
                for usage in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)))
    return CpuSnapshot((user + nice + system + irq + softirq + steal) / ticks_per_second, own_s, time.monotonic())


def other_processes_load(start: CpuSnapshot | None, end: CpuSnapshot | None) -> float | None:
    """The share of all cores that other processes (and the hypervisor) used between two snapshots, 0 to 1.

    Benchmarks share the machine with whatever else runs; a high share means noisier, slower timings.
    """
    if start is None or end is None or end.wall_s <= start.wall_s:
        return None
    others = (end.machine_busy_s - start.machine_busy_s) - (end.own_s - start.own_s)
    return round(max(0.0, others) / ((end.wall_s - start.wall_s) * (os.cpu_count() or 1)), 3)


def machine_info(other_load: float | None = None) -> dict[str, Any]:
    """Everything above as one JSON-ready dict, with the other processes' share of the CPU during the run."""
    return {
        "other_processes_cpu_share": other_load,
        "platform": platform.platform(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cores": usable_cores(),
        "blas": blas_info(),
        "blas_environment": {name: os.environ.get(name) for name in BLAS_ENVIRONMENT},
        "torch_threads": torch_threads(),
        "versions": library_versions(),
        "gpu": gpu_info(),
    }
