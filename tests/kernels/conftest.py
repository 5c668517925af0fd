"""What the kernel tests need: g++ (the host build: every kernel against the thread-model emulation of
host_cuda/), NVRTC through CuPy (compiling the kernels without a GPU) and, for the
launches on a device, a GPU. A missing one skips its tests, saying why; under
CI=true a missing g++ or NVRTC fails them instead, so that CI can never pass by skipping."""
from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from minitorch.backends.cuda_kernels import CudaKernels, compile_kernels, kernel_names

from .host_runtime import HostRuntime
from .host_runtime import build as build_host_kernels

NVRTC_TARGETS = ("sm_75", "sm_80", "sm_90", "compute_90")
"""Cubins for Turing, Ampere, Hopper (ptxas runs, so its register report is checked) and Hopper's PTX."""

_compiled_targets = pytest.StashKey[list]()


def require(missing: str | None) -> None:
    """Nothing if missing is None; else skip saying so, or fail under CI=true."""
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing} (CI=true: the kernel tests may not skip)", pytrace=False)
    pytest.skip(missing)


def nvrtc_missing() -> str | None:
    """Why NVRTC cannot be used through CuPy here, or None."""
    try:
        from cupy.cuda import nvrtc

        nvrtc.getVersion()
    except Exception as error:  # ImportError without CuPy; CuPy's own errors without NVRTC's library
        return (f"NVRTC is not usable ({type(error).__name__}: {error}); "
                "install the kernel-tests extra: pip install -e '.[kernel-tests]'")
    return None


def gpu_missing() -> str | None:
    """Why no CUDA GPU can be used here, or None."""
    try:
        import cupy
    except ImportError as error:
        return f"CuPy is not installed ({error})"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except cupy.cuda.runtime.CUDARuntimeError as error:  # e.g. cudaErrorInsufficientDriver without a driver
        return f"no usable CUDA driver ({error})"
    return None if count else "no CUDA device"


@pytest.fixture(scope="session")
def nvrtc() -> None:
    require(nvrtc_missing())


@pytest.fixture(scope="session")
def gpu() -> None:
    missing = gpu_missing()
    if missing is not None:
        pytest.skip(missing)


def gxx_missing() -> str | None:
    return None if shutil.which("g++") else "g++ is not installed (it builds kernels/ for the host)"


@pytest.fixture(scope="session")
def host_kernel_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """kernel_source() built by g++ for the host (host_runtime.build), once per session."""
    require(gxx_missing())
    return build_host_kernels(Path(tmp_path_factory.mktemp("host_kernels")))


@pytest.fixture
def host_kernels(host_kernel_library: Path) -> CudaKernels:
    """CudaKernels itself, launching our kernels on the host (HostRuntime) on NumPy arrays."""
    return CudaKernels(HostRuntime(host_kernel_library))


@pytest.fixture(scope="session")
def nvrtc_builds(nvrtc: None, request: pytest.FixtureRequest) -> dict[str, tuple[bytes, str]]:
    """target -> (cubin or PTX, NVRTC's log with ptxas's report), compiled two at a time (NVRTC frees the GIL)."""
    def compile_for(target: str) -> tuple[bytes, str]:
        return compile_kernels(target, ["--ptxas-options=-v"] if target.startswith("sm_") else [])

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        builds = dict(zip(NVRTC_TARGETS, pool.map(compile_for, NVRTC_TARGETS)))
    request.config.stash[_compiled_targets] = list(builds)
    return builds


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    targets = config.stash.get(_compiled_targets, [])
    if targets:
        count = len(kernel_names())
        terminalreporter.write_line(f"NVRTC compiled {count} kernels for {len(targets)} targets "
                                    f"({', '.join(targets)}): {count * len(targets)} kernel builds")
