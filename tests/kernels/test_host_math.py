"""kernels/activations.cuh built on the host by g++ (the math the CUDA kernels run), checked against the
float64 references of reference.py, against central differences, and against the CPU backend's NumPy
formulas: the two paths compute the same math."""
from __future__ import annotations

import numpy as np
import pytest

from minitorch.backends.cpu import cpu
from minitorch.functions.activation import ACTIVATIONS

from .host_library import HostActivations
from .reference import RTOL, Expected, assert_within, expected, parameters, sample_inputs

FLOATS = [np.float32, np.float64]

GELU_TAILS = pytest.mark.xfail(strict=True, reason=(
    "kernels/activations.cuh computes gelu as x (1 + erf(x/√2)) / 2, as PyTorch's CPU kernel does: for x < 0 "
    "it cancels, to 0 below x = -5.9 in float32 and -8.4 in float64; x erfc(-x/√2) / 2 is accurate (issue 10 §4)"))
JUDGED_BY_THE_REFERENCE = [pytest.param(name, marks=GELU_TAILS) if name == "gelu" else name for name in ACTIVATIONS]
"""Every activation; gelu's tails fail until the header computes them with erfc (strict: then this mark must go)."""


def _saved(host_activations: HostActivations, name: str, x: np.ndarray, p0: float, p1: float) -> np.ndarray:
    """What the backward gets: the output for sigmoid, tanh and relu (spec.from_output), else the input."""
    return host_activations.forward(name, x, p0, p1) if ACTIVATIONS[name].from_output else x


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", JUDGED_BY_THE_REFERENCE)
def test_forward_matches_the_reference(host_activations: HostActivations, name: str, dtype: type) -> None:
    x = sample_inputs(dtype)
    for p0, p1 in parameters(name):
        assert_within(host_activations.forward(name, x, p0, p1), expected(name, "forward", x, p0, p1), x,
                      RTOL[np.dtype(dtype)], f"{name} forward {np.dtype(dtype)} (p0={p0}, p1={p1})")


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", JUDGED_BY_THE_REFERENCE)
def test_derivative_matches_the_reference(host_activations: HostActivations, name: str, dtype: type) -> None:
    x = sample_inputs(dtype)
    for p0, p1 in parameters(name):
        saved = _saved(host_activations, name, x, p0, p1)
        assert_within(host_activations.derivative(name, saved, p0, p1), expected(name, "derivative", saved, p0, p1),
                      saved, RTOL[np.dtype(dtype)], f"{name} derivative {np.dtype(dtype)} (p0={p0}, p1={p1})")


def _kinks(name: str, p0: float, p1: float) -> list[float]:
    """Where the activation is not differentiable (or, for softplus, switches to x at the threshold)."""
    if name == "softplus":
        return [p1 / p0]
    return [0.0] if name in ("step", "relu", "leaky_relu", "elu") else []


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_derivative_matches_central_differences(host_activations: HostActivations, name: str) -> None:
    step = 1e-5
    for p0, p1 in parameters(name):
        x = np.linspace(-6, 6, 481) + 0.0037
        for kink in _kinks(name, p0, p1):
            x = x[np.abs(x - kink) > 10 * step]
        numerical = (host_activations.forward(name, x + step, p0, p1)
                     - host_activations.forward(name, x - step, p0, p1)) / (2 * step)
        analytic = host_activations.derivative(name, _saved(host_activations, name, x, p0, p1), p0, p1)
        np.testing.assert_allclose(analytic, numerical, rtol=1e-7, atol=1e-8, err_msg=f"{name} (p0={p0}, p1={p1})")


@pytest.mark.parametrize("dtype", [np.float16, *FLOATS])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_cpu_backend_computes_the_same_math(host_activations: HostActivations, name: str, dtype: type) -> None:
    """cpu.activation_forward / activation_backward against the host build: float16 in float32, rounded."""
    spec = ACTIVATIONS[name]
    compute = np.float32 if dtype == np.float16 else dtype
    x = sample_inputs(dtype)
    grad_output = np.random.default_rng(1).uniform(0.5, 2, x.size).astype(dtype)
    for p0, p1 in parameters(name):
        host_forward = host_activations.forward(name, x.astype(compute), p0, p1).astype(dtype)
        forward_scale = expected(name, "forward", x, p0, p1).scale
        assert_within(cpu.activation_forward(spec, x, (p0, p1)),
                      Expected(host_forward.astype(np.float64), forward_scale), x, 2 * RTOL[np.dtype(dtype)],
                      f"{name} forward {np.dtype(dtype)} (p0={p0}, p1={p1})")
        saved = host_forward if spec.from_output else x
        derivative = host_activations.derivative(name, saved.astype(compute), p0, p1)
        host_backward = (grad_output.astype(compute) * derivative).astype(dtype)
        backward_scale = grad_output * expected(name, "derivative", saved, p0, p1).scale
        assert_within(cpu.activation_backward(spec, grad_output, saved, (p0, p1)),
                      Expected(host_backward.astype(np.float64), backward_scale), saved, 2 * RTOL[np.dtype(dtype)],
                      f"{name} backward {np.dtype(dtype)} (p0={p0}, p1={p1})")


@pytest.mark.parametrize("dtype", FLOATS)
def test_relu_keeps_the_sign_of_zero_on_host_and_cpu(host_activations: HostActivations, dtype: type) -> None:
    """relu(-0.0) is -0.0 (PyTorch's CPU relu) in the kernel source and in the CPU backend alike."""
    x = np.array([-0.0, 0.0, -1.0, np.nan], dtype)
    host = host_activations.forward("relu", x)
    np.testing.assert_array_equal(np.signbit(host[:3]), [True, False, False])
    np.testing.assert_array_equal(np.signbit(cpu.activation_forward(ACTIVATIONS["relu"], x, (0.0, 0.0))[:3]),
                                  np.signbit(host[:3]))
    assert np.isnan(host[3])


def test_denormals_survive_loading_the_library(host_activations: HostActivations) -> None:
    """A library built with fast math would switch the process to flush-to-zero when loaded."""
    denormal = np.float32(1e-40)
    assert denormal * np.float32(1) == denormal
    assert host_activations.forward("identity", np.array([denormal]))[0] == denormal
    assert 0 < host_activations.forward("sigmoid", np.array([-100.0], np.float32))[0] < np.finfo(np.float32).tiny
