"""The checks of the cell kernels shared by the host execution (test_host_rnn.py) and the GPU
(test_gpu_rnn.py): a forward, then the backward from the forward's own outputs, each output against
rnn_reference.py. The kernels take and give the runtime's arrays; `to_device` makes them from NumPy."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from minitorch.backends.cuda_kernels import CudaKernels

from .accuracy import assert_close
from .rnn_reference import Tracked, gru_backward, gru_forward, lstm_backward, lstm_forward


def _on_host(array: Any) -> np.ndarray:
    """A CuPy array's copy in host memory; a NumPy array itself."""
    return array.get() if hasattr(array, "get") else array


def check_outputs(got: dict[str, Any], expected: dict[str, Tracked], dtype: np.dtype, what: str,
                  slack: float = 1.0) -> None:
    """Each output of dtype, within slack times its reference's error bound (and its own final rounding)."""
    assert set(got) == set(expected)
    for name, reference in expected.items():
        assert got[name].dtype == dtype, f"{what} {name}: {got[name].dtype}, expected {dtype}"
        value, error = reference.in_float64()
        assert_close(_on_host(got[name]), value, slack * error, f"{what} {name}")


def check_lstm(kernels: CudaKernels, gates: np.ndarray, c_prev: np.ndarray, grad_h: np.ndarray,
               grad_c: np.ndarray, what: str, to_device: Callable[[np.ndarray], Any] = np.asarray,
               slack: float = 1.0) -> None:
    """lstm_cell_forward, then lstm_cell_backward from its activated gates and c."""
    h, c, activated = kernels.lstm_cell_forward(to_device(gates), to_device(c_prev))
    check_outputs({"h": h, "c": c, "activated": activated}, lstm_forward(gates, c_prev), gates.dtype,
                  f"lstm forward {what}", slack)
    grad_gates, grad_c_prev = kernels.lstm_cell_backward(to_device(grad_h), to_device(grad_c), activated,
                                                         to_device(c_prev), c)
    check_outputs({"grad_gates": grad_gates, "grad_c_prev": grad_c_prev},
                  lstm_backward(grad_h, grad_c, _on_host(activated), c_prev, _on_host(c)), gates.dtype,
                  f"lstm backward {what}", slack)


def check_gru(kernels: CudaKernels, input_gates: np.ndarray, hidden_gates: np.ndarray, h_prev: np.ndarray,
              grad_h: np.ndarray, what: str, to_device: Callable[[np.ndarray], Any] = np.asarray,
              slack: float = 1.0) -> None:
    """gru_cell_forward, then gru_cell_backward from its activated gates."""
    h, activated = kernels.gru_cell_forward(to_device(input_gates), to_device(hidden_gates), to_device(h_prev))
    check_outputs({"h": h, "activated": activated}, gru_forward(input_gates, hidden_gates, h_prev), input_gates.dtype,
                  f"gru forward {what}", slack)
    grads = kernels.gru_cell_backward(to_device(grad_h), activated, to_device(hidden_gates), to_device(h_prev))
    check_outputs(dict(zip(("grad_input_gates", "grad_hidden_gates", "grad_h_prev"), grads)),
                  gru_backward(grad_h, _on_host(activated), hidden_gates, h_prev), input_gates.dtype,
                  f"gru backward {what}", slack)
