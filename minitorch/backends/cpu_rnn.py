"""The fused LSTM and GRU cells on the CPU: the formulas of kernels/rnn_cells.cuh as whole-array NumPy.

Gate blocks are column blocks of width H in PyTorch's order (LSTM i, f, g, o; GRU r, z, n). NumPy runs an op on
a column block (a strided view) several times slower than on a contiguous array of the same size, so the
formulas work on whole arrays where they can and write each result once, in place. float16 is computed in
float32 and rounded once at the end. The sigmoid is special_math.sigmoid, the activation's own: exact where it is
tiny, as PyTorch's and the kernels'.
"""
from __future__ import annotations

import numpy as np

from .special_math import sigmoid


def _work(array: np.ndarray) -> np.ndarray:
    """float16 is computed in float32, as on the GPU."""
    return array.astype(np.float32) if array.dtype == np.float16 else array


def _times_sigmoid_derivative_(grad: np.ndarray, activated: np.ndarray) -> None:
    """grad *= s (1 - s) in place, s = sigmoid(x) the activated value."""
    derivative = np.subtract(1, activated)
    derivative *= activated
    grad *= derivative


def lstm_cell_forward(gates: np.ndarray, c_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(h, c, activated) from the pre-activations gates (N, 4H) and c_prev (N, H): i, f, o = σ(·), g = tanh(·),
    c = f c_prev + i g, h = o tanh(c); activated = [i | f | g | o] for the backward."""
    work, hidden = _work(gates), gates.shape[1] // 4
    activated = np.empty_like(work)
    sigmoid(work[:, :2 * hidden], out=activated[:, :2 * hidden])
    np.tanh(work[:, 2 * hidden:3 * hidden], out=activated[:, 2 * hidden:3 * hidden])
    sigmoid(work[:, 3 * hidden:], out=activated[:, 3 * hidden:])
    i, f, g, o = (activated[:, k * hidden:(k + 1) * hidden] for k in range(4))
    c = np.multiply(f, _work(c_prev))
    c += np.multiply(i, g)
    h = np.tanh(c)
    h *= o
    dtype = gates.dtype
    return h.astype(dtype, copy=False), c.astype(dtype, copy=False), activated.astype(dtype, copy=False)


def lstm_cell_backward(grad_h: np.ndarray, grad_c: np.ndarray, activated: np.ndarray, c_prev: np.ndarray,
                       c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(grad_gates (N, 4H), grad_c_prev (N, H)): with tc = tanh(c), dc = grad_c + grad_h o (1 - tc²);
    grad_gates = [dc g i(1-i) | dc c_prev f(1-f) | dc i (1-g²) | grad_h tc o(1-o)], grad_c_prev = dc f."""
    act, grad_h, hidden = _work(activated), _work(grad_h), activated.shape[1] // 4
    i, f, g, o = (act[:, k * hidden:(k + 1) * hidden] for k in range(4))
    grad_gates = np.empty_like(act)
    grad_i, grad_f, grad_g, grad_o = (grad_gates[:, k * hidden:(k + 1) * hidden] for k in range(4))
    tanh_c = np.tanh(_work(c))
    np.multiply(grad_h, tanh_c, out=grad_o)
    dc = np.multiply(tanh_c, tanh_c, out=tanh_c)
    np.subtract(1, dc, out=dc)
    dc *= o
    dc *= grad_h
    dc += _work(grad_c)
    np.multiply(dc, g, out=grad_i)
    np.multiply(dc, _work(c_prev), out=grad_f)
    np.multiply(dc, i, out=grad_g)
    _times_sigmoid_derivative_(grad_gates[:, :2 * hidden], act[:, :2 * hidden])
    _times_sigmoid_derivative_(grad_o, o)
    tanh_derivative = np.multiply(g, g)
    np.subtract(1, tanh_derivative, out=tanh_derivative)
    grad_g *= tanh_derivative
    dc *= f
    dtype = activated.dtype
    return grad_gates.astype(dtype, copy=False), dc.astype(dtype, copy=False)


def gru_cell_forward(input_gates: np.ndarray, hidden_gates: np.ndarray,
                     h_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(h, activated) from input_gates = x W_ihᵀ + b_ih and hidden_gates = h_prev W_hhᵀ + b_hh (both (N, 3H)):
    r, z = σ(x + h), n = tanh(xn + r hn) (b_hn inside the product, as PyTorch), h = (1 - z) n + z h_prev;
    activated = [r | z | n]."""
    x, hg, hidden = _work(input_gates), _work(hidden_gates), input_gates.shape[1] // 3
    activated = np.empty_like(x)
    r_and_z, n = activated[:, :2 * hidden], activated[:, 2 * hidden:]
    np.add(x[:, :2 * hidden], hg[:, :2 * hidden], out=r_and_z)
    sigmoid(r_and_z, out=r_and_z)
    r, z = activated[:, :hidden], activated[:, hidden:2 * hidden]
    np.multiply(r, hg[:, 2 * hidden:], out=n)
    n += x[:, 2 * hidden:]
    np.tanh(n, out=n)
    h = np.subtract(_work(h_prev), n)  # (1 - z) n + z h_prev = n + z (h_prev - n)
    h *= z
    h += n
    dtype = input_gates.dtype
    return h.astype(dtype, copy=False), activated.astype(dtype, copy=False)


def gru_cell_backward(grad_h: np.ndarray, activated: np.ndarray, hidden_gates: np.ndarray,
                      h_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(grad_input_gates, grad_hidden_gates, grad_h_prev): dn = grad_h (1 - z) (1 - n²), dr = dn hn r (1 - r),
    dz = grad_h (h_prev - n) z (1 - z); grad_input_gates = [dr | dz | dn], grad_hidden_gates = [dr | dz | dn r],
    grad_h_prev = grad_h z (the part through W_hh is the caller's matmul)."""
    act, grad_h, hidden = _work(activated), _work(grad_h), activated.shape[1] // 3
    r, z, n = (act[:, k * hidden:(k + 1) * hidden] for k in range(3))
    grad_input = np.empty_like(act)
    grad_r, grad_z, grad_n = (grad_input[:, k * hidden:(k + 1) * hidden] for k in range(3))
    np.subtract(_work(h_prev), n, out=grad_z)
    grad_z *= grad_h
    grad_h_prev = np.multiply(grad_h, z)
    np.subtract(grad_h, grad_h_prev, out=grad_n)  # grad_h (1 - z)
    tanh_derivative = np.multiply(n, n)
    np.subtract(1, tanh_derivative, out=tanh_derivative)
    grad_n *= tanh_derivative
    np.multiply(grad_n, _work(hidden_gates)[:, 2 * hidden:], out=grad_r)
    _times_sigmoid_derivative_(grad_input[:, :2 * hidden], act[:, :2 * hidden])
    grad_hidden = grad_input.copy()
    grad_hidden[:, 2 * hidden:] *= r
    dtype = activated.dtype
    return (grad_input.astype(dtype, copy=False), grad_hidden.astype(dtype, copy=False),
            grad_h_prev.astype(dtype, copy=False))
