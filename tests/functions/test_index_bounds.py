"""Out-of-range integer indices raise the CPU's IndexError on every device, in indexing, index assignment and
gather, though CuPy's indexing wraps them around (a[5] of size 3 reads a[2]). A stand-in device whose arrays
wrap as CuPy's do shows the check is what raises; marked gpu, the same on a real GPU."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import minitorch as mt
from minitorch import backends
from minitorch.functions.indexing import check_in_bounds

from ..conftest import FakeCUDABackend, requires_gpu


class WrapsLikeCuPy(np.ndarray):
    """An array whose integer-array indexing takes i mod size, as CuPy's does (index parts in dim order: no
    None or Ellipsis, which the cases below do not use)."""

    def _wrapped(self, index: Any) -> tuple:
        parts = index if isinstance(index, tuple) else (index,)
        return tuple(np.mod(part, self.shape[dim]) if isinstance(part, np.ndarray) and part.dtype.kind in "iu"
                     else part for dim, part in enumerate(parts))

    def __getitem__(self, index: Any) -> Any:
        return super().__getitem__(self._wrapped(index))

    def __setitem__(self, index: Any, value: Any) -> None:
        super().__setitem__(self._wrapped(index), value)


class WrappingGPU(FakeCUDABackend):
    """The stand-in cuda:0 with CuPy's wrapping indexing."""

    wraps_indices = True

    def asarray(self, data: Any, dtype: Any = None) -> Any:
        return super().asarray(data, dtype).view(WrapsLikeCuPy)


@pytest.fixture
def wrapping_gpu(monkeypatch: pytest.MonkeyPatch) -> WrappingGPU:
    backend = WrappingGPU()
    monkeypatch.setitem(backends._cuda_backends, 0, backend)
    return backend


def _grad_tracked(x: mt.Tensor) -> mt.Tensor:
    return x * mt.ones(x.shape, device=x.device, requires_grad=True)  # a non-leaf: index_put is recorded


def _assign(target: mt.Tensor, index: Any, value: Any) -> None:
    target[index] = value


CASES: dict[str, Callable[[mt.Tensor], Any]] = {
    "getitem": lambda x: x[mt.tensor([0, 5], device=x.device)],
    "getitem_negative": lambda x: x[:, mt.tensor([-5], device=x.device)],
    "getitem_two_tensors": lambda x: x[mt.tensor([0, 1], device=x.device), mt.tensor([1, 4], device=x.device)],
    "getitem_list": lambda x: x[[0, 3]],
    "getitem_cpu_index": lambda x: x[mt.tensor([7])],
    "setitem": lambda x: _assign(x, mt.tensor([3], device=x.device), 1.0),
    "setitem_recorded": lambda x: _assign(_grad_tracked(x), (slice(None), mt.tensor([4], device=x.device)),
                                          mt.tensor(2.0, device=x.device)),
    "gather": lambda x: x.gather(1, mt.tensor([[0, 4], [1, 1], [2, 0]], device=x.device)),
    "gather_dim0": lambda x: x.gather(0, mt.tensor([[0, -4, 0, 0]], device=x.device)),
}


def _error(case: str, device: str) -> str:
    x = mt.arange(12.0, device=device).reshape(3, 4)
    with pytest.raises(IndexError) as raised:
        CASES[case](x)
    return str(raised.value)


def test_the_stand_in_wraps_like_cupy(wrapping_gpu, monkeypatch) -> None:
    monkeypatch.setattr(WrappingGPU, "wraps_indices", False)  # without minitorch's check: silently wrong
    x = mt.arange(3.0, device="cuda")
    assert x[mt.tensor([5], device="cuda")].tolist() == [2.0]


@pytest.mark.parametrize("case", list(CASES))
def test_out_of_range_indices_raise_the_cpus_error(case: str, wrapping_gpu) -> None:
    expected = _error(case, "cpu")
    assert "is out of bounds for dimension" in expected and "with size" in expected
    assert _error(case, "cuda") == expected


@pytest.mark.parametrize("shape, index", [
    ((2, 3, 4), (None, Ellipsis, np.array([4]))),
    ((2, 3, 4), (np.array([True, False]), np.array([[0], [3]]))),
    ((2, 3), (Ellipsis, np.array([0, -4]))),
    ((2, 3), (np.int64(-3),)),
], ids=["none_ellipsis", "mask_then_array", "ellipsis_first", "numpy_scalar"])
def test_bounds_check_names_numpys_dimension_and_size(shape: tuple, index: tuple) -> None:
    with pytest.raises(IndexError) as numpy_error:
        np.zeros(shape)[index]
    with pytest.raises(IndexError) as ours:
        check_in_bounds(index, shape)
    assert str(ours.value) == str(numpy_error.value).replace("axis", "dimension")


def test_bounds_check_lets_indices_in_range_through() -> None:
    check_in_bounds((np.array([-3, 2]), slice(None), None, np.array([[0, 3]])), (3, 5, 4))


@requires_gpu
@pytest.mark.gpu
@pytest.mark.parametrize("case", list(CASES))
def test_out_of_range_indices_raise_on_a_real_gpu(case: str) -> None:
    assert _error(case, "cuda") == _error(case, "cpu")
