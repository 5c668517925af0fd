"""The convolution and pooling kernels (kernels/convolution.cu, kernels/pooling.cu) executed on the host through
CudaKernels unchanged, against the float64 loop nests of conv_reference.py (checked against PyTorch in
test_conv_reference.py), in float16, float32 and float64: im2col and col2im with stride, asymmetric padding and
dilation; max pooling with ceil_mode, overlapping windows, ties, NaN and -inf; average pooling with ceil_mode,
count_include_pad and divisor_override; more elements than the grid."""
from __future__ import annotations

import numpy as np
import pytest

from minitorch.backends import cuda_kernels
from minitorch.backends.cuda_kernels import CudaKernels

from . import conv_reference as reference
from .accuracy import assert_close, rounding
from .conv_reference import AVG_POOL_CASES, CONV_CASES, MAX_POOL_CASES, ConvCase, PoolCase, case_id

DTYPES = [np.float16, np.float32, np.float64]
HALF_STEP = 2.0 ** -11
"""float16's unit roundoff: max pooling's backward adds overlapping windows' grads in the storage type."""


def _random(shape: tuple, dtype: type, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 3, shape).astype(dtype)


def _im2col(kernels: CudaKernels, x: np.ndarray, case: ConvCase) -> np.ndarray:
    return kernels.im2col(x, case.kernel, case.stride, case.padding, case.dilation)


def _col2im(kernels: CudaKernels, cols: np.ndarray, case: ConvCase) -> np.ndarray:
    return kernels.col2im(cols, case.shape[2:], case.kernel, case.stride, case.padding, case.dilation)


def _max_pool(kernels: CudaKernels, x: np.ndarray, case: PoolCase) -> tuple[np.ndarray, np.ndarray]:
    return kernels.max_pool2d_forward(x, case.kernel, case.stride, case.padding, case.dilation, case.ceil_mode)


def _avg_pool(kernels: CudaKernels, x: np.ndarray, case: PoolCase) -> np.ndarray:
    return kernels.avg_pool2d_forward(x, case.kernel, case.stride, case.padding, case.ceil_mode,
                                      case.count_include_pad, case.divisor_override)


def _avg_pool_backward(kernels: CudaKernels, grad_output: np.ndarray, case: PoolCase) -> np.ndarray:
    return kernels.avg_pool2d_backward(grad_output, case.shape[2:], case.kernel, case.stride, case.padding,
                                       case.ceil_mode, case.count_include_pad, case.divisor_override)


def _windows_per_pixel(case: PoolCase) -> int:
    """At most how many windows hold one pixel: ceil(effective kernel / stride) along each dim."""
    spans = [(kernel - 1) * dilation + 1 for kernel, dilation in zip(case.kernel, case.dilation)]
    return -(-spans[0] // case.stride[0]) * -(-spans[1] // case.stride[1])


# ---- im2col and col2im ----
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_CASES, ids=case_id)
def test_im2col_copies_each_window(host_kernels: CudaKernels, case: ConvCase, dtype: type) -> None:
    x = _random(case.shape, dtype)
    cols = _im2col(host_kernels, x, case)
    assert cols.dtype == dtype and cols.flags.c_contiguous
    expected = reference.im2col(x.astype(np.float64), case)
    np.testing.assert_array_equal(cols, expected.astype(dtype))
    assert not np.signbit(cols[expected == 0]).any(), "the padding must read as +0"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_CASES, ids=case_id)
def test_col2im_sums_what_each_pixel_gave(host_kernels: CudaKernels, case: ConvCase, dtype: type) -> None:
    cols = _random((*case.shape[:2], *case.kernel, *reference.conv_output_size(case)), dtype, seed=1)
    x = _col2im(host_kernels, cols, case)
    assert x.shape == case.shape and x.dtype == dtype
    terms = case.kernel[0] * case.kernel[1]  # a pixel sums at most kh * kw entries, one rounding each
    work = cols.astype(np.float64)
    assert_close(x, reference.col2im(work, case), rounding(dtype, terms * reference.col2im(np.abs(work), case)),
                 f"col2im {case_id(case)}")


@pytest.mark.parametrize("case", CONV_CASES[:2], ids=case_id)
def test_col2im_is_the_adjoint_of_im2col(host_kernels: CudaKernels, case: ConvCase) -> None:
    """<im2col(x), cols> == <x, col2im(cols)> in float64."""
    x, cols = _random(case.shape, np.float64), _random((*case.shape[:2], *case.kernel,
                                                        *reference.conv_output_size(case)), np.float64, seed=2)
    np.testing.assert_allclose(np.vdot(_im2col(host_kernels, x, case), cols),
                               np.vdot(x, _col2im(host_kernels, cols, case)), rtol=1e-13)


# ---- max pooling ----
def _with_ties_and_nan(shape: tuple, dtype: type) -> np.ndarray:
    """Small integers (ties in every window), two NaNs side by side, a row of -inf."""
    x = np.random.default_rng(3).integers(-2, 3, shape).astype(dtype)
    x[0, 0, 1, 1:3] = np.nan  # one window or two hold both: the later NaN is chosen, as in PyTorch
    x[-1, -1, -1, :] = -np.inf
    return x


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", MAX_POOL_CASES, ids=case_id)
def test_max_pool2d_forward_and_backward(host_kernels: CudaKernels, case: PoolCase, dtype: type) -> None:
    for x in (_random(case.shape, dtype), _with_ties_and_nan(case.shape, dtype)):
        out, indices = _max_pool(host_kernels, x, case)
        expected_out, expected_indices = reference.max_pool2d(x.astype(np.float64), case)
        assert out.dtype == dtype and indices.dtype == np.int64
        np.testing.assert_array_equal(indices, expected_indices, err_msg=f"indices {case_id(case)}")
        np.testing.assert_array_equal(out, expected_out.astype(dtype), err_msg=f"values {case_id(case)}")

        grad_output = _random(out.shape, dtype, seed=4)
        grad = host_kernels.max_pool2d_backward(grad_output, indices, case.shape[2:])
        work = grad_output.astype(np.float64)
        # overlapping windows add onto a pixel in the storage type: float16 rounds each sum to half
        windows = _windows_per_pixel(case)
        magnitude = reference.max_pool2d_backward(np.abs(work), indices, case.shape[2:])
        bound = windows * magnitude * (HALF_STEP if dtype == np.float16 else rounding(dtype, 1.0))
        assert_close(grad, reference.max_pool2d_backward(work, indices, case.shape[2:]), bound,
                     f"max_pool2d backward {case_id(case)}")


def test_max_pool2d_of_nan_windows_matches_pytorch_exactly(host_kernels: CudaKernels) -> None:
    x = np.array([[[[1.0, np.nan, 3.0, np.nan], [2.0, 2.0, 1.0, 2.0], [-np.inf, -np.inf, 0.0, -np.inf]]]])
    out, indices = host_kernels.max_pool2d_forward(x, (1, 4), (1, 1), (0, 0), (1, 1), False)
    assert np.isnan(out[0, 0, 0, 0]) and indices[0, 0, :, 0].tolist() == [3, 4, 10]  # last NaN; first 2; the 0
    out, indices = host_kernels.max_pool2d_forward(x[:, :, 2:, :2], (1, 2), (1, 1), (0, 0), (1, 1), False)
    assert out[0, 0, 0, 0] == -np.inf and indices[0, 0, 0, 0] == 0  # all -inf: the first


# ---- average pooling ----
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", AVG_POOL_CASES, ids=case_id)
def test_avg_pool2d_forward_and_backward(host_kernels: CudaKernels, case: PoolCase, dtype: type) -> None:
    x = _random(case.shape, dtype)
    out = _avg_pool(host_kernels, x, case)
    assert out.dtype == dtype
    terms = case.kernel[0] * case.kernel[1] + 1  # the window's additions, then the division
    work = x.astype(np.float64)
    assert_close(out, reference.avg_pool2d(work, case),
                 rounding(dtype, terms * reference.avg_pool2d(np.abs(work), case)), f"avg_pool2d {case_id(case)}")

    grad_output = _random(out.shape, dtype, seed=5)
    grad = _avg_pool_backward(host_kernels, grad_output, case)
    assert grad.shape == case.shape and grad.dtype == dtype
    windows = _windows_per_pixel(case) + 1  # a division per window, then the sum
    work = grad_output.astype(np.float64)
    assert_close(grad, reference.avg_pool2d_backward(work, case),
                 rounding(dtype, windows * reference.avg_pool2d_backward(np.abs(work), case)),
                 f"avg_pool2d backward {case_id(case)}")


def test_avg_pool2d_backward_refuses_a_grad_of_the_wrong_shape(host_kernels: CudaKernels) -> None:
    with pytest.raises(ValueError, match=r"\(1, 1, 3, 3\) for an input of \(6, 6\) pooled to \(2, 2\)"):
        host_kernels.avg_pool2d_backward(np.ones((1, 1, 3, 3)), (6, 6), (3, 3), (3, 3), (0, 0), False, True, None)


# ---- launches ----
def test_more_elements_than_the_grid(host_kernels: CudaKernels, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two blocks for every kernel: each thread takes elements (or planes) a whole grid apart."""
    monkeypatch.setattr(cuda_kernels, "MAX_BLOCKS", 2)
    conv, pool = CONV_CASES[1], PoolCase((3, 4, 9, 9), (3, 3), (2, 2), (1, 1), ceil_mode=True)
    x = _random(conv.shape, np.float32)
    np.testing.assert_array_equal(_im2col(host_kernels, x, conv), reference.im2col(x.astype(np.float64), conv))
    cols = _random((*conv.shape[:2], *conv.kernel, *reference.conv_output_size(conv)), np.float64)
    np.testing.assert_allclose(_col2im(host_kernels, cols, conv), reference.col2im(cols, conv), rtol=1e-14)
    x = _random(pool.shape, np.float64)
    out, indices = _max_pool(host_kernels, x, pool)
    np.testing.assert_array_equal(out, reference.max_pool2d(x, pool)[0])
    grad = _random(out.shape, np.float64, seed=1)
    np.testing.assert_allclose(host_kernels.max_pool2d_backward(grad, indices, pool.shape[2:]),
                               reference.max_pool2d_backward(grad, indices, pool.shape[2:]), rtol=1e-14)
    np.testing.assert_allclose(_avg_pool(host_kernels, x, pool), reference.avg_pool2d(x, pool), rtol=1e-14)
    np.testing.assert_allclose(_avg_pool_backward(host_kernels, grad, pool), reference.avg_pool2d_backward(grad, pool),
                               rtol=1e-14)
    assert all(host_kernels.runtime.functions[f"{name}_double"].launches for name in
               ("col2im", "max_pool2d_forward", "max_pool2d_backward", "avg_pool2d_forward", "avg_pool2d_backward"))
