"""References for the LSTM and GRU cell kernels (the backend interface of issue 14), written here from the
interface's formulas, not from kernels/: each value exact to long double (64-bit significand), with the error
a float computation of it may make, the roundings of its steps propagated to first order (an error e in a is
σ'(a) e after σ), so that saturated gates (1 - σ(30) is 0 in float32) and cancellations are judged against
the terms the kernel rounds and not only its result. Used by rnn_checks.py (the host and GPU tests) and
host_report.py.
"""
from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import numpy as np

FUNCTION_ROUNDINGS = 8
"""σ and tanh within 8 unit roundoffs of their value: e^-|x| (CUDA's expf: 2 ulp), 1 + it and the quotient."""


def _nan_quiet(operation: Callable) -> Callable:
    """operation without NumPy's warning for 0 · inf and inf - inf: NaN there is the math's, as the kernels'."""
    @functools.wraps(operation)
    def quiet(*args: Tracked) -> Tracked:
        with np.errstate(invalid="ignore"):
            return operation(*args)
    return quiet


class Tracked(NamedTuple):
    """An exact value (long double) and the bound (float64) of a float computation's error in it."""

    value: np.ndarray
    error: np.ndarray
    unit: float  # the unit roundoff of the compute type

    def _new(self, value: np.ndarray, error: np.ndarray) -> Tracked:
        return Tracked(value, error + self.unit * np.abs(value.astype(np.float64)), self.unit)

    def in_float64(self) -> tuple[np.ndarray, np.ndarray]:
        """(the value rounded to float64, the error bound widened by that rounding, half a float64 ulp: the
        long double value rounded twice may land a step from the kernel's correctly rounded float64)."""
        value = self.value.astype(np.float64)
        return value, self.error + np.abs(value) * 2.0 ** -53

    @_nan_quiet
    def __add__(self, other: Tracked) -> Tracked:
        return self._new(self.value + other.value, self.error + other.error)

    @_nan_quiet
    def __sub__(self, other: Tracked) -> Tracked:
        return self._new(self.value - other.value, self.error + other.error)

    @_nan_quiet
    def __mul__(self, other: Tracked) -> Tracked:
        error = (np.abs(self.value) * other.error + np.abs(other.value) * self.error).astype(np.float64)
        return self._new(self.value * other.value, error + self.error * other.error)

    def one_minus(self) -> Tracked:
        return self._new(1 - self.value, self.error)

    def sigmoid(self) -> Tracked:
        with np.errstate(over="ignore"):
            value = 1 / (1 + np.exp(-self.value))
        return self._function(value, value * (1 - value))

    def tanh(self) -> Tracked:
        value = np.tanh(self.value)
        return self._function(value, 1 - value * value)

    def _function(self, value: np.ndarray, derivative: np.ndarray) -> Tracked:
        with np.errstate(invalid="ignore"):  # 0 · inf where an infinite input saturates the function
            propagated = np.nan_to_num((derivative * self.error).astype(np.float64), nan=0.0)
        return Tracked(value, propagated + FUNCTION_ROUNDINGS * self.unit * np.abs(value.astype(np.float64)),
                       self.unit)


def exact(array: np.ndarray) -> Tracked:
    """An input of the kernel: read exactly (its own dtype's value), computed in dtype's compute type (float
    for float16)."""
    compute = np.float32 if array.dtype == np.float16 else array.dtype
    return Tracked(array.astype(np.longdouble), np.zeros(array.shape), float(np.finfo(compute).eps) / 2)


def blocks(array: np.ndarray, count: int) -> list[Tracked]:
    """The count column blocks of width hidden of a (batch, count * hidden) input."""
    return [exact(block) for block in np.split(array, count, axis=1)]


def joined(parts: list[Tracked]) -> Tracked:
    """Column blocks side by side, as the kernels write [i | f | g | o] or [r | z | n]."""
    return Tracked(np.concatenate([part.value for part in parts], axis=1),
                   np.concatenate([part.error for part in parts], axis=1), parts[0].unit)


def lstm_forward(gates: np.ndarray, c_prev: np.ndarray) -> dict[str, Tracked]:
    """h, c, activated of lstm_cell_forward: i, f, g, o = σ, σ, tanh, σ; c = f c_prev + i g; h = o tanh(c)."""
    pre_i, pre_f, pre_g, pre_o = blocks(gates, 4)
    i, f, g, o = pre_i.sigmoid(), pre_f.sigmoid(), pre_g.tanh(), pre_o.sigmoid()
    c = f * exact(c_prev) + i * g
    return {"h": o * c.tanh(), "c": c, "activated": joined([i, f, g, o])}


def lstm_backward(grad_h: np.ndarray, grad_c: np.ndarray, activated: np.ndarray, c_prev: np.ndarray,
                  c: np.ndarray) -> dict[str, Tracked]:
    """grad_gates and grad_c_prev of lstm_cell_backward, from the saved activated gates and c."""
    i, f, g, o = blocks(activated, 4)
    dh, tanh_c = exact(grad_h), exact(c).tanh()
    dc = exact(grad_c) + dh * o * (tanh_c * tanh_c).one_minus()
    grad_gates = [dc * g * (i * i.one_minus()), dc * exact(c_prev) * (f * f.one_minus()),
                  dc * i * (g * g).one_minus(), dh * tanh_c * (o * o.one_minus())]
    return {"grad_gates": joined(grad_gates), "grad_c_prev": dc * f}


def gru_forward(input_gates: np.ndarray, hidden_gates: np.ndarray, h_prev: np.ndarray) -> dict[str, Tracked]:
    """h, activated of gru_cell_forward: r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r hn);
    h = (1 - z) n + z h_prev."""
    (xr, xz, xn), (hr, hz, hn) = blocks(input_gates, 3), blocks(hidden_gates, 3)
    r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
    n = (xn + r * hn).tanh()
    return {"h": z.one_minus() * n + z * exact(h_prev), "activated": joined([r, z, n])}


def gru_backward(grad_h: np.ndarray, activated: np.ndarray, hidden_gates: np.ndarray,
                 h_prev: np.ndarray) -> dict[str, Tracked]:
    """grad_input_gates, grad_hidden_gates and grad_h_prev of gru_cell_backward."""
    r, z, n = blocks(activated, 3)
    hn = blocks(hidden_gates, 3)[2]
    dh = exact(grad_h)
    dn_pre = dh * z.one_minus() * (n * n).one_minus()
    dz_pre = dh * (exact(h_prev) - n) * (z * z.one_minus())
    dr_pre = dn_pre * hn * (r * r.one_minus())
    return {"grad_input_gates": joined([dr_pre, dz_pre, dn_pre]),
            "grad_hidden_gates": joined([dr_pre, dz_pre, dn_pre * r]), "grad_h_prev": dh * z}
