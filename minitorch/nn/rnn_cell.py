"""RNNCell, LSTMCell and GRUCell: one step of a recurrent layer, as torch.nn's (the caller runs the loop)."""
from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..functions.recurrent import gru_cell_step, lstm_cell_step
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class RNNCellBase(Module):
    """The parameters of a cell, named and shaped as PyTorch's: weight_ih (G H, H_in), weight_hh (G H, H),
    bias_ih and bias_hh (G H,), G the number of gate blocks; all from U(-1/√H, 1/√H)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gate_size = num_chunks * hidden_size
        self.weight_ih = Parameter(creation.empty((gate_size, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(creation.empty((gate_size, hidden_size), device=device, dtype=dtype))
        for name in ("bias_ih", "bias_hh"):
            if bias:
                setattr(self, name, Parameter(creation.empty(gate_size, device=device, dtype=dtype)))
            else:
                self.register_parameter(name, None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text

    def _prepare(self, input: Tensor, states: tuple, name: str, state_word: str) -> tuple:
        """(batched, input (N, H_in), states each (N, H), zeros where None), with PyTorch's checks."""
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        for index, state in enumerate(states):
            if state is not None and state.ndim not in (1, 2):
                word = state_word.format(index=index)
                raise ValueError(f"{name}: Expected {word} to be 1D or 2D, got {state.ndim}D instead")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
            states = tuple(None if state is None else state.unsqueeze(0) for state in states)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected {self.input_size}")
        zeros = None
        prepared = []
        for index, state in enumerate(states):
            if state is None:
                if zeros is None:
                    zeros = creation.zeros((input.shape[0], self.hidden_size), dtype=input.dtype, device=input.device)
                state = zeros
            elif state.shape[0] != input.shape[0]:
                raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{index} batch size "
                                   f"{state.shape[0]}")
            elif state.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{index} has inconsistent hidden_size: got {state.shape[1]}, expected "
                                   f"{self.hidden_size}")
            prepared.append(state)
        return batched, input, tuple(prepared)

    def _gates(self, input: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        """(x W_ihᵀ + b_ih, h W_hhᵀ + b_hh)."""
        return F.linear(input, self.weight_ih, self.bias_ih), F.linear(h, self.weight_hh, self.bias_hh)


class RNNCell(RNNCellBase):
    """h' = f(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), f = tanh or relu.

    Shapes: input (N, H_in) or (H_in,), hx (N, H) or (H,) (zeros when None) -> h' like hx.

        cell = nn.RNNCell(10, 20)
        h = cell(mt.randn(3, 10))   # (3, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        batched, input, (h,) = self._prepare(input, (hx,), "RNNCell", "hidden")
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        input_gates, hidden_gates = self._gates(input, h)
        h = F.relu(input_gates + hidden_gates) if self.nonlinearity == "relu" else F.tanh(input_gates + hidden_gates)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: i, f, o = σ(·), g = tanh(·) of the gate blocks of x W_ihᵀ + b_ih + h W_hhᵀ + b_hh (order
    i, f, g, o), c' = f c + i g, h' = o tanh(c'); the cell math is one fused backend call each way.

    Shapes: input (N, H_in) or (H_in,), hx = (h, c) each (N, H) or (H,) (zeros when None) -> (h', c').

        cell = nn.LSTMCell(10, 20)
        h, c = cell(mt.randn(3, 10))   # (3, 20), (3, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        batched, input, (h, c) = self._prepare(input, (None, None) if hx is None else tuple(hx), "LSTMCell",
                                               "hx[{index}]")
        input_gates, hidden_gates = self._gates(input, h)
        h, c = lstm_cell_step(input_gates + hidden_gates, c)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step (gate order r, z, n): r, z = σ(·), n = tanh(x W_inᵀ + b_in + r (h W_hnᵀ + b_hn)),
    h' = (1 - z) n + z h; the cell math is one fused backend call each way.

    Shapes: input (N, H_in) or (H_in,), hx (N, H) or (H,) (zeros when None) -> h' like hx.

        cell = nn.GRUCell(10, 20)
        h = cell(mt.randn(3, 10))   # (3, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        batched, input, (h,) = self._prepare(input, (hx,), "GRUCell", "hidden")
        h = gru_cell_step(*self._gates(input, h), h)
        return h if batched else h.squeeze(0)
