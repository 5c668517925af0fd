"""The LSTM and GRU cell kernels on a real GPU (CuPy arrays, the module NVRTC built for the device) against
the long double references of rnn_reference.py, as test_host_rnn.py checks them on the host (marked gpu:
skipped, with the reason, where no GPU is usable). The bounds are twice the host's: CUDA's expf and tanhf
are within 2 ulp where glibc's are within 1, and the device fuses a * b + c."""
from __future__ import annotations

import numpy as np
import pytest

from minitorch.backends import cuda_kernels
from minitorch.backends.cuda_kernels import CudaKernels

from .rnn_checks import check_gru, check_lstm

pytestmark = pytest.mark.gpu

DTYPES = [np.float16, np.float32, np.float64]
SHAPES = [(1, 1), (5, 1), (7, 33), (64, 256)]
SLACK = 2.0


@pytest.fixture(scope="module")
def kernels(gpu: None) -> CudaKernels:
    return CudaKernels()


def _on_gpu(array: np.ndarray):
    import cupy

    return cupy.asarray(array)


def _random(shape: tuple, dtype: type, seed: int, scale: float = 2.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, scale, shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: "x".join(map(str, shape)))
def test_lstm_cell_on_the_gpu(kernels: CudaKernels, shape: tuple, dtype: type) -> None:
    batch, hidden = shape
    check_lstm(kernels, _random((batch, 4 * hidden), dtype, 0, scale=3.0), _random(shape, dtype, 1),
               _random(shape, dtype, 2), _random(shape, dtype, 3), f"{shape} on the GPU", _on_gpu, SLACK)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: "x".join(map(str, shape)))
def test_gru_cell_on_the_gpu(kernels: CudaKernels, shape: tuple, dtype: type) -> None:
    batch, hidden = shape
    check_gru(kernels, _random((batch, 3 * hidden), dtype, 0), _random((batch, 3 * hidden), dtype, 1),
              _random(shape, dtype, 2), _random(shape, dtype, 3), f"{shape} on the GPU", _on_gpu, SLACK)


@pytest.mark.parametrize("dtype", DTYPES)
def test_saturated_zero_and_nan_gates_on_the_gpu(kernels: CudaKernels, dtype: type) -> None:
    """Pre-activations of 0, ±30, ±inf and NaN in every gate block (the device's own float16 conversions and
    math library): within the bounds, NaN where the references have NaN."""
    values = np.array([0.0, -0.0, 30.0, -30.0, 1e-3, -2.5, np.inf, -np.inf, np.nan])
    gates = np.resize(values, (9 * 8, 4)).astype(dtype)
    gates[:, 1::2] = gates[::-1, 1::2]  # other combinations in f and o
    state = np.resize(np.array([0.0, 3.0, -3.0], dtype), (gates.shape[0], 1))
    grad = np.resize(np.array([0.0, 1.5, -3.0, 0.25], dtype), state.shape)
    check_lstm(kernels, gates, state, grad, grad[::-1].copy(), "special values on the GPU", _on_gpu, SLACK)
    check_gru(kernels, gates[:, :3].copy(), gates[::-1, 1:].copy(), state, grad, "special values on the GPU",
              _on_gpu, SLACK)


def test_a_grid_smaller_than_the_state_on_the_gpu(kernels: CudaKernels, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cuda_kernels, "MAX_BLOCKS", 3)  # 768 threads for 40 x 300 elements
    shape = (40, 300)
    check_lstm(kernels, _random((40, 1200), np.float32, 4), _random(shape, np.float32, 5),
               _random(shape, np.float32, 6), _random(shape, np.float32, 7), "on 3 blocks", _on_gpu, SLACK)
    check_gru(kernels, _random((40, 900), np.float32, 8), _random((40, 900), np.float32, 9),
              _random(shape, np.float32, 10), _random(shape, np.float32, 11), "on 3 blocks", _on_gpu, SLACK)
