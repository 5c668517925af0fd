"""Every kernel of kernels/ executed on the host, through CudaKernels unchanged (host_runtime.HostRuntime in
place of CuPy), against float64 references written here in NumPy: the activations (forward, fused backward,
bias + activation), softmax and log_softmax, cross-entropy forward and backward, in float16, float32 and
float64. The optimizers are in test_host_optimizers.py."""
from __future__ import annotations

import numpy as np
import pytest

from minitorch.backends import cuda_kernels
from minitorch.backends.cuda_kernels import BLOCK_SIZE, CudaKernels
from minitorch.backends.activations import ACTIVATIONS

from .accuracy import assert_close, rounding
from .reference import RTOL, Expected, assert_within, expected, parameters, sample_inputs

DTYPES = [np.float16, np.float32, np.float64]


def _random(shape: tuple, dtype: type, seed: int = 0, scale: float = 3.0) -> np.ndarray:
    return (np.random.default_rng(seed).normal(0, scale, shape)).astype(dtype)


# ---- activations ----
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_forward_and_backward(host_kernels: CudaKernels, name: str, dtype: type) -> None:
    spec = ACTIVATIONS[name]
    x = sample_inputs(dtype)
    grad_output = np.random.default_rng(1).uniform(0.5, 2, x.size).astype(dtype)
    rtol = RTOL[np.dtype(dtype)]
    for params in parameters(name):
        y = host_kernels.activation_forward(spec, x, params)
        assert y.dtype == dtype
        assert_within(y, expected(name, "forward", x, *params), x, rtol, f"{name}_forward {np.dtype(dtype)} {params}")
        saved = y if spec.from_output else x
        grad_input = host_kernels.activation_backward(spec, grad_output, saved, params)
        derivative = expected(name, "derivative", saved, *params)
        scaled = Expected(grad_output * derivative.value, grad_output * derivative.scale)
        assert_within(grad_input, scaled, saved, rtol + rounding(dtype, 1).item(),
                      f"{name}_backward {np.dtype(dtype)} {params}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_bias_activation_forward(host_kernels: CudaKernels, name: str, dtype: type) -> None:
    spec = ACTIVATIONS[name]
    x = _random((37, 300), dtype)  # more elements than one block, a width that is no power of two
    bias = _random((300,), dtype, seed=1)
    pre_activation_exact = (x + bias).astype(dtype)  # the sum rounded to dtype, as the kernel stores it
    for params in parameters(name):
        pre_activation, y = host_kernels.bias_activation_forward(spec, x, bias, params)
        if spec.from_output:
            assert pre_activation is None
        else:
            np.testing.assert_array_equal(pre_activation, pre_activation_exact)
        flat = pre_activation_exact.reshape(-1)
        assert_within(y.reshape(-1), expected(name, "forward", flat, *params), flat, RTOL[np.dtype(dtype)],
                      f"{name}_bias_forward {np.dtype(dtype)} {params}")


def test_activations_keep_a_0d_array_0d(host_kernels: CudaKernels) -> None:
    x = np.array(-0.5, np.float32)
    for spec in ACTIVATIONS.values():
        assert host_kernels.activation_forward(spec, x, (0.1, 20.0)).shape == ()
        assert host_kernels.activation_backward(spec, x, x, (0.1, 20.0)).shape == ()


def test_activations_read_non_contiguous_inputs(host_kernels: CudaKernels) -> None:
    x = _random((8, 6), np.float32)[:, ::2].T
    y = host_kernels.activation_forward(ACTIVATIONS["tanh"], x, (0.0, 0.0))
    assert_close(y, np.tanh(x.astype(np.float64)), rounding(np.float32, 4), "tanh of a transposed slice")


# ---- softmax and log_softmax ----
def _softmax_reference(x: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(softmax, log_softmax, the error bound of each) in float64 along dim."""
    work = x.astype(np.float64)
    with np.errstate(all="ignore"):  # rows of -inf or NaN give NaN, as in PyTorch
        shifted = work - work.max(axis=dim, keepdims=True, initial=-np.inf)
        exps = np.exp(shifted)
        sums = exps.sum(axis=dim, keepdims=True)
        log_sums = np.log(sums)
        softmax, log_softmax = exps / sums, shifted - log_sums
    cols = x.shape[dim] if x.ndim else 1
    terms = cols / BLOCK_SIZE + 8  # the roundings of the sum: per thread, then over the block's tree
    with np.errstate(invalid="ignore"):
        softmax_bound = rounding(x.dtype, 2 * shifted, terms) * np.abs(softmax)
        log_softmax_bound = rounding(x.dtype, 2 * shifted, 2 * log_sums, terms)
    return softmax, log_softmax, np.nan_to_num(softmax_bound), np.nan_to_num(log_softmax_bound)


SOFTMAX_SHAPES = [(4, 1000), (6, 37), (3, 256), (3, 257), (1, 1), (0, 5), (5, 0)]
"""Rows wider than a block, non-power-of-two widths, exactly one block, one more, a single element, none."""


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SOFTMAX_SHAPES, ids=lambda shape: "x".join(map(str, shape)))
def test_softmax_and_log_softmax(host_kernels: CudaKernels, shape: tuple, dtype: type) -> None:
    x = _random(shape, dtype, scale=5.0)
    softmax, log_softmax, softmax_bound, log_softmax_bound = _softmax_reference(x, 1)
    assert_close(host_kernels.softmax(x, 1, log=False), softmax, softmax_bound, f"softmax {shape}")
    assert_close(host_kernels.softmax(x, 1, log=True), log_softmax, log_softmax_bound, f"log_softmax {shape}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_rows_with_inf_and_nan(host_kernels: CudaKernels, dtype: type) -> None:
    x = _random((6, 300), dtype)
    x[0] = -np.inf  # every element -inf: NaN, as in PyTorch
    x[1, 7] = np.nan  # a NaN: the row is NaN
    x[2, 299] = np.inf  # +inf: NaN (inf - inf)
    x[3, ::2] = -np.inf  # some -inf: exactly 0 there
    x[4] = 1e4 if dtype != np.float16 else 6e4  # all equal and large: uniform, no overflow
    softmax, log_softmax, softmax_bound, log_softmax_bound = _softmax_reference(x, 1)
    assert np.isnan(softmax[:3]).all() and (softmax[3, ::2] == 0).all()
    assert_close(host_kernels.softmax(x, 1, log=False), softmax, softmax_bound, "softmax with inf and NaN")
    assert_close(host_kernels.softmax(x, 1, log=True), log_softmax, log_softmax_bound, "log_softmax with inf, NaN")


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_takes_more_rows_than_the_grid(host_kernels: CudaKernels, monkeypatch: pytest.MonkeyPatch,
                                               dtype: type) -> None:
    monkeypatch.setattr(cuda_kernels, "MAX_BLOCKS", 2)  # 2 blocks for 5 rows: each block takes rows in turn
    x = _random((5, 300), dtype)
    softmax, log_softmax, softmax_bound, log_softmax_bound = _softmax_reference(x, 1)
    assert_close(host_kernels.softmax(x, 1, log=False), softmax, softmax_bound, "softmax, 5 rows on 2 blocks")
    assert_close(host_kernels.softmax(x, 1, log=True), log_softmax, log_softmax_bound, "log_softmax, 2 blocks")


@pytest.mark.parametrize("dim", [0, 1, -1, 2])
def test_softmax_along_any_dim_of_any_layout(host_kernels: CudaKernels, dim: int) -> None:
    x = _random((4, 5, 6), np.float32).transpose(1, 0, 2)[:, ::2]  # (5, 2, 6), not contiguous
    softmax, log_softmax, softmax_bound, log_softmax_bound = _softmax_reference(x, dim)
    assert_close(host_kernels.softmax(x, dim, log=False), softmax, softmax_bound, f"softmax dim {dim}")
    assert_close(host_kernels.softmax(x, dim, log=True), log_softmax, log_softmax_bound, f"log_softmax dim {dim}")


# ---- cross entropy ----
def _cross_entropy_targets(rows: int, cols: int, ignore_index: int) -> np.ndarray:
    """Class 0, class cols - 1, the ignored index, then random classes."""
    fixed = [0, cols - 1, ignore_index]
    return np.array((fixed + list(np.random.default_rng(2).integers(0, cols, rows)))[:rows], np.int64)


CROSS_ENTROPY_CASES = [(9, 10, -100, 0.0), (5, 300, -100, 0.0), (4, 37, 3, 0.0), (3, 1, -100, 0.0),
                       (70, 256, -1, 0.0), (9, 10, -100, 1e4), (5, 300, 3, -1e4)]
"""(rows, classes, ignore_index, offset of the logits): wider than a block, an ignore_index that is a class, one
class, logits around ±1e4 (where a logsumexp formed before the difference loses the loss's digits)."""


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rows, cols, ignore_index, offset", CROSS_ENTROPY_CASES)
def test_cross_entropy_forward_and_backward(host_kernels: CudaKernels, rows: int, cols: int, ignore_index: int,
                                            offset: float, dtype: type) -> None:
    logits = (offset + _random((rows, cols), np.float64, scale=4.0)).astype(dtype)
    target = _cross_entropy_targets(rows, cols, ignore_index)
    ignored = target == ignore_index
    picked = np.where(ignored, 0, target)
    work = logits.astype(np.float64)
    row_max_exact = work.max(axis=1)
    shifted = work - row_max_exact[:, None]
    log_sum_exact = np.log(np.exp(shifted).sum(axis=1))
    shifted_logit = shifted[np.arange(rows), picked]
    loss_exact = np.where(ignored, 0.0, log_sum_exact - shifted_logit)
    # Σ e^(x - max) has the rounding of each x - max, weighted by its softmax, and of each term: none scales
    # with the max itself
    weighted_shift = (np.exp(shifted - log_sum_exact[:, None]) * np.abs(shifted)).sum(axis=1)
    log_sum_bound = rounding(dtype, 2 * log_sum_exact, 2 * weighted_shift, cols / BLOCK_SIZE + 8)
    loss, row_max, log_sum = host_kernels.cross_entropy_forward(logits, target, ignore_index)
    np.testing.assert_array_equal(row_max, logits.max(axis=1))
    assert_close(log_sum, log_sum_exact, log_sum_bound, "log Σ e^(x - max)")
    assert_close(loss, loss_exact, np.where(ignored, 0.0, log_sum_bound + rounding(dtype, 2 * shifted_logit)),
                 "cross_entropy loss")

    grad_loss = np.random.default_rng(3).uniform(0.5, 2, rows).astype(dtype)
    # the backward starts from the forward's stored max and log sum
    stored_shifted = work - row_max.astype(np.float64)[:, None]
    stored_log_sum = log_sum.astype(np.float64)[:, None]
    probability = np.exp(stored_shifted - stored_log_sum)
    one_hot = np.zeros((rows, cols))
    one_hot[np.arange(rows), picked] = 1
    scale = np.where(ignored, 0.0, grad_loss.astype(np.float64))[:, None]
    grad_exact = (probability - one_hot) * scale
    relative = 2 * (np.abs(stored_shifted) + np.abs(stored_shifted - stored_log_sum) + 1)
    bound = rounding(dtype, relative * probability + 2) * scale
    grad_logits = host_kernels.cross_entropy_backward(logits, target, row_max, log_sum, grad_loss, ignore_index)
    assert_close(grad_logits, grad_exact, bound, "cross_entropy backward")
    mean_grad = host_kernels.cross_entropy_backward(logits, target, row_max, log_sum, np.array(0.25, dtype),
                                                    ignore_index)
    assert_close(mean_grad, (probability - one_hot) * np.where(ignored, 0.0, 0.25)[:, None], bound,
                 "cross_entropy backward with one grad_loss for every row")


@pytest.mark.parametrize("offset", [1e4, -1e4])
def test_cross_entropy_of_logits_around_1e4_is_exact_to_1e_5_in_float32(host_kernels: CudaKernels,
                                                                       offset: float) -> None:
    """As PyTorch's: the loss of float32 logits near ±1e4 to 1e-5 relative, though 1e4 has a step of 1e-3."""
    logits = (offset + _random((6, 7), np.float64, scale=2.0)).astype(np.float32)
    target = np.arange(6, dtype=np.int64)
    work = logits.astype(np.float64)
    shifted = work - work.max(axis=1, keepdims=True)
    exact = np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(6), target]
    loss, _, _ = host_kernels.cross_entropy_forward(logits, target, -100)
    np.testing.assert_allclose(loss, exact, rtol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_targets_outside_the_classes_give_nan(host_kernels: CudaKernels, dtype: type) -> None:
    logits = _random((4, 5), dtype)
    target = np.array([5, -1, 2, -100], np.int64)  # past the end, negative (not ignored), fine, ignored
    loss, row_max, log_sum = host_kernels.cross_entropy_forward(logits, target, -100)
    assert np.isnan(loss[:2]).all() and np.isfinite(loss[2]) and loss[3] == 0
    grad = host_kernels.cross_entropy_backward(logits, target, row_max, log_sum, np.ones(4, dtype), -100)
    assert np.isnan(grad[:2]).all() and np.isfinite(grad[2]).all() and (grad[3] == 0).all()


def test_cross_entropy_takes_more_rows_than_the_grid(host_kernels: CudaKernels,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cuda_kernels, "MAX_BLOCKS", 3)
    logits = _random((10, 40), np.float32)
    target = _cross_entropy_targets(10, 40, -100)
    kept = target != -100
    loss, row_max, log_sum = host_kernels.cross_entropy_forward(logits, target, -100)
    work = logits.astype(np.float64)
    exact_logsumexp = np.log(np.exp(work).sum(axis=1))
    exact = np.where(kept, exact_logsumexp - work[np.arange(10), np.where(kept, target, 0)], 0)
    assert_close(loss, exact, rounding(np.float32, 4 * (np.abs(exact_logsumexp) + 2)), "loss, 10 rows on 3 blocks")
    grad = host_kernels.cross_entropy_backward(logits, target, row_max, log_sum, np.ones(10, np.float32), -100)
    probability = np.exp(work - (row_max.astype(np.float64) + log_sum.astype(np.float64))[:, None])
    probability[np.flatnonzero(kept), target[kept]] -= 1
    assert_close(grad, probability * kept[:, None], rounding(np.float32, 8), "grad, 10 rows on 3 blocks")


def test_every_kernel_is_launched_by_a_cuda_kernels_method(host_kernels: CudaKernels) -> None:
    """Each method once per dtype: together they launch every kernel there is, with arguments the host checks."""
    for dtype in DTYPES:
        x = _random((3, 4), dtype)
        for spec in ACTIVATIONS.values():
            host_kernels.activation_forward(spec, x, (0.1, 2.0))
            host_kernels.activation_backward(spec, x, x, (0.1, 2.0))
            host_kernels.bias_activation_forward(spec, x, np.ones(4, dtype), (0.1, 2.0))
        host_kernels.softmax(x, 1, log=False)
        host_kernels.softmax(x, 0, log=True)
        target = np.array([0, 3, -100])
        _, row_max, log_sum = host_kernels.cross_entropy_forward(x, target, -100)
        host_kernels.cross_entropy_backward(x, target, row_max, log_sum, np.array(1.0), -100)
        host_kernels.sgd_update(np.ones(5, dtype), np.ones(5), None, 0.1, 0.9, 0.0, 0.01, True)
        host_kernels.adam_update(np.ones(5, dtype), np.ones(5), np.zeros(5, dtype), np.zeros(5, dtype), 1, 1e-3, 0.9,
                                 0.999, 1e-8, 0.0, True)
        image = _random((1, 2, 5, 4), dtype)
        cols = host_kernels.im2col(image, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1))
        host_kernels.col2im(cols, (5, 4), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1))
        pooled, indices = host_kernels.max_pool2d_forward(image, (2, 2), (2, 2), (0, 0), (1, 1), False)
        host_kernels.max_pool2d_backward(pooled, indices, (5, 4))
        pooled = host_kernels.avg_pool2d_forward(image, (2, 2), (2, 2), (1, 1), True, False, None)
        host_kernels.avg_pool2d_backward(pooled, (5, 4), (2, 2), (2, 2), (1, 1), True, False, None)
    functions = host_kernels.runtime.functions
    assert sorted(functions) == sorted(cuda_kernels.kernel_names())
    assert not [name for name, function in functions.items() if function.launches == 0]
