"""RNN, LSTM and GRU: multi-layer, optionally bidirectional recurrent layers over whole sequences, as torch.nn's.

Each layer and direction is one input projection of all steps (one matmul) and one Recurrence op (the loop over
the steps: one matmul h W_hhᵀ and one fused cell call per step; see minitorch/functions/recurrent.py).
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

from .. import creation
from ..functions.recurrent import recurrence
from ..functions.shape import cat, stack
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
"""Gate blocks per mode: W_ih and W_hh have GATES * hidden_size rows."""


def _check_sizes(input_size: Any, hidden_size: Any, num_layers: Any, bias: Any, batch_first: Any,
                 dropout: Any) -> None:
    """PyTorch's errors for the constructor's arguments."""
    if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
        raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                         "being zeroed")
    if dropout > 0 and num_layers == 1:
        warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                      f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                      stacklevel=4)
    for name, value, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                              ("input_size", input_size, int), ("hidden_size", hidden_size, int)):
        if not isinstance(value, kind):
            raise TypeError(f"{name} should be of type {kind.__name__}, got: {type(value).__name__}")
        if kind is int and value <= 0:
            raise ValueError(f"{name} must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")


class RNNBase(Module):
    """The machinery of RNN, LSTM and GRU: the parameters of every layer and direction, named as PyTorch's
    (weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, with _reverse for the backward direction),
    the argument checks, and the loop over layers and directions."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        _check_sizes(input_size, hidden_size, num_layers, bias, batch_first, dropout)
        if proj_size != 0:
            raise NotImplementedError(f"LSTM proj_size={proj_size}: projections (weight_hr) are not there yet")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gate_size = GATES[mode] * hidden_size
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(directions):
                suffix = f"l{layer}" + ("_reverse" if direction else "")
                layer_input = input_size if layer == 0 else hidden_size * directions
                names = [f"weight_ih_{suffix}", f"weight_hh_{suffix}"]
                shapes = [(gate_size, layer_input), (gate_size, hidden_size)]
                if bias:
                    names += [f"bias_ih_{suffix}", f"bias_hh_{suffix}"]
                    shapes += [(gate_size,), (gate_size,)]
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(creation.empty(shape, device=device, dtype=dtype)))
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/√hidden_size, 1/√hidden_size), as PyTorch's."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self) -> None:
        """A no-op, as PyTorch's off cuDNN: the weights are used where they are."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each layer and direction, in PyTorch's order."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        for name, default in (("num_layers", 1), ("bias", True), ("batch_first", False), ("dropout", 0),
                              ("bidirectional", False)):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text

    def _check_input(self, input: Tensor) -> None:
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). "
                             f"Convert input: input.to({weight.dtype}), or convert model: model.to({input.dtype})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]}")
        if input.shape[0 if not self.batch_first else 1] == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")

    def _expected_hidden(self, input: Tensor) -> tuple[int, int, int]:
        batch = input.shape[0 if self.batch_first else 1]
        return (self.num_layers * (2 if self.bidirectional else 1), batch, self.hidden_size)

    def _check_hidden(self, hidden: Tensor, expected: tuple, message: str) -> None:
        if tuple(hidden.shape) != expected:
            raise RuntimeError(message.format(expected, list(hidden.shape)))

    def _batched(self, input: Tensor, name: str, tensor_word: str) -> bool:
        """Whether input is batched (3-D); PyTorch's ValueError for any other than 2-D or 3-D."""
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D{tensor_word} instead")
        return input.ndim == 3

    def _zeros(self, input: Tensor) -> Tensor:
        return creation.zeros(self._expected_hidden(input), dtype=input.dtype, device=input.device)

    def _run(self, input: Tensor, h0: Tensor, c0: Tensor | None) -> tuple:
        """(output, h_n, c_n or None) for a batched input in the module's layout and states (layers x dirs, N, H)."""
        directions = 2 if self.bidirectional else 1
        layer_input = input.transpose(0, 1) if self.batch_first else input  # time-major: (L, N, H_in)
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                weights = self.all_weights[index]
                weight_ih, weight_hh = weights[:2]
                bias_ih, bias_hh = weights[2:] if self.bias else (None, None)
                input_gates = F.linear(layer_input, weight_ih, bias_ih)  # every step's projection in one matmul
                result = recurrence(input_gates, weight_hh, bias_hh, h0[index], None if c0 is None else c0[index],
                                    self.mode, reverse=direction == 1)
                outputs.append(result[0])
                h_n.append(result[1])
                if c0 is not None:
                    c_n.append(result[2])
            layer_input = outputs[0] if directions == 1 else cat(outputs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        output = layer_input.transpose(0, 1) if self.batch_first else layer_input
        return output, stack(h_n), stack(c_n) if c0 is not None else None


class _SingleStateRNN(RNNBase):
    """RNN and GRU: one state tensor h."""

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """(output, h_n): output (L, N, D H) (batch_first: (N, L, D H); unbatched: (L, D H)), h_n (layers D, N, H)
        (unbatched: (layers D, H)); hx as h_n, zeros when None."""
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        batched = self._batched(input, name, " tensor" if name == "RNN" else "")
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = input.unsqueeze(batch_dim)
            if hx is not None:
                if hx.ndim != 2:
                    raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {hx.ndim}-D tensor")
                hx = hx.unsqueeze(1)
        elif hx is not None and hx.ndim != 3:
            raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {hx.ndim}-D tensor")
        self._check_input(input)
        if hx is None:
            hx = self._zeros(input)
        self._check_hidden(hx, self._expected_hidden(input), "Expected hidden size {}, got {}")
        output, h_n, _ = self._run(input, hx, None)
        return (output, h_n) if batched else (output.squeeze(batch_dim), h_n.squeeze(1))


class RNN(_SingleStateRNN):
    """An Elman RNN: h_t = f(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh), f = tanh or relu, stacked num_layers deep
    (with dropout between layers in training), bidirectional optionally.

    Shapes: input (L, N, H_in), (N, L, H_in) with batch_first, or unbatched (L, H_in); hx (num_layers D, N, H)
    with D = 2 when bidirectional. Returns (output (L, N, D H), h_n (num_layers D, N, H)). Parameters as
    PyTorch's (weight_ih_l0 (H, H_in), weight_hh_l0 (H, H), bias_ih_l0, bias_hh_l0, ..._reverse), all from
    U(-1/√H, 1/√H).

        rnn = nn.RNN(10, 20, 2)
        output, h_n = rnn(mt.randn(5, 3, 10))   # (5, 3, 20), (2, 3, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)


class GRU(_SingleStateRNN):
    """A gated recurrent unit, per step (gate order r, z, n as PyTorch's, b_hn inside the reset product):
    r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr), z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz),
    n = tanh(x W_inᵀ + b_in + r (h W_hnᵀ + b_hn)), h' = (1 - z) n + z h.

    Shapes, arguments and parameters as RNN's, with weight_ih_l0 (3H, H_in) and weight_hh_l0 (3H, H).

        gru = nn.GRU(10, 20, batch_first=True)
        output, h_n = gru(mt.randn(3, 5, 10))   # (3, 5, 20), (1, 3, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class LSTM(RNNBase):
    """A long short-term memory layer, per step (gate order i, f, g, o as PyTorch's):
    i, f, o = σ(x W_iᵀ + b_i + h W_hᵀ + b_h) for each, g = tanh(likewise), c' = f c + i g, h' = o tanh(c').

    Shapes as RNN's, with (h0, c0) in and (output, (h_n, c_n)) out; weight_ih_l0 (4H, H_in), weight_hh_l0
    (4H, H). proj_size is not there yet (NotImplementedError).

        lstm = nn.LSTM(10, 20, 2, bidirectional=True)
        output, (h_n, c_n) = lstm(mt.randn(5, 3, 10))   # (5, 3, 40), (4, 3, 20), (4, 3, 20)
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple:
        """(output, (h_n, c_n)); hx = (h0, c0), zeros when None."""
        batched = self._batched(input, "LSTM", "")
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = input.unsqueeze(batch_dim)
        if hx is not None:
            h0, c0 = hx
            if h0.ndim != (3 if batched else 2) or c0.ndim != (3 if batched else 2):
                kind = "batched 3-D" if batched else "unbatched 2-D"
                raise RuntimeError(f"For {kind} input, hx and cx should also be {3 if batched else 2}-D but got "
                                   f"({h0.ndim}-D, {c0.ndim}-D) tensors")
            if not batched:
                h0, c0 = h0.unsqueeze(1), c0.unsqueeze(1)
        self._check_input(input)
        if hx is None:
            h0, c0 = self._zeros(input), self._zeros(input)
        expected = self._expected_hidden(input)
        self._check_hidden(h0, expected, "Expected hidden[0] size {}, got {}")
        self._check_hidden(c0, expected, "Expected hidden[1] size {}, got {}")
        output, h_n, c_n = self._run(input, h0, c0)
        if batched:
            return output, (h_n, c_n)
        return output.squeeze(batch_dim), (h_n.squeeze(1), c_n.squeeze(1))
