"""The CUDA backend's own logic, checked without a GPU where it can be: erf keeps float16, and the seeds reach
GPUs used later (an unseeded process starts from the CPU's default seed). Marked gpu: the same on a real one."""
from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import minitorch as mt
from minitorch import backends
from minitorch.backends import cuda as cuda_backend
from minitorch.backends.cpu import DEFAULT_SEED

from ..conftest import FakeCUDABackend, requires_gpu


def erf_without_a_half_loop(x: np.ndarray) -> np.ndarray:
    """cupyx.scipy.special.erf's loops ('e->d', 'f->f', 'd->d'), on NumPy: float16 answers in float64."""
    return np.vectorize(math.erf, otypes=[np.float64 if x.dtype == np.float16 else x.dtype])(x)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_cuda_erf_keeps_the_dtype(monkeypatch, dtype) -> None:
    special = pytest.importorskip("cupyx.scipy.special")
    monkeypatch.setattr(special, "erf", erf_without_a_half_loop)
    x = np.array([-2.0, -0.5, 0.0, 0.7, 3.0], dtype=dtype)
    result = cuda_backend.CUDABackend(0).erf(x)
    assert result.dtype == dtype
    tolerance = {np.float16: 1e-3, np.float32: 1e-6, np.float64: 1e-15}[dtype]
    np.testing.assert_allclose(result, [math.erf(value) for value in x.astype(np.float64)], rtol=tolerance,
                               atol=tolerance)


class SeedRecorder(FakeCUDABackend):
    """A stand-in GPU that remembers every seed its generator got."""

    def __init__(self, index: int, seed: int) -> None:
        super().__init__()  # seeds itself with the CPU's default first: not a seed the registry gave
        self.device = mt.device(f"cuda:{index}")
        self.seeds: list[int] = []
        self.manual_seed(seed)

    def manual_seed(self, seed: int) -> None:
        if hasattr(self, "seeds"):
            self.seeds.append(seed)
        super().manual_seed(seed)


@pytest.fixture
def no_gpu_used_yet(monkeypatch):
    """A process in which no GPU has been used and no seed given; GPUs appear as SeedRecorders on first use."""
    monkeypatch.setattr(backends, "_cuda_backends", {})
    monkeypatch.setattr(backends, "_cuda_seed", DEFAULT_SEED)
    monkeypatch.setattr(backends, "_cuda_seeds", {})
    monkeypatch.setattr(cuda_backend, "create_cuda_backend", SeedRecorder)
    monkeypatch.setattr(backends.cpu, "generator", backends.cpu.generator)  # mt.manual_seed reseeds the CPU


def seeds_of(index: int) -> list[int]:
    return backends.backend_for(f"cuda:{index}").seeds


def test_an_unseeded_gpu_starts_from_the_cpus_default_seed(no_gpu_used_yet) -> None:
    assert seeds_of(0) == [DEFAULT_SEED] and seeds_of(3) == [DEFAULT_SEED]


def test_the_real_backend_is_seeded_like_the_cpu_by_default() -> None:
    assert cuda_backend.CUDABackend(0)._seed == DEFAULT_SEED  # CuPy imports without a GPU; nothing is drawn


def test_manual_seed_all_reaches_gpus_in_use_and_gpus_used_later(no_gpu_used_yet) -> None:
    backends.backend_for("cuda:0")
    mt.cuda.manual_seed_all(5)
    assert seeds_of(0) == [DEFAULT_SEED, 5]
    assert seeds_of(1) == [5]


def test_cuda_manual_seed_seeds_the_current_gpu_now_or_when_first_used(no_gpu_used_yet) -> None:
    mt.cuda.manual_seed(7)  # before cuda:0 is used, as torch.cuda.manual_seed (cuda:0 is current)
    mt.cuda.manual_seed_all(8)  # a later seed of all GPUs replaces it
    mt.cuda.manual_seed(9)
    assert seeds_of(0) == [9] and seeds_of(1) == [8]
    mt.cuda.manual_seed(10)
    assert seeds_of(0) == [9, 10] and seeds_of(1) == [8]


def test_minitorch_manual_seed_reaches_the_cpu_and_later_gpus(no_gpu_used_yet) -> None:
    mt.manual_seed(11)
    first = mt.rand(3).tolist()
    assert seeds_of(2) == [11]
    mt.manual_seed(11)
    assert mt.rand(3).tolist() == first


DRAWS = "import minitorch as mt; {seed}; print(mt.randn(4, device='cuda').tolist(), mt.rand(2, device='cuda').tolist())"


@requires_gpu
@pytest.mark.gpu
def test_gpu_draws_repeat_unseeded_and_seeded_before_first_use() -> None:
    def draws(seed: str) -> str:
        return subprocess.run([sys.executable, "-c", DRAWS.format(seed=seed)], capture_output=True, text=True,
                              check=True).stdout

    assert draws("pass") == draws("pass")  # the default seed, not the OS's entropy
    assert draws("mt.cuda.manual_seed_all(3)") == draws("mt.cuda.manual_seed(3)") != draws("pass")
    assert draws("mt.cuda.manual_seed_all(3)") == draws("mt.zeros(1, device='cuda'); mt.cuda.manual_seed_all(3)")
