"""The fused LSTM and GRU cell updates on the GPU (kernels/rnn.cu): CudaKernels' methods of the backend
interface of issue 14, kept here by topic. Arrays in, arrays out; the caller computes the gate pre-activations
with matmuls, and each method is one launch of one thread per element of the (batch, hidden) state.

Gate arrays are (batch, k * hidden): k column blocks in PyTorch's order (LSTM i, f, g, o; GRU r, z, n). Every
array is made C-contiguous, in the dtype of the first (float16 is computed in float32).
"""
from __future__ import annotations

from typing import Any

import numpy as np


def _cell_shape(op: str, blocks: int, state: tuple[str, Any], gates: dict[str, Any],
                states: dict[str, Any]) -> tuple[int, int]:
    """(batch, hidden) of state, a (batch, hidden) array; ValueError naming any gate array that is not
    (batch, blocks * hidden) or state array that is not (batch, hidden)."""
    name, array = state
    if array.ndim != 2:
        raise ValueError(f"{op}: {name} must be (batch, hidden), not of shape {tuple(array.shape)}")
    batch, hidden = array.shape
    expected = {**dict.fromkeys(gates, (batch, blocks * hidden)), **dict.fromkeys(states, (batch, hidden))}
    for other, other_array in {**gates, **states}.items():
        if tuple(other_array.shape) != expected[other]:
            raise ValueError(f"{op}: {other} of shape {tuple(other_array.shape)} for {name} of shape "
                             f"{(batch, hidden)} (expected {expected[other]})")
    return batch, hidden


class RnnCellKernels:
    """The cell kernels' launches, mixed into CudaKernels (whose runtime, xp, _contiguous and
    launch_elementwise they use)."""

    runtime: Any
    xp: Any

    def lstm_cell_forward(self, gates: Any, c_prev: Any) -> tuple[Any, Any, Any]:
        """(h, c, activated): i, f, g, o = σ, σ, tanh, σ of the gates (N, 4H); c = f c_prev + i g;
        h = o tanh(c); activated (N, 4H) = [i | f | g | o], kept for the backward."""
        batch, hidden = _cell_shape("lstm_cell_forward", 4, ("c_prev", c_prev), {"gates": gates}, {})
        with self.runtime.device_of(gates):
            gates = self._contiguous(gates)
            c_prev = self._contiguous(c_prev, dtype=gates.dtype)
            h, c = self.xp.empty_like(c_prev), self.xp.empty_like(c_prev)
            activated = self.xp.empty_like(gates)
            self.launch_elementwise("lstm_cell_forward", gates.dtype, batch * hidden,
                                    (gates, c_prev, h, c, activated, np.int64(batch), np.int64(hidden)))
            return h, c, activated

    def lstm_cell_backward(self, grad_h: Any, grad_c: Any, activated: Any, c_prev: Any, c: Any) -> tuple[Any, Any]:
        """(grad_gates (N, 4H), grad_c_prev (N, H)) of one LSTM step, from the gradients of its h and c (zeros
        where none flows) and what its forward kept."""
        batch, hidden = _cell_shape("lstm_cell_backward", 4, ("c", c), {"activated": activated},
                                    {"grad_h": grad_h, "grad_c": grad_c, "c_prev": c_prev})
        with self.runtime.device_of(activated):
            activated = self._contiguous(activated)
            grad_h, grad_c, c_prev, c = (self._contiguous(array, dtype=activated.dtype)
                                         for array in (grad_h, grad_c, c_prev, c))
            grad_gates, grad_c_prev = self.xp.empty_like(activated), self.xp.empty_like(c)
            self.launch_elementwise("lstm_cell_backward", activated.dtype, batch * hidden,
                                    (grad_h, grad_c, activated, c_prev, c, grad_gates, grad_c_prev, np.int64(batch),
                                     np.int64(hidden)))
            return grad_gates, grad_c_prev

    def gru_cell_forward(self, input_gates: Any, hidden_gates: Any, h_prev: Any) -> tuple[Any, Any]:
        """(h, activated): r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r hn) of the gates x W_ihᵀ + b_ih and
        h_prev W_hhᵀ + b_hh (N, 3H); h = (1 - z) n + z h_prev; activated (N, 3H) = [r | z | n]."""
        batch, hidden = _cell_shape("gru_cell_forward", 3, ("h_prev", h_prev),
                                    {"input_gates": input_gates, "hidden_gates": hidden_gates}, {})
        with self.runtime.device_of(input_gates):
            input_gates = self._contiguous(input_gates)
            hidden_gates = self._contiguous(hidden_gates, dtype=input_gates.dtype)
            h_prev = self._contiguous(h_prev, dtype=input_gates.dtype)
            h, activated = self.xp.empty_like(h_prev), self.xp.empty_like(input_gates)
            self.launch_elementwise("gru_cell_forward", input_gates.dtype, batch * hidden,
                                    (input_gates, hidden_gates, h_prev, h, activated, np.int64(batch),
                                     np.int64(hidden)))
            return h, activated

    def gru_cell_backward(self, grad_h: Any, activated: Any, hidden_gates: Any, h_prev: Any) -> tuple[Any, Any, Any]:
        """(grad_input_gates, grad_hidden_gates (N, 3H), grad_h_prev = grad_h z (N, H)) of one GRU step; the
        hidden gates' n block is the input gates' times r, and h_prev's part through W_hh is the caller's."""
        batch, hidden = _cell_shape("gru_cell_backward", 3, ("h_prev", h_prev),
                                    {"activated": activated, "hidden_gates": hidden_gates}, {"grad_h": grad_h})
        with self.runtime.device_of(activated):
            activated = self._contiguous(activated)
            grad_h, hidden_gates, h_prev = (self._contiguous(array, dtype=activated.dtype)
                                            for array in (grad_h, hidden_gates, h_prev))
            grad_input_gates, grad_hidden_gates = self.xp.empty_like(activated), self.xp.empty_like(activated)
            grad_h_prev = self.xp.empty_like(h_prev)
            self.launch_elementwise("gru_cell_backward", activated.dtype, batch * hidden,
                                    (grad_h, activated, hidden_gates, h_prev, grad_input_gates, grad_hidden_gates,
                                     grad_h_prev, np.int64(batch), np.int64(hidden)))
            return grad_input_gates, grad_hidden_gates, grad_h_prev
