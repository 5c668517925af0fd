"""Numerical safety on every dtype: finite where the math is finite, NaN in gives NaN out, PyTorch's answers
at the edges, and float16 accumulated in float32. pytest turns any NumPy RuntimeWarning into an error."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn
from minitorch.functions import activation as A

FLOATS = [mt.float16, mt.float32, mt.float64]
F = nn.functional


def values_of(tensor: mt.Tensor) -> np.ndarray:
    return tensor.detach().numpy().astype(np.float64)


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.name)
@pytest.mark.parametrize("log", [False, True])
def test_softmax_of_huge_logits_is_finite_with_exact_gradients(dtype: mt.dtype, log: bool) -> None:
    logits = mt.tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=dtype, requires_grad=True)
    result = logits.log_softmax(1) if log else logits.softmax(1)
    expected = np.array([[0.0, -2e4, -1e4], [-math.log(3)] * 3]) if log else np.array([[1, 0, 0], [1 / 3] * 3])
    if dtype is mt.float16 and log:  # -2e4 is beyond float16's largest finite value
        expected = np.maximum(expected, -np.inf)
    finite = np.isfinite(expected)
    np.testing.assert_allclose(values_of(result)[finite], expected[finite], rtol=2e-3)
    result.sum().backward()
    assert np.isfinite(values_of(logits.grad)).all()


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.name)
def test_cross_entropy_of_huge_logits_is_pytorchs(dtype: mt.dtype) -> None:
    logits = mt.tensor([[1e4, -1e4, 0.0]], dtype=dtype, requires_grad=True)
    loss = F.cross_entropy(logits, mt.tensor([1]))
    loss.backward()
    assert loss.item() == 2e4  # log-sum-exp is 1e4, the target's logit -1e4
    np.testing.assert_array_equal(values_of(logits.grad), [[1.0, -1.0, 0.0]])
    small = mt.tensor([[30.0, -30.0]], dtype=dtype, requires_grad=True)
    small_loss = F.cross_entropy(small, mt.tensor([0]))
    small_loss.backward()
    assert np.isfinite(small_loss.item()) and np.isfinite(values_of(small.grad)).all()


EXTREMES = np.array([-np.inf, -1000.0, -88.8, -1.0, -0.0, 0.0, 1.0, 88.8, 1000.0, np.inf, np.nan])
LIMITS = {  # the mathematical value at each of EXTREMES (NaN at NaN)
    "sigmoid": [0, 0, 0, None, 0.5, 0.5, None, 1, 1, 1, np.nan],
    "tanh": [-1, -1, -1, None, 0, 0, None, 1, 1, 1, np.nan],
    "softplus": [0, 0, 0, None, math.log(2), math.log(2), None, 88.8, 1000, np.inf, np.nan],
    "elu": [-1, -1, -1, None, 0, 0, None, 88.8, 1000, np.inf, np.nan],
    "gelu": [0, 0, 0, None, 0, 0, None, 88.8, 1000, np.inf, np.nan],
    "gelu_tanh": [0, 0, 0, None, 0, 0, None, 88.8, 1000, np.inf, np.nan],
    "silu": [0, 0, 0, None, 0, 0, None, 88.8, 1000, np.inf, np.nan],
}


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: d.name)
@pytest.mark.parametrize("name", sorted(LIMITS))
def test_activations_at_the_extremes(name: str, dtype: mt.dtype) -> None:
    x = mt.tensor(EXTREMES, dtype=dtype, requires_grad=True)
    y = A.activation(x, name, *((1.0, 20.0) if name == "softplus" else (1.0, 0.0)))
    y.backward(mt.ones_like(y))
    forward, gradient = values_of(y), values_of(x.grad)
    for value, limit in zip(forward, LIMITS[name]):
        if limit is None:
            continue
        if np.isnan(limit):
            assert np.isnan(value)
        elif np.isinf(limit):
            assert value == limit
        else:
            tolerance = 1e-2 if dtype is mt.float16 else 1e-6
            assert value == pytest.approx(limit, abs=tolerance, rel=tolerance)
    assert np.isfinite(gradient[:-1]).all(), gradient  # every derivative is finite except at NaN


def test_binary_cross_entropy_at_certain_probabilities_is_clamped_as_pytorch() -> None:
    assert F.binary_cross_entropy(mt.tensor([0.0, 1.0]), mt.tensor([1.0, 0.0])).item() == 100.0
    assert F.binary_cross_entropy(mt.tensor([0.0, 1.0]), mt.tensor([0.0, 1.0])).item() == 0.0
    logits = mt.tensor([1e4, -1e4], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(logits, mt.tensor([0.0, 1.0]))
    loss.backward()
    assert loss.item() == 1e4 and np.isfinite(values_of(logits.grad)).all()


def test_edge_values_match_pytorch() -> None:
    assert math.isnan(mt.tensor([1.0]).var().item())
    assert math.isnan(mt.tensor([1.0]).std().item())
    assert np.isnan(mt.zeros(0, 3).mean(0).numpy()).all()
    assert mt.tensor([[1.0, 2.0]]).mean(0).tolist() == [1.0, 2.0]
    quotient = (mt.tensor([1.0, 0.0, -1.0]) / 0).numpy()
    assert quotient[0] == np.inf and np.isnan(quotient[1]) and quotient[2] == -np.inf
    for function in (lambda x: x.log(), lambda x: x.sqrt()):
        x = mt.tensor([0.0], requires_grad=True)
        function(x).sum().backward()
        assert x.grad.item() == math.inf
    assert mt.tensor([0.0]).log().item() == -math.inf


def test_float16_accumulates_in_float32() -> None:
    """Summing in float16 would stall at 2048 (2048 + 1 rounds back to 2048); PyTorch's answers are exact."""
    assert mt.ones(10000, dtype=mt.float16).sum().item() == 10000
    assert mt.ones(10000, dtype=mt.float16).mean().item() == 1
    product = mt.ones(1, 5000, dtype=mt.float16) @ mt.ones(5000, 1, dtype=mt.float16)
    assert product.item() == 5000 and product.dtype is mt.float16
    probabilities = mt.zeros(1, 10000, dtype=mt.float16).softmax(1)
    assert probabilities.sum(dtype=mt.float32).item() == pytest.approx(1.0, rel=1e-3)


def test_regressions_the_fuzzer_found() -> None:
    """Each was a failure of tests/test_fuzz.py, fixed and kept here."""
    constant = mt.tensor([2.0, 2.0], requires_grad=True)
    constant.std().backward()  # was nan (0/0); PyTorch's std has gradient 0 at a constant input
    assert constant.grad.tolist() == [0.0, 0.0]
    product = mt.tensor([math.inf, 1.0]) * 0  # was a NumPy RuntimeWarning (an error under pytest)
    assert math.isnan(product[0].item()) and product[1].item() == 0
    with pytest.raises(ValueError, match="step must be greater than zero"):  # NumPy would reverse; PyTorch raises
        mt.arange(4)[::-2]
