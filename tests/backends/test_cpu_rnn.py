"""The CPU backend's fused LSTM and GRU cells (the interface of issue 14) against the formulas written out here
in float64, in every dtype: float16 is computed in float32 and rounded once."""
import numpy as np
import pytest

from minitorch.backends.cpu import cpu

TOLERANCE = {np.float64: 1e-13, np.float32: 2e-6, np.float16: 2e-3}


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def lstm_reference(gates, c_prev):
    i, f, g, o = np.split(gates, 4, axis=1)
    i, f, g, o = sigmoid(i), sigmoid(f), np.tanh(g), sigmoid(o)
    c = f * c_prev + i * g
    return o * np.tanh(c), c, np.concatenate([i, f, g, o], axis=1)


def gru_reference(input_gates, hidden_gates, h_prev, grad_h):
    (xr, xz, xn), (hr, hz, hn) = np.split(input_gates, 3, axis=1), np.split(hidden_gates, 3, axis=1)
    r, z = sigmoid(xr + hr), sigmoid(xz + hz)
    n = np.tanh(xn + r * hn)
    h = (1 - z) * n + z * h_prev
    dn = grad_h * (1 - z) * (1 - n * n)
    dr = dn * hn * r * (1 - r)
    dz = grad_h * (h_prev - n) * z * (1 - z)
    return ((h, np.concatenate([r, z, n], axis=1)),
            (np.concatenate([dr, dz, dn], axis=1), np.concatenate([dr, dz, dn * r], axis=1), grad_h * z))


def _check(results, expected, dtype):
    for result, reference in zip(results, expected):
        assert result.dtype == dtype and result.shape == reference.shape
        np.testing.assert_allclose(result.astype(np.float64), reference, rtol=TOLERANCE[dtype],
                                   atol=TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_lstm_cell(dtype):
    rng = np.random.default_rng(0)
    gates, c_prev, grad_h, grad_c = (rng.standard_normal(shape).astype(dtype) * 2
                                     for shape in ((5, 12), (5, 3), (5, 3), (5, 3)))
    gates[0, :3] = [-100.0, 100.0, 30.0]  # saturated gates: no overflow, no NaN
    h, c, activated = cpu.lstm_cell_forward(gates, c_prev)
    _check((h, c, activated), lstm_reference(gates.astype(np.float64), c_prev.astype(np.float64)), dtype)
    _check(cpu.lstm_cell_backward(grad_h, grad_c, activated, c_prev, c),
           _backward_from_rounded(activated, c_prev, c, grad_h, grad_c), dtype)


def _backward_from_rounded(activated, c_prev, c, grad_h, grad_c):
    """The LSTM backward's formula in float64 from the forward's results in their dtype, as the backend gets them."""
    i, f, g, o = np.split(activated.astype(np.float64), 4, axis=1)
    c_prev, c, grad_h, grad_c = (array.astype(np.float64) for array in (c_prev, c, grad_h, grad_c))
    dc = grad_c + grad_h * o * (1 - np.tanh(c) ** 2)
    return (np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g * g),
                            grad_h * np.tanh(c) * o * (1 - o)], axis=1), dc * f)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_gru_cell(dtype):
    rng = np.random.default_rng(1)
    input_gates, hidden_gates, h_prev, grad_h = (rng.standard_normal(shape).astype(dtype) * 2
                                                 for shape in ((4, 9), (4, 9), (4, 3), (4, 3)))
    input_gates[0, :2] = [-100.0, 100.0]
    forward, backward = gru_reference(*(array.astype(np.float64) for array in (input_gates, hidden_gates, h_prev,
                                                                                grad_h)))
    h, activated = cpu.gru_cell_forward(input_gates, hidden_gates, h_prev)
    _check((h, activated), forward, dtype)
    if dtype != np.float64:  # the backward from the forward's rounded activations, as the backend gets them
        r, z, n = np.split(activated.astype(np.float64), 3, axis=1)
        hn, h64, g64 = hidden_gates[:, 6:].astype(np.float64), h_prev.astype(np.float64), grad_h.astype(np.float64)
        dn = g64 * (1 - z) * (1 - n * n)
        dr, dz = dn * hn * r * (1 - r), g64 * (h64 - n) * z * (1 - z)
        backward = (np.concatenate([dr, dz, dn], 1), np.concatenate([dr, dz, dn * r], 1), g64 * z)
    _check(cpu.gru_cell_backward(grad_h, activated, hidden_gates, h_prev), backward, dtype)


def test_inputs_are_left_unchanged():
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(shape) for shape in ((3, 8), (3, 2), (3, 2), (3, 2))]
    copies = [array.copy() for array in arrays]
    h, c, activated = cpu.lstm_cell_forward(arrays[0], arrays[1])
    cpu.lstm_cell_backward(arrays[2], arrays[3], activated, arrays[1], c)
    gru = [rng.standard_normal(shape) for shape in ((3, 6), (3, 6), (3, 2), (3, 2))]
    gru_copies = [array.copy() for array in gru]
    h, activated = cpu.gru_cell_forward(*gru[:3])
    cpu.gru_cell_backward(gru[3], activated, gru[1], gru[2])
    for array, copy in zip(arrays + gru, copies + gru_copies):
        np.testing.assert_array_equal(array, copy)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_saturated_gates_keep_their_relative_accuracy(dtype):
    """A gate at -20 is σ(-20) = 2.06e-9, as PyTorch's and the kernels' sigmoid give, not the 0 that
    0.5 + 0.5 tanh(x/2) rounds to; likewise at -12 (6.144e-6, not 6.139e-6)."""
    hidden, values = 2, np.array([-20.0, -12.0])
    gates = np.tile(values, 4)[None].astype(dtype)
    _, _, activated = cpu.lstm_cell_forward(gates, np.zeros((1, hidden), dtype))
    exact = sigmoid(values)
    for block in (0, 1, 3):  # i, f, o
        np.testing.assert_allclose(activated[0, block * hidden:(block + 1) * hidden], exact, rtol=1e-6)
    input_gates = np.tile(values, 3)[None].astype(dtype)
    _, activated = cpu.gru_cell_forward(input_gates, np.zeros_like(input_gates), np.zeros((1, hidden), dtype))
    np.testing.assert_allclose(activated[0, :2 * hidden], np.tile(exact, 2), rtol=1e-6)  # r, z
