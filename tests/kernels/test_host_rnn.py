"""The LSTM and GRU cell kernels (kernels/rnn.cu, their math kernels/rnn_cells.cuh) executed on the host
through CudaKernels unchanged, against the long double references of rnn_reference.py, in float16, float32 and
float64: every element within the roundings its formula makes, saturated gates, zeros, NaN kept to its own
element, the backward against central differences of the forward, any grid, and the argument checks."""
from __future__ import annotations

import numpy as np
import pytest

from minitorch.backends import cuda_kernels
from minitorch.backends.cuda_kernels import CudaKernels

from .rnn_checks import check_gru, check_lstm, check_outputs
from .rnn_reference import gru_forward, lstm_forward

DTYPES = [np.float16, np.float32, np.float64]
SHAPES = [(1, 1), (1, 7), (5, 1), (3, 5), (7, 33), (2, 300)]
"""(batch, hidden): one element, one row, one column, odd sizes, more elements than a block of threads."""


def _random(shape: tuple, dtype: type, seed: int, scale: float = 2.0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, scale, shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: "x".join(map(str, shape)))
def test_lstm_cell(host_kernels: CudaKernels, shape: tuple, dtype: type) -> None:
    batch, hidden = shape
    check_lstm(host_kernels, _random((batch, 4 * hidden), dtype, 0, scale=3.0), _random(shape, dtype, 1),
               _random(shape, dtype, 2), _random(shape, dtype, 3), f"{shape}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: "x".join(map(str, shape)))
def test_gru_cell(host_kernels: CudaKernels, shape: tuple, dtype: type) -> None:
    batch, hidden = shape
    check_gru(host_kernels, _random((batch, 3 * hidden), dtype, 0), _random((batch, 3 * hidden), dtype, 1),
              _random(shape, dtype, 2), _random(shape, dtype, 3), f"{shape}")


# ---- element by element: saturated gates, zeros, NaN ----
SPECIAL = [0.0, -0.0, 30.0, -30.0, 1e-3, -2.5, np.inf, -np.inf]
"""Pre-activations: zeros, saturated (σ(±30) is 1 or 9.4e-14, tanh(±30) is ±1 in float), small, infinite."""


def _every_combination(count: int, values: list[float]) -> np.ndarray:
    """(len(values) ** count, count): each column a gate block's pre-activation, every combination once."""
    grid = np.meshgrid(*[np.array(values)] * count, indexing="ij")
    return np.stack([axis.reshape(-1) for axis in grid], axis=1)


@pytest.mark.parametrize("dtype", DTYPES)
def test_lstm_cell_of_saturated_zero_and_infinite_gates(host_kernels: CudaKernels, dtype: type) -> None:
    """Every combination of SPECIAL in i, f, g, o as hidden = 1 (N = 4096 rows), c_prev and gradients of 0
    and ±3: within the references' bounds, and exact where the gates saturate."""
    gates = _every_combination(4, SPECIAL).astype(dtype)
    rows = gates.shape[0]
    c_prev = np.resize(np.array([0.0, 3.0, -3.0], dtype), (rows, 1))
    grad = np.resize(np.array([0.0, 1.5, -3.0, 0.25], dtype), (rows, 1))
    check_lstm(host_kernels, gates, c_prev, grad, grad[::-1].copy(), "special values")
    _, c, activated = host_kernels.lstm_cell_forward(gates, c_prev)
    saturated = (gates == 30).all(axis=1)  # i = f = o = 1 and g = 1 in float and half: c = c_prev + 1
    if dtype != np.float64:
        np.testing.assert_array_equal(activated[saturated], 1)
        np.testing.assert_array_equal(c[saturated], c_prev[saturated] + 1)
        grad_gates, _ = host_kernels.lstm_cell_backward(grad, grad, activated, c_prev, c)
        np.testing.assert_array_equal(grad_gates[saturated], 0)  # σ'(30) = 1 - 1 = 0 in float, as PyTorch's


@pytest.mark.parametrize("dtype", DTYPES)
def test_gru_cell_of_saturated_zero_and_infinite_gates(host_kernels: CudaKernels, dtype: type) -> None:
    """Every combination of SPECIAL in the input gates (N = 512, hidden = 1) against hidden gates of 0, ±30
    and ±1: within the references' bounds."""
    input_gates = _every_combination(3, SPECIAL).astype(dtype)
    rows = input_gates.shape[0]
    hidden_gates = np.resize(np.array([[0.0, 0.0, 0.0], [30.0, -30.0, 1.0], [-1.0, 30.0, -30.0]], dtype), (rows, 3))
    h_prev = np.resize(np.array([0.0, 2.0, -0.5], dtype), (rows, 1))
    grad_h = np.resize(np.array([0.0, 1.5, -3.0, 0.25], dtype), (rows, 1))
    check_gru(host_kernels, input_gates, hidden_gates, h_prev, grad_h, "special values")


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_nan_stays_in_its_element(host_kernels: CudaKernels, dtype: type) -> None:
    """A NaN in one gate of element (n, j) makes that element's outputs NaN (and, where the formulas read it,
    its gradients), and no other element's."""
    batch, hidden = 3, 5
    gates = _random((batch, 4 * hidden), dtype, 4)
    c_prev = _random((batch, hidden), dtype, 5)
    gates[1, 2 * hidden + 3] = np.nan  # g of element (1, 3)
    h, c, activated = host_kernels.lstm_cell_forward(gates, c_prev)
    nan_element = np.zeros((batch, hidden), bool)
    nan_element[1, 3] = True
    np.testing.assert_array_equal(np.isnan(h), nan_element)
    np.testing.assert_array_equal(np.isnan(c), nan_element)
    np.testing.assert_array_equal(np.isnan(activated), np.isnan(gates))
    grad_gates, grad_c_prev = host_kernels.lstm_cell_backward(np.ones_like(h), np.zeros_like(c), activated, c_prev, c)
    np.testing.assert_array_equal(np.isnan(grad_c_prev), nan_element)
    np.testing.assert_array_equal(np.isnan(grad_gates), np.tile(nan_element, 4))

    input_gates, hidden_gates = _random((batch, 3 * hidden), dtype, 6), _random((batch, 3 * hidden), dtype, 7)
    h_prev = _random((batch, hidden), dtype, 8)
    hidden_gates[2, hidden + 0] = np.nan  # hz of element (2, 0): z and h are NaN there, r and n are not
    h, activated = host_kernels.gru_cell_forward(input_gates, hidden_gates, h_prev)
    nan_element = np.zeros((batch, hidden), bool)
    nan_element[2, 0] = True
    np.testing.assert_array_equal(np.isnan(h), nan_element)
    np.testing.assert_array_equal(np.isnan(activated), np.isnan(hidden_gates))
    grad_input_gates, grad_hidden_gates, grad_h_prev = host_kernels.gru_cell_backward(np.ones_like(h), activated,
                                                                                      hidden_gates, h_prev)
    np.testing.assert_array_equal(np.isnan(grad_h_prev), nan_element)
    np.testing.assert_array_equal(np.isnan(grad_input_gates), np.tile(nan_element, 3))
    np.testing.assert_array_equal(np.isnan(grad_hidden_gates), np.tile(nan_element, 3))


# ---- the backward is the forward's derivative ----
def _central_difference(function, arrays: list[np.ndarray], index: int, weights: list[np.ndarray],
                        step: float = 1e-6) -> np.ndarray:
    """d/d arrays[index] of Σ weights · function(*arrays), by central differences, element by element."""
    gradient = np.zeros_like(arrays[index])
    for position in np.ndindex(arrays[index].shape):
        sums = []
        for sign in (1, -1):
            moved = [array.copy() for array in arrays]
            moved[index][position] += sign * step
            sums.append(sum(float((weight * output).sum()) for weight, output in zip(weights, function(*moved))))
        gradient[position] = (sums[0] - sums[1]) / (2 * step)
    return gradient


def test_lstm_backward_is_the_derivative_of_the_forward(host_kernels: CudaKernels) -> None:
    gates, c_prev = _random((2, 12), np.float64, 9), _random((2, 3), np.float64, 10)
    grad_h, grad_c = _random((2, 3), np.float64, 11), _random((2, 3), np.float64, 12)

    def forward(gates: np.ndarray, c_prev: np.ndarray) -> tuple:
        return host_kernels.lstm_cell_forward(gates, c_prev)[:2]

    h, c, activated = host_kernels.lstm_cell_forward(gates, c_prev)
    grad_gates, grad_c_prev = host_kernels.lstm_cell_backward(grad_h, grad_c, activated, c_prev, c)
    for index, analytic in enumerate((grad_gates, grad_c_prev)):
        numerical = _central_difference(forward, [gates, c_prev], index, [grad_h, grad_c])
        np.testing.assert_allclose(analytic, numerical, rtol=1e-7, atol=1e-9)


def test_gru_backward_is_the_derivative_of_the_forward(host_kernels: CudaKernels) -> None:
    """grad_h_prev is the part of h_prev's gradient that does not pass through hidden_gates (held fixed)."""
    input_gates, hidden_gates = _random((2, 9), np.float64, 13), _random((2, 9), np.float64, 14)
    h_prev, grad_h = _random((2, 3), np.float64, 15), _random((2, 3), np.float64, 16)

    def forward(input_gates: np.ndarray, hidden_gates: np.ndarray, h_prev: np.ndarray) -> tuple:
        return host_kernels.gru_cell_forward(input_gates, hidden_gates, h_prev)[:1]

    _, activated = host_kernels.gru_cell_forward(input_gates, hidden_gates, h_prev)
    analytic = host_kernels.gru_cell_backward(grad_h, activated, hidden_gates, h_prev)
    for index, gradient in enumerate(analytic):
        numerical = _central_difference(forward, [input_gates, hidden_gates, h_prev], index, [grad_h])
        np.testing.assert_allclose(gradient, numerical, rtol=1e-7, atol=1e-9)


# ---- launches: any grid, any layout, the argument checks ----
def test_the_cells_take_more_elements_than_the_grid(host_kernels: CudaKernels,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cuda_kernels, "MAX_BLOCKS", 2)  # 2 blocks of 256 threads for 5 x 300 elements
    shape = (5, 300)
    check_lstm(host_kernels, _random((5, 1200), np.float32, 17), _random(shape, np.float32, 18),
               _random(shape, np.float32, 19), _random(shape, np.float32, 20), "on 2 blocks")
    check_gru(host_kernels, _random((5, 900), np.float32, 21), _random((5, 900), np.float32, 22),
              _random(shape, np.float32, 23), _random(shape, np.float32, 24), "on 2 blocks")


def test_the_cells_read_any_layout_and_take_the_first_arrays_dtype(host_kernels: CudaKernels) -> None:
    """Transposed and sliced inputs are made contiguous; the others are converted to the gates' dtype."""
    gates = _random((16, 6), np.float32, 25).T[:, ::2]  # (6, 8): not contiguous
    c_prev = _random((6, 2), np.float64, 26)
    h, c, activated = host_kernels.lstm_cell_forward(gates, c_prev)
    expected = lstm_forward(np.ascontiguousarray(gates), c_prev.astype(np.float32))
    check_outputs({"h": h, "c": c, "activated": activated}, expected, np.dtype(np.float32), "lstm forward of a slice")
    input_gates = _random((9, 8), np.float64, 27)[::2, 1:7]  # (5, 6)
    hidden_gates, h_prev = _random((5, 6), np.float16, 28), _random((2, 5), np.float32, 29).T
    h, activated = host_kernels.gru_cell_forward(input_gates, hidden_gates, h_prev)
    expected = gru_forward(np.ascontiguousarray(input_gates), hidden_gates.astype(np.float64),
                           h_prev.astype(np.float64))
    check_outputs({"h": h, "activated": activated}, expected, np.dtype(np.float64), "gru forward of slices")


def test_an_empty_batch_gives_empty_outputs(host_kernels: CudaKernels) -> None:
    h, c, activated = host_kernels.lstm_cell_forward(np.zeros((0, 8), np.float32), np.zeros((0, 2), np.float32))
    assert h.shape == c.shape == (0, 2) and activated.shape == (0, 8)
    grad_input_gates, grad_hidden_gates, grad_h_prev = host_kernels.gru_cell_backward(
        np.zeros((0, 3)), np.zeros((0, 9)), np.zeros((0, 9)), np.zeros((0, 3)))
    assert grad_input_gates.shape == grad_hidden_gates.shape == (0, 9) and grad_h_prev.shape == (0, 3)


def test_the_cells_refuse_arrays_of_the_wrong_shape_or_dtype(host_kernels: CudaKernels) -> None:
    state = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"lstm_cell_forward: gates of shape \(2, 9\) for c_prev of shape \(2, 3\) "
                                         r"\(expected \(2, 12\)\)"):
        host_kernels.lstm_cell_forward(np.zeros((2, 9)), state)
    with pytest.raises(ValueError, match=r"lstm_cell_forward: c_prev must be \(batch, hidden\), not of shape \(3,\)"):
        host_kernels.lstm_cell_forward(np.zeros((1, 12)), np.zeros(3))
    with pytest.raises(ValueError, match=r"lstm_cell_backward: grad_c of shape \(3, 3\) for c of shape \(2, 3\)"):
        host_kernels.lstm_cell_backward(state, np.zeros((3, 3)), np.zeros((2, 12)), state, state)
    with pytest.raises(ValueError, match=r"gru_cell_forward: hidden_gates of shape \(2, 6\) for h_prev of shape "
                                         r"\(2, 3\) \(expected \(2, 9\)\)"):
        host_kernels.gru_cell_forward(np.zeros((2, 9)), np.zeros((2, 6)), state)
    with pytest.raises(ValueError, match=r"gru_cell_backward: activated of shape \(2, 12\) for h_prev"):
        host_kernels.gru_cell_backward(state, np.zeros((2, 12)), np.zeros((2, 9)), state)
    with pytest.raises(TypeError, match="lstm_cell_forward: our CUDA kernels take float16, float32 or float64 "
                                        "arrays, not int64"):
        host_kernels.lstm_cell_forward(np.zeros((2, 12), np.int64), state)
