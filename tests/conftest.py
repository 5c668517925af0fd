"""Shared fixtures: a stand-in CUDA device for testing device plumbing without a GPU, and the gpu marker's skip."""
from __future__ import annotations

import pytest

import minitorch as mt
from minitorch import backends
from minitorch.backends.cpu import CPUBackend

requires_gpu = pytest.mark.skipif(not mt.cuda.is_available(),
                                  reason=f"no usable CUDA GPU: {mt.cuda.unavailable_reason()}")


class FakeCUDABackend(CPUBackend):
    """NumPy arrays under the name cuda:0: proves ops follow their tensors' backend, not the CPU's."""

    def __init__(self) -> None:
        super().__init__()
        self.device = mt.device("cuda:0")

    def asarray(self, data, dtype=None):
        return super().asarray(data, dtype).copy()  # a real transfer never shares memory


@pytest.fixture
def fake_cuda(monkeypatch: pytest.MonkeyPatch) -> FakeCUDABackend:
    backend = FakeCUDABackend()
    monkeypatch.setitem(backends._cuda_backends, 0, backend)
    return backend


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis profiles: "ci" (the default, a bounded budget) or "long" (HYPOTHESIS_PROFILE=long)."""
    import os

    from hypothesis import settings

    settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True, print_blob=True)
    settings.register_profile("long", max_examples=500, deadline=None)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
