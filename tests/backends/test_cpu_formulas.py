"""The CPU backend's evaluation of the activation formulas: its bitwise where() and the intermediates
(GELU's Φ(x), SiLU's sigmoid) that the forward keeps for the backward."""
from __future__ import annotations

import importlib

import numpy as np
import pytest

import minitorch as mt
from minitorch.backends.activations import ACTIVATIONS

cpu_module = importlib.import_module("minitorch.backends.cpu")
CPU = cpu_module.CPUBackend()
SPECIAL = [np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-30, -1e-30, 60.0, -60.0]


def _values(dtype: type, size: int = 4000) -> np.ndarray:
    x = np.random.default_rng(3).standard_normal(size) * 4
    x[:len(SPECIAL)] = SPECIAL
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("mask", ["mixed", "all true", "all false"])
def test_where_picks_the_same_bits_as_numpy(dtype: type, mask: str) -> None:
    x = _values(dtype)
    condition = {"mixed": x > 0, "all true": np.ones(x.shape, bool), "all false": np.zeros(x.shape, bool)}[mask]
    cases = [(x, -x), (0.0, x), (x, 1.0), (1.0, 0.0), (np.float32(2.5), x[None, :]), (x[:1], x)]
    for if_true, if_false in cases:
        got = cpu_module._where(condition, if_true, if_false)
        want = np.where(condition, if_true, if_false)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))  # NaN payloads and -0.0 too


def test_where_never_returns_an_input() -> None:
    """A one-way mask copies: leaky_relu of all-positive x must not alias its output to x."""
    x = np.abs(_values(np.float32)[20:]) + 1
    chosen = cpu_module._where(x > 0, x, x * 0.01)
    assert not np.shares_memory(chosen, x)


@pytest.mark.parametrize("name", [name for name, spec in ACTIVATIONS.items() if spec.intermediate])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_kept_intermediate_gives_the_same_values(name: str, dtype: type) -> None:
    """Forward and backward from the kept intermediate give exactly what they give computing it again."""
    spec, x = ACTIVATIONS[name], _values(dtype)
    grad_output = np.random.default_rng(4).standard_normal(x.shape).astype(dtype)
    y, kept = CPU.activation_forward(spec, x, (0.0, 0.0), keep=True)
    assert kept is not None
    np.testing.assert_array_equal(y, CPU.activation_forward(spec, x, (0.0, 0.0)))
    np.testing.assert_array_equal(CPU.activation_backward(spec, grad_output, x, (0.0, 0.0), kept=kept),
                                  CPU.activation_backward(spec, grad_output, x, (0.0, 0.0)))


@pytest.mark.parametrize("name", ["gelu", "silu"])
def test_a_layer_keeps_the_intermediate_and_its_gradient_is_unchanged(name: str) -> None:
    """Through autograd, Linear + activation fused by Sequential and the activation alone: the kept path is the
    one taken, and it gives the gradient of the formulas (the derivative evaluated afresh, in float64)."""
    x = mt.randn(5, 7, dtype=mt.float64, requires_grad=True)
    layer = mt.nn.Linear(7, 3).double()
    fused = mt.nn.Sequential(layer, {"gelu": mt.nn.GELU, "silu": mt.nn.SiLU}[name]())(x)
    assert type(fused.grad_fn).__name__.startswith("LinearActivation")
    pre_activation = (x @ layer.weight.T + layer.bias).detach().numpy()
    alone = getattr(mt.nn.functional, name)(x)
    weight = layer.weight.detach().numpy()
    for output, pre, weight in ((fused, pre_activation, weight), (alone, x.detach().numpy(), None)):
        assert getattr(output.grad_fn, "kept", None) is not None
        grad, = mt.autograd.grad(output.sum(), x)
        derivative = ACTIVATIONS[name].derivative(cpu_module.NUMPY_MATH, pre, 0.0, 0.0)
        np.testing.assert_allclose(grad.numpy(), derivative if weight is None else derivative @ weight, rtol=1e-12)
