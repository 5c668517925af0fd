"""The activations' math as the kernels run it (kernels/activations.cuh, executed on the host through
CudaKernels): each derivative against central differences of its forward, and the CPU backend's NumPy
formulas against the kernels, so the two paths compute the same math. (Each kernel against the float64
references: test_host_kernels.py.)"""
from __future__ import annotations

import math

import numpy as np
import pytest

from minitorch.backends.cpu import cpu
from minitorch.backends.cuda_kernels import CudaKernels
from minitorch.backends.activations import ACTIVATIONS

from .reference import RTOL, Expected, assert_within, expected, parameters, sample_inputs

DTYPES = [np.float16, np.float32, np.float64]


def _forward(kernels: CudaKernels, name: str, x: np.ndarray, p0: float = 0.0, p1: float = 0.0) -> np.ndarray:
    return kernels.activation_forward(ACTIVATIONS[name], x, (p0, p1))


def _derivative(kernels: CudaKernels, name: str, x: np.ndarray, p0: float, p1: float) -> np.ndarray:
    """f'(x) from the backward kernel with a gradient of ones, fed the output where the backward takes it."""
    saved = _forward(kernels, name, x, p0, p1) if ACTIVATIONS[name].from_output else x
    return kernels.activation_backward(ACTIVATIONS[name], np.ones_like(x), saved, (p0, p1))


def _kinks(name: str, p0: float, p1: float) -> list[float]:
    """Where the activation is not differentiable (or, for softplus, switches to x at the threshold)."""
    if name == "softplus":
        return [p1 / p0]
    return [0.0] if name in ("step", "relu", "leaky_relu", "elu") else []


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_derivative_matches_central_differences(host_kernels: CudaKernels, name: str) -> None:
    step = 1e-5
    for p0, p1 in parameters(name):
        x = np.linspace(-6, 6, 481) + 0.0037
        for kink in _kinks(name, p0, p1):
            x = x[np.abs(x - kink) > 10 * step]
        numerical = (_forward(host_kernels, name, x + step, p0, p1)
                     - _forward(host_kernels, name, x - step, p0, p1)) / (2 * step)
        analytic = _derivative(host_kernels, name, x, p0, p1)
        np.testing.assert_allclose(analytic, numerical, rtol=1e-7, atol=1e-8, err_msg=f"{name} (p0={p0}, p1={p1})")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_cpu_backend_computes_the_same_math(host_kernels: CudaKernels, name: str, dtype: type) -> None:
    """cpu.activation_forward / activation_backward against the kernels (float16: both in float32, rounded)."""
    spec = ACTIVATIONS[name]
    x = sample_inputs(dtype)
    grad_output = np.random.default_rng(1).uniform(0.5, 2, x.size).astype(dtype)
    for p0, p1 in parameters(name):
        kernel_forward = _forward(host_kernels, name, x, p0, p1)
        forward_scale = expected(name, "forward", x, p0, p1).scale
        assert_within(cpu.activation_forward(spec, x, (p0, p1)),
                      Expected(kernel_forward.astype(np.float64), forward_scale), x, 2 * RTOL[np.dtype(dtype)],
                      f"{name} forward {np.dtype(dtype)} (p0={p0}, p1={p1})")
        saved = kernel_forward if spec.from_output else x
        kernel_backward = host_kernels.activation_backward(spec, grad_output, saved, (p0, p1))
        backward_scale = grad_output * expected(name, "derivative", saved, p0, p1).scale
        assert_within(cpu.activation_backward(spec, grad_output, saved, (p0, p1)),
                      Expected(kernel_backward.astype(np.float64), backward_scale), saved, 2 * RTOL[np.dtype(dtype)],
                      f"{name} backward {np.dtype(dtype)} (p0={p0}, p1={p1})")


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_keeps_the_sign_of_zero_in_the_kernels_and_on_the_cpu(host_kernels: CudaKernels, dtype: type) -> None:
    """relu(-0.0) is -0.0 (PyTorch's CPU relu) in the kernel source and in the CPU backend alike."""
    x = np.array([-0.0, 0.0, -1.0, np.nan], dtype)
    kernel = _forward(host_kernels, "relu", x)
    np.testing.assert_array_equal(np.signbit(kernel[:3]), [True, False, False])
    np.testing.assert_array_equal(np.signbit(cpu.activation_forward(ACTIVATIONS["relu"], x, (0.0, 0.0))[:3]),
                                  np.signbit(kernel[:3]))
    assert np.isnan(kernel[3])


def test_denormals_survive_loading_the_library(host_kernels: CudaKernels) -> None:
    """A library built with fast math would switch the process to flush-to-zero when loaded."""
    denormal = np.float32(1e-40)
    assert denormal * np.float32(1) == denormal
    assert _forward(host_kernels, "identity", np.array([denormal]))[0] == denormal
    assert 0 < _forward(host_kernels, "sigmoid", np.array([-100.0], np.float32))[0] < np.finfo(np.float32).tiny


def test_gelu_keeps_its_tail(host_kernels: CudaKernels) -> None:
    """x erfc(-x/√2)/2, not x (1 + erf(x/√2))/2, which is 0 below -5.9 in float32 (PyTorch's CPU gives 0)."""
    x = np.array([-6.0, -8.0, -12.0], np.float32)
    y = _forward(host_kernels, "gelu", x)
    exact = [value * 0.5 * math.erfc(-value / math.sqrt(2)) for value in x.astype(float)]
    np.testing.assert_allclose(y, exact, rtol=2e-5)  # erfc(z) magnifies the rounding of z = -x/√2 by 2z²
    assert not np.isclose(y, 0, atol=0, rtol=0).any()
    np.testing.assert_allclose(cpu.activation_forward(ACTIVATIONS["gelu"], x, (0.0, 0.0)), exact, rtol=2e-5)
