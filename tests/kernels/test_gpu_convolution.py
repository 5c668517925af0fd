"""The convolution and pooling kernels launched on a real GPU through CudaKernels (CuPy), against the float64
loop nests of conv_reference.py (marked gpu: skipped, with the reason, where no GPU is usable). Besides the
small cases of the host tests: MNIST-CNN shapes (many blocks), and the device's own float16 conversions."""
from __future__ import annotations

import numpy as np
import pytest

from minitorch.backends.cuda_kernels import CudaKernels

from . import conv_reference as reference
from .conv_reference import AVG_POOL_CASES, CONV_CASES, MAX_POOL_CASES, ConvCase, PoolCase, case_id

pytestmark = pytest.mark.gpu

DTYPES = [np.float16, np.float32, np.float64]
CLOSE = {np.float16: dict(rtol=2e-3, atol=2e-3), np.float32: dict(rtol=1e-5, atol=1e-5),
         np.float64: dict(rtol=1e-13, atol=1e-13)}
"""Sums of a few to a few dozen terms, in another order than the reference's; a wrong window is off by O(1)."""

MNIST_CONV = [ConvCase((64, 1, 28, 28), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1)),
              ConvCase((64, 32, 14, 14), (3, 3), (1, 1), (0, 0, 0, 0), (1, 1))]
LARGE_POOL = PoolCase((4, 32, 28, 28), (2, 2), (2, 2), (0, 0))


@pytest.fixture(scope="module")
def kernels(gpu: None) -> CudaKernels:
    return CudaKernels()


def _random(shape: tuple, dtype: type, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 3, shape).astype(dtype)


def _on_gpu(array: np.ndarray):
    import cupy

    return cupy.asarray(array)


def _assert_close(gpu_array, exact: np.ndarray, dtype: type, what: str) -> None:
    assert gpu_array.dtype == dtype, what
    np.testing.assert_allclose(gpu_array.get().astype(np.float64), exact, **CLOSE[dtype], err_msg=what)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_CASES + MNIST_CONV, ids=case_id)
def test_im2col_and_col2im_on_the_gpu(kernels: CudaKernels, case: ConvCase, dtype: type) -> None:
    x = _random(case.shape, dtype)
    cols = kernels.im2col(_on_gpu(x), case.kernel, case.stride, case.padding, case.dilation)
    np.testing.assert_array_equal(cols.get(), reference.im2col(x.astype(np.float64), case).astype(dtype))
    grad_cols = _random(cols.shape, dtype, seed=1)
    grad = kernels.col2im(_on_gpu(grad_cols), case.shape[2:], case.kernel, case.stride, case.padding, case.dilation)
    _assert_close(grad, reference.col2im(grad_cols.astype(np.float64), case), dtype, f"col2im {case_id(case)}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", MAX_POOL_CASES + [LARGE_POOL], ids=case_id)
def test_max_pool2d_on_the_gpu(kernels: CudaKernels, case: PoolCase, dtype: type) -> None:
    x = np.random.default_rng(2).integers(-2, 3, case.shape).astype(dtype)  # ties everywhere
    x.reshape(-1)[::11] = np.nan
    out, indices = kernels.max_pool2d_forward(_on_gpu(x), case.kernel, case.stride, case.padding, case.dilation,
                                              case.ceil_mode)
    expected_out, expected_indices = reference.max_pool2d(x.astype(np.float64), case)
    np.testing.assert_array_equal(indices.get(), expected_indices)
    np.testing.assert_array_equal(out.get(), expected_out.astype(dtype))
    grad_output = _random(out.shape, dtype, seed=3)
    grad = kernels.max_pool2d_backward(_on_gpu(grad_output), indices, case.shape[2:])
    _assert_close(grad, reference.max_pool2d_backward(grad_output.astype(np.float64), expected_indices,
                                                      case.shape[2:]), dtype, f"max_pool2d backward {case_id(case)}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", AVG_POOL_CASES + [LARGE_POOL], ids=case_id)
def test_avg_pool2d_on_the_gpu(kernels: CudaKernels, case: PoolCase, dtype: type) -> None:
    x = _random(case.shape, dtype)
    out = kernels.avg_pool2d_forward(_on_gpu(x), case.kernel, case.stride, case.padding, case.ceil_mode,
                                     case.count_include_pad, case.divisor_override)
    _assert_close(out, reference.avg_pool2d(x.astype(np.float64), case), dtype, f"avg_pool2d {case_id(case)}")
    grad_output = _random(out.shape, dtype, seed=4)
    grad = kernels.avg_pool2d_backward(_on_gpu(grad_output), case.shape[2:], case.kernel, case.stride, case.padding,
                                       case.ceil_mode, case.count_include_pad, case.divisor_override)
    _assert_close(grad, reference.avg_pool2d_backward(grad_output.astype(np.float64), case), dtype,
                  f"avg_pool2d backward {case_id(case)}")
