"""Shared fixtures: stand-in CUDA devices for testing device plumbing without a GPU, the gpu markers' skips,
and PyTorch for the parity tests (a skip on a user's machine without it, a failure in CI)."""
from __future__ import annotations

import contextlib
import os
import types
from typing import Any, Iterator

import numpy as np
import pytest

import minitorch as mt
from minitorch import backends
from minitorch.backends.cpu import CPUBackend

requires_gpu = pytest.mark.skipif(not mt.cuda.is_available(),
                                  reason=f"no usable CUDA GPU: {mt.cuda.unavailable_reason()}")
requires_two_gpus = pytest.mark.skipif(mt.cuda.device_count() < 2,
                                       reason=f"needs two CUDA GPUs, {mt.cuda.device_count()} usable here"
                                              f"{'' if mt.cuda.is_available() else ': ' + mt.cuda.unavailable_reason()}")


def import_torch() -> types.ModuleType:
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


class CurrentStandInGPU:
    """The stand-in GPU that is current: what cupy.cuda.Device(N) makes current on a real machine."""

    index = 0


def require_current(what: str) -> None:
    """What a real GPU does wrong, made loud: work on cuda:1's arrays with another GPU current would allocate
    its result there (or fail without peer access)."""
    if CurrentStandInGPU.index != 1:
        raise AssertionError(f"{what} ran on cuda:1's arrays with cuda:{CurrentStandInGPU.index} current")


def _plain(values: Any) -> Any:
    """Arguments with our arrays as plain NumPy arrays (nested tuples and lists too)."""
    if isinstance(values, OnStandInGPU1):
        return values.view(np.ndarray)
    if isinstance(values, (tuple, list)):
        return type(values)(_plain(value) for value in values)
    return values


def _on_gpu1(result: Any) -> Any:
    """Results of work on cuda:1 as cuda:1's arrays (tuples of them too); scalars as they are."""
    if isinstance(result, np.ndarray) and not isinstance(result, OnStandInGPU1):
        return result.view(OnStandInGPU1)
    if isinstance(result, tuple):
        return tuple(_on_gpu1(item) for item in result)
    return result


class OnStandInGPU1(np.ndarray):
    """An array of the stand-in cuda:1: every NumPy operation on it (ufuncs, functions, copies, indexing) must
    run with cuda:1 current."""

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        require_current(f"numpy.{ufunc.__name__}")
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = _plain(out)
        result = getattr(ufunc, method)(*_plain(inputs), **kwargs)
        return (out[0] if len(out) == 1 else out) if out is not None else _on_gpu1(result)

    def __array_function__(self, function: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        require_current(f"numpy.{function.__name__}")
        return _on_gpu1(function(*_plain(args), **{key: _plain(value) for key, value in kwargs.items()}))

    def __getitem__(self, index: Any) -> Any:
        require_current("indexing")
        return super().__getitem__(index)

    def __setitem__(self, index: Any, value: Any) -> None:
        require_current("an indexed write")
        super().__setitem__(index, value)

    def copy(self, *args: Any, **kwargs: Any) -> Any:
        require_current("copy")
        return super().copy(*args, **kwargs)

    def astype(self, *args: Any, **kwargs: Any) -> Any:
        require_current("astype")
        return super().astype(*args, **kwargs)


class _Guarded:
    """A module or generator whose functions run only with cuda:1 current and answer with cuda:1's arrays."""

    def __init__(self, wrapped: Any, name: str) -> None:
        self._wrapped, self._name = wrapped, name

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._wrapped, name)
        if isinstance(value, (type, types.ModuleType)) or not callable(value):
            return value  # dtypes, ndarray, constants: nothing runs on the device

        def on_gpu1(*args: Any, **kwargs: Any) -> Any:
            require_current(f"{self._name}.{name}")
            return _on_gpu1(value(*_plain(args), **{key: _plain(item) for key, item in kwargs.items()}))

        return on_gpu1


class StandInGPU1(FakeCUDABackend):
    """NumPy under the name cuda:1, where anything run on its arrays or drawn from its generator while cuda:1
    is not current fails: proves that every allocation and launch for a cuda:1 tensor is made under its device."""

    def __init__(self) -> None:
        super().__init__()
        self.device = mt.device("cuda:1")
        self.xp = _Guarded(np, "xp")

    @contextlib.contextmanager
    def context(self) -> Iterator[None]:
        previous, CurrentStandInGPU.index = CurrentStandInGPU.index, 1
        try:
            yield
        finally:
            CurrentStandInGPU.index = previous

    def manual_seed(self, seed: int) -> None:
        self.generator = _Guarded(np.random.Generator(np.random.PCG64(seed)), "generator")

    def asarray(self, data: Any, dtype: Any = None) -> Any:
        with self.context():  # as the real backend's asarray switches itself
            return super().asarray(_plain(data), dtype).view(OnStandInGPU1)

    def to_numpy(self, array: Any) -> np.ndarray:
        return np.array(array.view(np.ndarray))  # CuPy's .get() switches to the array's GPU itself

    def reshape_view(self, array: Any, shape: tuple) -> Any:
        return np.reshape(array.view(np.ndarray), shape, copy=False).view(OnStandInGPU1)  # no device work


@pytest.fixture
def stand_in_gpu1(monkeypatch: pytest.MonkeyPatch) -> StandInGPU1:
    backend = StandInGPU1()
    monkeypatch.setitem(backends._cuda_backends, 1, backend)
    return backend


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis profiles: "ci" (the default, a bounded budget) or "long" (HYPOTHESIS_PROFILE=long)."""
    from hypothesis import settings

    settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True, print_blob=True)
    settings.register_profile("long", max_examples=500, deadline=None)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
