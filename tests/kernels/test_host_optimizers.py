"""The SGD and Adam/AdamW kernels executed on the host through CudaKernels unchanged, step after step, against
torch.optim's formulas written here in float64: each step's reference starts from the state the kernel left,
so that the bound is one step's rounding, in float16, float32 and float64."""
from __future__ import annotations

import math

import numpy as np
import pytest

from minitorch.backends.cuda_kernels import CudaKernels

from .accuracy import assert_close, rounding

DTYPES = [np.float16, np.float32, np.float64]
SIZE = 1000  # four blocks, the last one partly used


def _state(dtype: type, seed: int, *scales: float) -> list[np.ndarray]:
    random = np.random.default_rng(seed)
    return [random.normal(0, scale, SIZE).astype(dtype) for scale in scales]


SGD_CASES = {
    "plain": dict(momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False),
    "momentum-dampening": dict(momentum=0.9, dampening=0.3, weight_decay=0.0, nesterov=False),
    "nesterov-weight_decay": dict(momentum=0.8, dampening=0.0, weight_decay=0.02, nesterov=True),
    "weight_decay-maximize": dict(momentum=0.0, dampening=0.0, weight_decay=0.05, nesterov=False, maximize=True),
    "everything": dict(momentum=0.7, dampening=0.2, weight_decay=0.01, nesterov=False, maximize=True),
}


def _sgd_reference(param: np.ndarray, grad: np.ndarray, buffer: np.ndarray | None, lr: float, momentum: float,
                   dampening: float, weight_decay: float, nesterov: bool,
                   maximize: bool = False) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray | None]:
    """torch.optim.SGD's step in float64: (param, momentum buffer, and the error bound of each)."""
    p, g = param.astype(np.float64), grad.astype(np.float64)
    step = -g if maximize else g
    step_bound = rounding(param.dtype, 2 * step, 2 * weight_decay * p)
    step = step + weight_decay * p
    new_buffer = buffer_bound = None
    if momentum:
        if buffer is None:
            new_buffer = step
        else:
            old = buffer.astype(np.float64)
            new_buffer = momentum * old + (1 - dampening) * step
            step_bound = step_bound + rounding(param.dtype, 3 * momentum * old, 3 * step)
        buffer_bound = step_bound
        if nesterov:
            step_bound = step_bound + rounding(param.dtype, 2 * step, 2 * momentum * new_buffer)
            step = step + momentum * new_buffer
        else:
            step = new_buffer
    new_param = p - lr * step
    return new_param, new_buffer, step_bound * lr + rounding(param.dtype, 2 * p, 3 * lr * step), buffer_bound


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", SGD_CASES)
def test_sgd_steps(host_kernels: CudaKernels, case: str, dtype: type) -> None:
    options = SGD_CASES[case]
    param, = _state(dtype, 0, 1.0)
    lr = 0.05  # not the momentum, nor 1 - any of the others: a swap of two arguments shows
    buffer = None
    for step in range(4):
        grad, = _state(dtype, step + 1, 2.0)
        expected_param, expected_buffer, param_bound, buffer_bound = _sgd_reference(param, grad, buffer, lr,
                                                                                    **options)
        buffer = host_kernels.sgd_update(param, grad, buffer, lr, **options)
        assert_close(param, expected_param, param_bound, f"SGD {case}, param after step {step + 1}")
        if options["momentum"]:
            assert buffer is not None and buffer.dtype == dtype
            assert_close(buffer, expected_buffer, buffer_bound, f"SGD {case}, momentum buffer after step {step + 1}")
        else:
            assert buffer is None


ADAM_CASES = {
    "Adam": dict(weight_decay=0.0, decoupled_weight_decay=False),
    "Adam-L2_weight_decay": dict(weight_decay=0.03, decoupled_weight_decay=False),
    "AdamW": dict(weight_decay=0.03, decoupled_weight_decay=True),
}


def _adam_reference(param: np.ndarray, grad: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray, step: int,
                    lr: float, beta1: float, beta2: float, eps: float, weight_decay: float,
                    decoupled_weight_decay: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    """torch.optim.Adam's (AdamW's) step in float64: [(value, error bound)] of param, exp_avg, exp_avg_sq."""
    dtype = param.dtype
    p, g, m, v = (array.astype(np.float64) for array in (param, grad, exp_avg, exp_avg_sq))
    g_bound = np.zeros_like(g)
    if decoupled_weight_decay:
        p = p * (1 - lr * weight_decay)
    elif weight_decay:
        g_bound = rounding(dtype, 2 * g, 2 * weight_decay * p)
        g = g + weight_decay * p
    m_new = m + (g - m) * (1 - beta1)
    v_new = beta2 * v + (1 - beta2) * g * g
    m_bound = rounding(dtype, 3 * m, 3 * g, 3 * m_new) + g_bound * (1 - beta1)
    v_bound = rounding(dtype, 3 * beta2 * v, 4 * (1 - beta2) * g * g) + 2 * (1 - beta2) * np.abs(g) * g_bound
    bias_correction1 = 1 - beta1 ** step
    bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
    denominator = np.sqrt(v_new) / bias_correction2_sqrt + eps
    update = lr / bias_correction1 * m_new / denominator
    relative = (m_bound / np.maximum(np.abs(m_new), 1e-300) + v_bound / np.maximum(v_new, 1e-300)
                + rounding(dtype, 8))
    p_bound = rounding(dtype, 4 * p) + np.abs(update) * relative
    return [(p - update, p_bound), (m_new, m_bound), (v_new, v_bound)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ADAM_CASES)
def test_adam_steps_from_the_first(host_kernels: CudaKernels, case: str, dtype: type) -> None:
    options = ADAM_CASES[case]
    param, = _state(dtype, 0, 1.0)
    exp_avg, exp_avg_sq = np.zeros(SIZE, dtype), np.zeros(SIZE, dtype)
    hyper = dict(lr=0.01, beta1=0.8, beta2=0.95, eps=1e-3)  # distinct, and large enough to show in float16
    for step in range(1, 5):
        grad, = _state(dtype, step, 2.0)
        references = _adam_reference(param, grad, exp_avg, exp_avg_sq, step, **hyper, **options)
        host_kernels.adam_update(param, grad, exp_avg, exp_avg_sq, step, **hyper, **options)
        for name, array, (value, bound) in zip(("param", "exp_avg", "exp_avg_sq"), (param, exp_avg, exp_avg_sq),
                                               references):
            assert_close(array, value, bound, f"{case} step {step}: {name}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ADAM_CASES)
def test_adam_step_1000(host_kernels: CudaKernels, case: str, dtype: type) -> None:
    """Late in training the bias corrections are near 1 (1 - 0.9^1000) and not (sqrt(1 - 0.999^1000) = 0.795)."""
    options = ADAM_CASES[case]
    param, exp_avg, grad = _state(dtype, 5, 1.0, 0.1, 0.5)
    exp_avg_sq = np.random.default_rng(6).uniform(1e-3, 1e-2, SIZE).astype(dtype)
    hyper = dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-6)
    references = _adam_reference(param, grad, exp_avg, exp_avg_sq, 1000, **hyper, **options)
    host_kernels.adam_update(param, grad, exp_avg, exp_avg_sq, 1000, **hyper, **options)
    for name, array, (value, bound) in zip(("param", "exp_avg", "exp_avg_sq"), (param, exp_avg, exp_avg_sq),
                                           references):
        assert_close(array, value, bound, f"{case} step 1000: {name}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_updates_of_non_contiguous_parameters_land_in_place(host_kernels: CudaKernels, dtype: type) -> None:
    """A parameter made from w.T (and its optimizer state) is updated through a contiguous copy, written back."""
    base, = _state(dtype, 0, 1.0)
    param = base.reshape(40, 25).T  # (25, 40), Fortran order
    contiguous = np.ascontiguousarray(param)
    grad = np.asarray(_state(dtype, 1, 1.0)[0].reshape(25, 40))
    buffer = host_kernels.sgd_update(param, grad, None, 0.1, 0.9, 0.0, 0.0, False)
    expected_buffer = host_kernels.sgd_update(contiguous, grad, None, 0.1, 0.9, 0.0, 0.0, False)
    np.testing.assert_array_equal(param, contiguous)
    np.testing.assert_array_equal(base.reshape(40, 25).T, contiguous)  # in base's memory
    assert buffer.shape == (25, 40)
    buffer_t = np.asfortranarray(buffer)  # state that is not contiguous either
    host_kernels.sgd_update(param, grad, buffer_t, 0.1, 0.9, 0.0, 0.0, False)
    host_kernels.sgd_update(contiguous, grad, expected_buffer, 0.1, 0.9, 0.0, 0.0, False)
    np.testing.assert_array_equal(param, contiguous)
    np.testing.assert_array_equal(buffer_t, expected_buffer)

    exp_avg, exp_avg_sq = np.zeros((40, 25), dtype).T, np.zeros((40, 25), dtype).T
    expected_avg, expected_avg_sq = np.zeros((25, 40), dtype), np.zeros((25, 40), dtype)
    host_kernels.adam_update(param, grad, exp_avg, exp_avg_sq, 1, 0.01, 0.9, 0.999, 1e-8, 0.01, True)
    host_kernels.adam_update(contiguous, grad, expected_avg, expected_avg_sq, 1, 0.01, 0.9, 0.999, 1e-8, 0.01, True)
    for got, want in ((param, contiguous), (exp_avg, expected_avg), (exp_avg_sq, expected_avg_sq)):
        np.testing.assert_array_equal(got, want)
