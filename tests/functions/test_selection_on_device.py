"""The gradient-free ops of selection, rearranging, construction and comparison run on their tensors' GPU:
on the stand-in cuda:1 (NumPy that refuses work while another GPU is current) they give the CPU's numbers and
answer with cuda:1's arrays. The differentiable ones are in the op table, which tests/backends runs the same way."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt

from ..conftest import OnStandInGPU1

X = [[1.5, -2.0, 0.0], [3.0, 1.5, -1.0]]

RESULTS = {
    "argsort": lambda x: x.argsort(descending=True),
    "topk_indices": lambda x: x.topk(2).indices,
    "sort_0d": lambda x: x[0, 0].sort().indices,
    "unique": lambda x: x.unique(return_inverse=True, return_counts=True),
    "unique_dim": lambda x: x.unique(dim=1),
    "nonzero": lambda x: x.nonzero(),
    "nonzero_tuple": lambda x: mt.nonzero(x, as_tuple=True),
    "nonzero_0d": lambda x: (x[0, 0].nonzero(), x[0, 2].nonzero(as_tuple=True)),
    "argwhere": lambda x: mt.argwhere(x > 0),
    "bincount": lambda x: mt.bincount((x.abs() * 2).long().reshape(-1), weights=x.reshape(-1), minlength=8),
    "histc": lambda x: x.histc(4),
    "histogram": lambda x: x.histogram(3, range=(-2.0, 3.0), weight=x.abs(), density=True),
    "repeat_interleave_counts": lambda x: mt.repeat_interleave(mt.tensor([2, 0, 1], device=x.device)),
    "new_zeros": lambda x: x.new_zeros(2),
    "new_full": lambda x: x.new_full((2, 1), 3),
    "new_tensor": lambda x: x.new_tensor([1, 2]),
    "isclose": lambda x: mt.isclose(x, x * (1 + 1e-7)),
    "type": lambda x: x.type(mt.int32),
}


def _arrays(result) -> list:
    return [array for item in (result if isinstance(result, tuple) else (result,)) for array in _arrays_of(item)]


def _arrays_of(item) -> list:
    return _arrays(item) if isinstance(item, tuple) else [item]


@pytest.mark.parametrize("name", list(RESULTS))
def test_gradient_free_ops_run_on_their_tensors_gpu(name: str, stand_in_gpu1) -> None:
    expected = _arrays(RESULTS[name](mt.tensor(X)))
    got = _arrays(RESULTS[name](mt.tensor(X, device="cuda:1")))
    for ours, cpu in zip(got, expected, strict=True):
        assert ours.device == "cuda:1" and isinstance(ours._data, OnStandInGPU1), name
        assert ours.dtype is cpu.dtype
        np.testing.assert_allclose(ours.cpu().numpy(), cpu.numpy())


def test_verdicts_run_on_the_tensors_gpu(stand_in_gpu1) -> None:
    x = mt.tensor(X, device="cuda:1")
    assert mt.allclose(x, x + 1e-9) and mt.equal(x, x.clone()) and not x.equal(x[:1])
    assert x.type() == "torch.cuda.FloatTensor"
