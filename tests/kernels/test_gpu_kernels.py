"""Every kernel launched on a real GPU, against the CPU backend (marked gpu: skipped, with the reason, where no
GPU is usable)."""
from __future__ import annotations

import numpy as np
import pytest

from minitorch.backends.cpu import cpu
from minitorch.backends.cuda_kernels import BLOCK_SIZE, MAX_BLOCKS, CudaKernels
from minitorch.backends.activations import ACTIVATIONS

from .reference import RTOL, Expected, assert_within, expected, parameters, sample_inputs

pytestmark = pytest.mark.gpu

DTYPES = [np.float16, np.float32, np.float64]
CLOSE = {np.float16: dict(rtol=2e-3, atol=1e-3), np.float32: dict(rtol=1e-5, atol=1e-6),
         np.float64: dict(rtol=1e-12, atol=1e-13)}
"""Agreement of the reductions and optimizer steps, whose order of operations differs from NumPy's."""


@pytest.fixture(scope="module")
def kernels(gpu: None) -> CudaKernels:
    return CudaKernels()


def _on_gpu(array: np.ndarray):
    import cupy

    return cupy.asarray(array)


def _assert_close(gpu_array, cpu_array: np.ndarray, dtype: type, what: str) -> None:
    np.testing.assert_allclose(gpu_array.get().astype(np.float64), cpu_array.astype(np.float64), **CLOSE[dtype],
                               err_msg=what)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_kernels_match_the_cpu_backend(kernels: CudaKernels, name: str, dtype: type) -> None:
    spec = ACTIVATIONS[name]
    x = sample_inputs(dtype)
    grad_output = np.random.default_rng(1).uniform(0.5, 2, x.size).astype(dtype)
    rtol = 2 * RTOL[np.dtype(dtype)]
    for params in parameters(name):
        y = kernels.activation_forward(spec, _on_gpu(x), params).get()
        cpu_y = cpu.activation_forward(spec, x, params)
        assert_within(y, Expected(cpu_y.astype(np.float64), expected(name, "forward", x, *params).scale), x, rtol,
                      f"{name} forward {np.dtype(dtype)} {params}")
        saved = cpu_y if spec.from_output else x
        grad_input = kernels.activation_backward(spec, _on_gpu(grad_output), _on_gpu(saved), params).get()
        cpu_grad_input = cpu.activation_backward(spec, grad_output, saved, params)
        scale = grad_output * expected(name, "derivative", saved, *params).scale
        assert_within(grad_input, Expected(cpu_grad_input.astype(np.float64), scale), saved, rtol,
                      f"{name} backward {np.dtype(dtype)} {params}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_bias_activation_matches_adding_then_activating(kernels: CudaKernels, name: str, dtype: type) -> None:
    spec = ACTIVATIONS[name]
    random = np.random.default_rng(2)
    x = (random.standard_normal((7, 37)) * 4).astype(dtype)
    bias = random.standard_normal(37).astype(dtype)
    params = parameters(name)[-1]
    pre_activation, y = kernels.bias_activation_forward(spec, _on_gpu(x), _on_gpu(bias), params)
    z = x + bias
    if spec.from_output:
        assert pre_activation is None
    else:
        np.testing.assert_array_equal(pre_activation.get(), z)
    assert_within(y.get(), Expected(cpu.activation_forward(spec, z, params).astype(np.float64),
                                    expected(name, "forward", z, *params).scale), z, 2 * RTOL[np.dtype(dtype)], name)


def _softmax_inputs(dtype: type) -> list[tuple[np.ndarray, int]]:
    random = np.random.default_rng(3)
    rows = (random.standard_normal((6, 300)) * 10).astype(dtype)  # more columns than threads
    rows[1, :5] = -np.inf
    rows[2, :] = -np.inf  # NaN, as in PyTorch
    rows[3, 7] = np.nan
    rows[4, 0] = 60000  # e^(x - max) underflows for the others
    return [(rows, 1), (rows, -1), (rows[:, :1], 1), (random.standard_normal((2, 5, 3)).astype(dtype), 1),
            (random.standard_normal((MAX_BLOCKS + 3, 4)).astype(dtype), 1)]


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_matches_the_cpu_backend(kernels: CudaKernels, dtype: type, log: bool) -> None:
    for x, dim in _softmax_inputs(dtype):
        _assert_close(kernels.softmax(_on_gpu(x), dim, log), cpu.softmax(x, dim, log), dtype, f"{x.shape} dim={dim}")


@pytest.mark.parametrize("ignore_index", [-100, 2])
@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_matches_the_cpu_backend(kernels: CudaKernels, dtype: type, ignore_index: int) -> None:
    random = np.random.default_rng(4)
    logits = (random.standard_normal((9, 300)) * 5).astype(dtype)
    target = np.array([0, 299, ignore_index, 5, ignore_index, 150, 7, 1, 3])  # the first and the last class
    grad_loss = random.uniform(0.5, 2, 9).astype(dtype)
    loss, row_max, log_sum = kernels.cross_entropy_forward(_on_gpu(logits), _on_gpu(target), ignore_index)
    cpu_loss, cpu_row_max, cpu_log_sum = cpu.cross_entropy_forward(logits, target, ignore_index)
    _assert_close(loss, cpu_loss, dtype, "loss")
    _assert_close(row_max, cpu_row_max, dtype, "row max")
    _assert_close(log_sum, cpu_log_sum, dtype, "log sum")
    grad_logits = kernels.cross_entropy_backward(_on_gpu(logits), _on_gpu(target), row_max, log_sum,
                                                 _on_gpu(grad_loss), ignore_index)
    _assert_close(grad_logits, cpu.cross_entropy_backward(logits, target, cpu_row_max, cpu_log_sum, grad_loss,
                                                          ignore_index), dtype, "grad_logits")


def test_cross_entropy_of_a_target_out_of_range_is_nan(kernels: CudaKernels) -> None:
    logits = _on_gpu(np.zeros((2, 3), np.float32))
    target = _on_gpu(np.array([3, 1]))
    loss, row_max, log_sum = kernels.cross_entropy_forward(logits, target, -100)
    assert np.isnan(loss.get()[0]) and loss.get()[1] == pytest.approx(np.log(3))
    grad_logits = kernels.cross_entropy_backward(logits, target, row_max, log_sum, _on_gpu(np.ones(2, np.float32)),
                                                 -100)
    assert np.isnan(grad_logits.get()[0]).all() and np.isfinite(grad_logits.get()[1]).all()


def _in_compute_dtype(array: np.ndarray | None) -> np.ndarray | None:
    """A copy in the dtype the kernels compute in: float16 in float32."""
    return None if array is None else array.astype(np.float32 if array.dtype == np.float16 else array.dtype)


SGD_SETTINGS = [dict(momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False),
                dict(momentum=0.9, dampening=0.1, weight_decay=0.01, nesterov=False),
                dict(momentum=0.9, dampening=0.0, weight_decay=0.01, nesterov=True, maximize=True)]


@pytest.mark.parametrize("settings", SGD_SETTINGS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_sgd_update_matches_the_cpu_backend(kernels: CudaKernels, dtype: type, settings: dict) -> None:
    """Three steps; the CPU's, like the kernel's, computed in float32 for float16 and stored in float16."""
    random = np.random.default_rng(5)
    param = random.standard_normal(1000).astype(dtype)
    gpu_param, gpu_buffer, buffer = _on_gpu(param), None, None
    for _ in range(3):
        grad = random.standard_normal(1000).astype(dtype)
        gpu_buffer = kernels.sgd_update(gpu_param, _on_gpu(grad), gpu_buffer, 0.1, **settings)
        work_param, work_buffer = _in_compute_dtype(param), _in_compute_dtype(buffer)
        work_buffer = cpu.sgd_update(work_param, _in_compute_dtype(grad), work_buffer, 0.1, **settings)
        param, buffer = work_param.astype(dtype), None if work_buffer is None else work_buffer.astype(dtype)
    _assert_close(gpu_param, param, dtype, "param")
    if settings["momentum"]:
        _assert_close(gpu_buffer, buffer, dtype, "momentum_buffer")
    else:
        assert gpu_buffer is None


@pytest.mark.parametrize("weight_decay, decoupled", [(0.0, False), (0.01, False), (0.01, True)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_adam_update_matches_the_cpu_backend(kernels: CudaKernels, dtype: type, weight_decay: float,
                                             decoupled: bool) -> None:
    """Three steps; the CPU's, like the kernel's, computed in float32 for float16 and stored in float16."""
    random = np.random.default_rng(6)
    state = [random.standard_normal(1000).astype(dtype), np.zeros(1000, dtype), np.zeros(1000, dtype)]
    gpu_state = [_on_gpu(array) for array in state]
    for step in range(1, 4):
        grad = random.standard_normal(1000).astype(dtype)
        gpu_param, gpu_exp_avg, gpu_exp_avg_sq = gpu_state
        kernels.adam_update(gpu_param, _on_gpu(grad), gpu_exp_avg, gpu_exp_avg_sq, step, 1e-2, 0.9, 0.999, 1e-8,
                            weight_decay, decoupled)
        param, exp_avg, exp_avg_sq = work = [_in_compute_dtype(array) for array in state]
        cpu.adam_update(param, _in_compute_dtype(grad), exp_avg, exp_avg_sq, step, 1e-2, 0.9, 0.999, 1e-8,
                        weight_decay, decoupled)
        state = [array.astype(dtype) for array in work]
    for gpu_array, cpu_array, what in zip(gpu_state, state, ("param", "exp_avg", "exp_avg_sq")):
        _assert_close(gpu_array, cpu_array, dtype, what)


def test_denormals_are_kept(kernels: CudaKernels) -> None:
    """Compiled with --ftz=false (CuPy's own kernels flush float32 denormals to zero)."""
    x = np.array([1e-40, -100.0], np.float32)
    identity = kernels.activation_forward(ACTIVATIONS["identity"], _on_gpu(x), (0.0, 0.0)).get()
    sigmoid = kernels.activation_forward(ACTIVATIONS["sigmoid"], _on_gpu(x), (0.0, 0.0)).get()
    assert identity[0] == np.float32(1e-40)
    assert 0 < sigmoid[1] < np.finfo(np.float32).tiny


def test_a_grid_covers_more_elements_than_its_threads(kernels: CudaKernels) -> None:
    x = np.linspace(-1, 1, MAX_BLOCKS * BLOCK_SIZE + 1001, dtype=np.float32)
    np.testing.assert_array_equal(kernels.activation_forward(ACTIVATIONS["relu"], _on_gpu(x), (0.0, 0.0)).get(),
                                  np.maximum(x, 0))
