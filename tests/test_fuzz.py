"""The API fuzzed: hypothesis draws shapes, broadcasting pairs, dims and dtypes for every differentiable op.

Each case checks the forward against NumPy in float64, the backward by gradcheck and, where PyTorch is
installed, forward and backward against PyTorch (without it test_pytorch_is_there_for_the_comparisons
skips saying so, and fails under CI=true). CI runs the "ci" profile (a bounded budget); a longer run:

    HYPOTHESIS_PROFILE=long bash scripts/test.sh tests/test_fuzz.py
"""
from __future__ import annotations

import math
from typing import Callable

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitorch as mt
from minitorch.autograd import gradcheck
from minitorch.functions import activation as A

from .conftest import import_torch

try:
    import torch
except ImportError:  # PyTorch is never a dependency: without it the other checks still run
    torch = None

small_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


def values(shape: tuple, low: float = -2.0, high: float = 2.0) -> st.SearchStrategy:
    """float64 arrays of `shape`, kept away from the kinks and poles of the ops by the caller's range."""
    return hnp.arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False, width=64))


def check(function: Callable, reference: Callable, arrays: list[np.ndarray],
          torch_function: Callable | None = None) -> None:
    """Forward against NumPy, gradcheck, and (if installed) forward and gradients against PyTorch."""
    inputs = [mt.tensor(array, requires_grad=True) for array in arrays]
    result = function(*inputs)
    expected = np.asarray(reference(*arrays))
    assert tuple(result.shape) == expected.shape
    np.testing.assert_allclose(result.detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    assert gradcheck(function, inputs)
    if torch is not None:
        torch_inputs = [torch.tensor(array, requires_grad=True) for array in arrays]
        torch_result = (torch_function or function)(*torch_inputs)
        np.testing.assert_allclose(result.detach().numpy(), torch_result.detach().numpy(), rtol=1e-10, atol=1e-12)
        weights = np.random.default_rng(0).standard_normal(expected.shape)
        (result * mt.tensor(weights)).sum().backward()
        (torch_result * torch.tensor(weights)).sum().backward()
        for ours, theirs in zip(inputs, torch_inputs):
            np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_pytorch_is_there_for_the_comparisons() -> None:
    """The one visible sign that the comparisons below were left out (and CI's failure if they were)."""
    import_torch()


def torch_activation(name: str, p0: float = 0.0, p1: float = 0.0) -> Callable:
    functional = torch.nn.functional if torch is not None else None
    return {
        "sigmoid": torch.sigmoid if torch else None, "tanh": torch.tanh if torch else None,
        "relu": torch.relu if torch else None,
        "leaky_relu": lambda x: functional.leaky_relu(x, p0), "elu": lambda x: functional.elu(x, p0),
        "gelu": lambda x: functional.gelu(x), "gelu_tanh": lambda x: functional.gelu(x, approximate="tanh"),
        "silu": lambda x: functional.silu(x), "softplus": lambda x: functional.softplus(x, p0, p1),
        "identity": lambda x: x * 1,
    }[name]


NUMPY_ACTIVATIONS = {
    "sigmoid": lambda x, p0, p1: 1 / (1 + np.exp(-x)),
    "tanh": lambda x, p0, p1: np.tanh(x),
    "relu": lambda x, p0, p1: np.maximum(x, 0),
    "leaky_relu": lambda x, p0, p1: np.where(x > 0, x, p0 * x),
    "elu": lambda x, p0, p1: np.where(x > 0, x, p0 * np.expm1(x)),
    "gelu": lambda x, p0, p1: x * 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2))),
    "gelu_tanh": lambda x, p0, p1: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))),
    "silu": lambda x, p0, p1: x / (1 + np.exp(-x)),
    "softplus": lambda x, p0, p1: np.where(x * p0 > p1, x, np.log1p(np.exp(p0 * x)) / p0),
    "identity": lambda x, p0, p1: x,
}
KINKED = {"relu", "leaky_relu", "elu", "softplus"}  # gradcheck needs inputs away from their kink


@given(name=st.sampled_from(sorted(NUMPY_ACTIVATIONS)), shape=small_shapes, data=st.data(),
       p0=st.floats(0.1, 2.0), p1=st.floats(0.5, 5.0))
def test_activations(name: str, shape: tuple, data: st.DataObject, p0: float, p1: float) -> None:
    array = data.draw(values(shape))
    if name in KINKED:  # at least 1e-3 away from the kink (softplus's is at x = threshold / beta)
        kink = p1 / p0 if name == "softplus" else 0.0
        array = np.where(np.abs(array - kink) < 1e-3, kink + 0.5, array)
    check(lambda x: A.activation(x, name, p0, p1), lambda x: NUMPY_ACTIVATIONS[name](x, p0, p1), [array],
          torch_activation(name, p0, p1) if torch else None)


UNARY = {
    "exp": (lambda x: x.exp(), np.exp, (-2, 2)),
    "log": (lambda x: x.log(), np.log, (0.1, 3)),
    "sqrt": (lambda x: x.sqrt(), np.sqrt, (0.1, 3)),
    "abs": (lambda x: x.abs(), np.abs, (-2, 2)),
    "neg": (lambda x: -x, np.negative, (-2, 2)),
    "expm1": (lambda x: x.expm1(), np.expm1, (-2, 2)),
    "log1p": (lambda x: x.log1p(), np.log1p, (-0.5, 2)),
    "erf": (lambda x: x.erf(), np.vectorize(math.erf, otypes=[float]), (-2, 2)),
    "erfc": (lambda x: x.erfc(), np.vectorize(math.erfc, otypes=[float]), (-2, 4)),
    "pow_scalar": (lambda x: x ** 2.5, lambda x: x ** 2.5, (0.1, 2)),
    "rpow": (lambda x: 1.7 ** x, lambda x: 1.7 ** x, (-2, 2)),
    "clamp": (lambda x: x.clamp(-0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5), (-2, 2)),
}


@given(name=st.sampled_from(sorted(UNARY)), shape=small_shapes, data=st.data())
def test_unary_ops(name: str, shape: tuple, data: st.DataObject) -> None:
    function, reference, (low, high) = UNARY[name]
    array = data.draw(values(shape, low, high))
    if name in ("abs", "clamp"):  # away from the kinks at 0 and ±0.5
        array = np.where(np.min(np.abs(array[..., None] - np.array([0.0, 0.5, -0.5])), axis=-1) < 1e-3, 1.25, array)
    check(function, reference, [array])


BINARY = {
    "add": (lambda a, b: a + b, np.add, (-2, 2)),
    "sub": (lambda a, b: a - b, np.subtract, (-2, 2)),
    "mul": (lambda a, b: a * b, np.multiply, (-2, 2)),
    "div": (lambda a, b: a / b, np.divide, (0.5, 2)),
    "pow": (lambda a, b: a ** b, np.power, (0.5, 2)),
    "maximum": (lambda a, b: mt.maximum(a, b) if isinstance(a, mt.Tensor) else torch.maximum(a, b),
                np.maximum, (-2, 2)),
    "where": (lambda a, b: (mt if isinstance(a, mt.Tensor) else torch).where(a > b, a * 2, b),
              lambda a, b: np.where(a > b, a * 2, b), (-2, 2)),
}


@given(name=st.sampled_from(sorted(BINARY)), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3,
                                                                                   max_side=3), data=st.data())
def test_binary_ops_broadcast(name: str, shapes, data: st.DataObject) -> None:
    function, reference, (low, high) = BINARY[name]
    a, b = (data.draw(values(shape, low, high)) for shape in shapes.input_shapes)
    if name in ("maximum", "where"):  # no ties: the gradient is undefined there
        b = np.where(np.abs(a - b) < 1e-3, b + 0.5, b)
    check(function, reference, [a, b])


def dims_for(ndim: int) -> st.SearchStrategy:
    """None, one dim (maybe negative) or a tuple of distinct dims."""
    if ndim == 0:
        return st.sampled_from([None, 0, -1])
    one = st.integers(-ndim, ndim - 1)
    several = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple)
    return st.one_of(st.none(), one, several)


def numpy_axis(dims, ndim: int):
    if dims is None:
        return None
    dims = dims if isinstance(dims, tuple) else (dims,)
    return tuple(d % max(ndim, 1) for d in dims) if ndim else None


REDUCTIONS = {
    "sum": (lambda x, d, k: x.sum(d, keepdim=k), lambda x, d, k: x.sum(d, keepdims=k)),
    "mean": (lambda x, d, k: x.mean(d, keepdim=k), lambda x, d, k: x.mean(d, keepdims=k)),
    "var": (lambda x, d, k: x.var(d, keepdim=k), lambda x, d, k: x.var(d, ddof=1, keepdims=k)),
    "std": (lambda x, d, k: x.std(d, keepdim=k), lambda x, d, k: x.std(d, ddof=1, keepdims=k)),
}


@given(name=st.sampled_from(sorted(REDUCTIONS)), shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=2,
                                                                          max_side=4),
       keepdim=st.booleans(), data=st.data())
def test_reductions(name: str, shape: tuple, keepdim: bool, data: st.DataObject) -> None:
    dims = data.draw(dims_for(len(shape)))
    array = data.draw(values(shape)) + np.arange(np.prod(shape)).reshape(shape)  # spread: std is not
    # differentiable where all values are equal
    ours, reference = REDUCTIONS[name]
    axis = numpy_axis(dims, len(shape))
    check(lambda x: ours(x, dims, keepdim), lambda x: reference(x, axis, keepdim), [array])


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), keepdim=st.booleans(),
       largest=st.booleans(), data=st.data())
def test_max_min_along_a_dim(shape: tuple, keepdim: bool, largest: bool, data: st.DataObject) -> None:
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    count = int(np.prod(shape))  # distinct values at least 0.1 apart: no ties within gradcheck's eps
    array = np.array(data.draw(st.permutations(np.linspace(-2.0, 2.0, count) * (1 + 0.1 * count)))).reshape(shape)
    pick = (lambda x: x.max(dim, keepdim=keepdim).values) if largest else (lambda x: x.min(dim, keepdim=keepdim).values)
    reference = (np.max if largest else np.min)
    check(pick, lambda x: reference(x, axis=dim, keepdims=keepdim), [array])


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), log=st.booleans(), data=st.data())
def test_softmax(shape: tuple, log: bool, data: st.DataObject) -> None:
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    array = data.draw(values(shape, -30, 30))

    def reference(x: np.ndarray) -> np.ndarray:
        shifted = x - x.max(axis=dim, keepdims=True)
        probabilities = np.exp(shifted) / np.exp(shifted).sum(axis=dim, keepdims=True)
        return np.log(probabilities) if log else probabilities

    check((lambda x: x.log_softmax(dim)) if log else (lambda x: x.softmax(dim)), reference, [array])


@given(batch=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3),
       sizes=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)),
       vector_left=st.booleans(), vector_right=st.booleans(), data=st.data())
def test_matmul(batch, sizes: tuple, vector_left: bool, vector_right: bool, data: st.DataObject) -> None:
    n, k, m = sizes
    left_shape = (k,) if vector_left else batch.input_shapes[0] + (n, k)
    right_shape = (k,) if vector_right else batch.input_shapes[1] + (k, m)
    a, b = data.draw(values(left_shape)), data.draw(values(right_shape))
    check(lambda x, y: x @ y, np.matmul, [a, b])


@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3), data=st.data())
def test_shape_ops(shape: tuple, data: st.DataObject) -> None:
    array = data.draw(values(shape))
    order = tuple(data.draw(st.permutations(range(len(shape)))))
    dim0, dim1 = data.draw(st.integers(0, len(shape) - 1)), data.draw(st.integers(0, len(shape) - 1))
    new_dim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    check(lambda x: x.permute(order), lambda x: x.transpose(order), [array])
    check(lambda x: x.transpose(dim0, dim1), lambda x: np.swapaxes(x, dim0, dim1), [array])
    check(lambda x: x.reshape(-1, 1).unsqueeze(0), lambda x: x.reshape(1, -1, 1), [array])
    check(lambda x: x.unsqueeze(new_dim).squeeze(new_dim), lambda x: x, [array])
    check(lambda x: x.flatten(), lambda x: x.reshape(-1), [array])
    check(lambda x: x.expand(2, *shape), lambda x: np.broadcast_to(x, (2, *shape)), [array])


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), count=st.integers(1, 3),
       data=st.data())
def test_cat_and_stack(shape: tuple, count: int, data: st.DataObject) -> None:
    arrays = [data.draw(values(shape)) for _ in range(count)]
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    check(lambda *xs: mt.cat(xs, dim) if isinstance(xs[0], mt.Tensor) else torch.cat(xs, dim),
          lambda *xs: np.concatenate(xs, axis=dim), arrays)
    check(lambda *xs: mt.stack(xs, dim) if isinstance(xs[0], mt.Tensor) else torch.stack(xs, dim),
          lambda *xs: np.stack(xs, axis=dim % (len(shape) + 1)), arrays)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5), data=st.data())
def test_indexing(shape: tuple, data: st.DataObject) -> None:
    array = data.draw(values(shape))
    basic = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True).filter(
        lambda index: not any(isinstance(part, slice) and (part.step or 1) < 0
                              for part in (index if isinstance(index, tuple) else (index,)))))
    picks = data.draw(hnp.arrays(np.int64, st.integers(1, 6), elements=st.integers(-shape[0], shape[0] - 1)))
    mask = data.draw(hnp.arrays(np.bool_, shape))

    def as_index(index, tensors):
        return tensors.tensor(picks) if isinstance(index, np.ndarray) else index

    check(lambda x: x[basic], lambda x: x[basic], [array])
    check(lambda x: x[as_index(picks, mt if isinstance(x, mt.Tensor) else torch)], lambda x: x[picks], [array])
    check(lambda x: x[(mt if isinstance(x, mt.Tensor) else torch).tensor(mask)], lambda x: x[mask], [array])


def test_negative_slice_steps_raise_as_in_pytorch() -> None:
    with pytest.raises(ValueError, match="step must be greater than zero"):
        mt.arange(5)[::-1]


EINSUM_EQUATIONS = ["ij,jk->ik", "ij,ij->i", "i,j->ij", "ii->i", "ii", "ijk->kji", "bij,bjk->bik",
                    "...ij,...jk->...ik", "ij,kj", "i,i", "ijk,k->ij"]


@given(equation=st.sampled_from(EINSUM_EQUATIONS), sizes=st.lists(st.integers(1, 3), min_size=8, max_size=8),
       data=st.data())
def test_einsum(equation: str, sizes: list, data: st.DataObject) -> None:
    letter_sizes = dict(zip("ijkb", sizes))
    operands = equation.split("->")[0].split(",")
    shapes = [tuple(sizes[4:6]) + tuple(letter_sizes[letter] for letter in operand.replace("...", ""))
              if "..." in operand else tuple(letter_sizes[letter] for letter in operand) for operand in operands]
    arrays = [data.draw(values(shape)) for shape in shapes]
    check(lambda *xs: (mt if isinstance(xs[0], mt.Tensor) else torch).einsum(equation, *xs),
          lambda *xs: np.einsum(equation, *xs), arrays)
