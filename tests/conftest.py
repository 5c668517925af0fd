"""Shared fixtures: a stand-in CUDA device for testing device plumbing without a GPU, the gpu marker's skip,
and PyTorch for the parity tests (a skip on a user's machine without it, a failure in CI)."""
from __future__ import annotations

import os
from types import ModuleType

import pytest

import minitorch as mt
from minitorch import backends
from minitorch.backends.cpu import CPUBackend

requires_gpu = pytest.mark.skipif(not mt.cuda.is_available(),
                                  reason=f"no usable CUDA GPU: {mt.cuda.unavailable_reason()}")


def import_torch() -> ModuleType:
    """PyTorch, for a test that compares with it; without it a skip saying why, or under CI=true a failure.

    Called at module level it skips (or fails) the whole module, so CI can never pass by not comparing.
    """
    try:
        import torch
    except ImportError as error:
        missing = (f"PyTorch is not installed ({error}); the parity tests need it: pip install -e '.[parity]', "
                   "or MINITORCH_PARITY=1 bash scripts/test.sh")
    else:
        return torch
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing} (CI=true: the parity tests may not skip)", pytrace=False)
    pytest.skip(missing, allow_module_level=True)


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
    from hypothesis import settings

    settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True, print_blob=True)
    settings.register_profile("long", max_examples=500, deadline=None)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
