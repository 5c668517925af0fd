"""Recurrent networks as ops: one LSTM or GRU cell step (LSTMCellStep, GRUCellStep), and the whole recurrence of
one layer and direction over a sequence (Recurrence: LSTM, GRU, or a plain tanh / relu RNN).

The caller computes the input projection of all steps as one matmul (x W_ihᵀ + b_ih); Recurrence then runs
the loop on arrays: per step one matmul h W_hhᵀ and one fused cell call of the backend. Its backward runs the
loop backwards, stacks the gate gradients of all steps, and sums the weight gradient over the steps as one
matmul: dW_hh = Σ_t dgates_tᵀ h_{t-1} = dGatesᵀ H_prev over the (L N) stacked rows.

A double backward (create_graph) recomputes the forward as tensor ops (the same math, written below with
sigmoid, tanh and chunk) and differentiates that, so its gradients are themselves differentiable.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..autograd import engine
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..backends.activations import ACTIVATIONS
from ..tensor import Tensor
from .activation import activation
from .linalg import matmul_transposed
from .shape import stack


# ---- the cell math on tensors: what a double backward differentiates ----
def lstm_cell_tensors(gates: Tensor, c_prev: Tensor) -> tuple[Tensor, Tensor]:
    """(h, c) of one LSTM step as tensor ops: gates (N, 4H) in PyTorch's order i, f, g, o."""
    i, f, g, o = gates.chunk(4, 1)
    c = f.sigmoid() * c_prev + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def gru_cell_tensors(input_gates: Tensor, hidden_gates: Tensor, h_prev: Tensor) -> Tensor:
    """h of one GRU step as tensor ops: gates (N, 3H) in PyTorch's order r, z, n, b_hn inside the reset product."""
    input_r, input_z, input_n = input_gates.chunk(3, 1)
    hidden_r, hidden_z, hidden_n = hidden_gates.chunk(3, 1)
    r, z = (input_r + hidden_r).sigmoid(), (input_z + hidden_z).sigmoid()
    n = (input_n + r * hidden_n).tanh()
    return n + z * (h_prev - n)


def _differentiable_gradients(forward: Callable, inputs: Sequence, needs: Sequence[bool],
                              grad_outputs: Sequence[Tensor]) -> tuple:
    """The gradients of forward(*inputs) for the inputs in need, computed by differentiating the tensor-op form
    with create_graph, so that they can be differentiated again; None for the others."""
    wanted = [tensor for tensor, need in zip(inputs, needs) if need]
    outputs = forward(*inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    grads = iter(engine.grad(outputs, wanted, tuple(grad_outputs), create_graph=True, allow_unused=True))
    return tuple(next(grads) if need else None for need in needs)


def _product(a: Any, b: Any) -> Any:
    """a @ b on arrays, accumulated in float32 for float16 as PyTorch does."""
    if a.dtype == np.float16:
        return (a.astype(np.float32) @ b.astype(np.float32)).astype(np.float16)
    return a @ b


# ---- one cell step, for nn.LSTMCell and nn.GRUCell ----
class LSTMCellStep(Function):
    """(h, c) of one LSTM step from the gate pre-activations (N, 4H) and c_prev (N, H): one backend call each
    way (backend.lstm_cell_forward / lstm_cell_backward)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, gates: Any, c_prev: Any) -> tuple:
        h, c, ctx.activated = ctx._backend.lstm_cell_forward(gates, c_prev)
        ctx.save_for_backward(gates, c_prev, c)
        return h, c

    @staticmethod
    def backward(ctx: Function, grad_h: Tensor, grad_c: Tensor) -> tuple:
        gates, c_prev, c = ctx.saved_tensors
        if is_grad_enabled():  # create_graph
            return _differentiable_gradients(lstm_cell_tensors, (gates, c_prev), ctx.needs_input_grad,
                                             (grad_h, grad_c))
        grad_gates, grad_c_prev = ctx._backend.lstm_cell_backward(grad_h._data, grad_c._data, ctx.activated,
                                                                  c_prev._data, c._data)
        return Tensor._make(grad_gates, ctx._backend), Tensor._make(grad_c_prev, ctx._backend)


class GRUCellStep(Function):
    """h of one GRU step from x W_ihᵀ + b_ih and h_prev W_hhᵀ + b_hh (both (N, 3H)) and h_prev (N, H): one
    backend call each way (backend.gru_cell_forward / gru_cell_backward)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, input_gates: Any, hidden_gates: Any, h_prev: Any) -> Any:
        h, ctx.activated = ctx._backend.gru_cell_forward(input_gates, hidden_gates, h_prev)
        ctx.save_for_backward(input_gates, hidden_gates, h_prev)
        return h

    @staticmethod
    def backward(ctx: Function, grad_h: Tensor) -> tuple:
        input_gates, hidden_gates, h_prev = ctx.saved_tensors
        if is_grad_enabled():  # create_graph
            return _differentiable_gradients(gru_cell_tensors, (input_gates, hidden_gates, h_prev),
                                             ctx.needs_input_grad, (grad_h,))
        grads = ctx._backend.gru_cell_backward(grad_h._data, ctx.activated, hidden_gates._data, h_prev._data)
        return tuple(Tensor._make(grad, ctx._backend) for grad in grads)


def lstm_cell_step(gates: Tensor, c_prev: Tensor) -> tuple[Tensor, Tensor]:
    """(h, c) of one LSTM step; gates = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh (N, 4H)."""
    return LSTMCellStep.apply(gates.contiguous(), c_prev.contiguous())


def gru_cell_step(input_gates: Tensor, hidden_gates: Tensor, h_prev: Tensor) -> Tensor:
    """h of one GRU step; input_gates = x W_ihᵀ + b_ih, hidden_gates = h W_hhᵀ + b_hh (N, 3H)."""
    return GRUCellStep.apply(input_gates.contiguous(), hidden_gates.contiguous(), h_prev.contiguous())


# ---- the cells of Recurrence: one step forward and backward on arrays, and the same step on tensors ----
class _LSTM:
    """The LSTM's step in Recurrence; b_hh is added to the input gates once for all steps."""

    gates = 4
    bias_in_input = True
    has_cell_state = True

    @staticmethod
    def step(backend: Any, input_gates: Any, hidden_gates: Any, h: Any, c: Any, kept: list) -> tuple:
        hidden_gates += input_gates  # a fresh product: the sum needs no array of its own
        h, c, activated = backend.lstm_cell_forward(hidden_gates, c)
        kept.append((activated, c))
        return h, c

    @staticmethod
    def step_backward(backend: Any, grad_h: Any, grad_c: Any, kept: tuple, kept_before: tuple | None,
                      c0: Any, h_prev: Any) -> tuple:
        """(grad of the input gates, grad of the hidden gates, grad of h_prev apart from W_hh's, grad of c_prev)."""
        activated, c = kept
        c_prev = c0 if kept_before is None else kept_before[1]
        grad_gates, grad_c_prev = backend.lstm_cell_backward(grad_h, grad_c, activated, c_prev, c)
        return grad_gates, grad_gates, None, grad_c_prev

    @staticmethod
    def tensor_step(input_gates: Tensor, hidden_gates: Tensor, h: Tensor, c: Tensor) -> tuple:
        return lstm_cell_tensors(input_gates + hidden_gates, c)


class _GRU:
    """The GRU's step in Recurrence; b_hh stays in the hidden gates (b_hn is inside the reset product)."""

    gates = 3
    bias_in_input = False
    has_cell_state = False

    @staticmethod
    def step(backend: Any, input_gates: Any, hidden_gates: Any, h: Any, c: Any, kept: list) -> tuple:
        h_new, activated = backend.gru_cell_forward(input_gates, hidden_gates, h)
        kept.append((activated, hidden_gates))
        return h_new, None

    @staticmethod
    def step_backward(backend: Any, grad_h: Any, grad_c: Any, kept: tuple, kept_before: tuple | None,
                      c0: Any, h_prev: Any) -> tuple:
        activated, hidden_gates = kept
        grad_input, grad_hidden, grad_h_prev = backend.gru_cell_backward(grad_h, activated, hidden_gates, h_prev)
        return grad_input, grad_hidden, grad_h_prev, None

    @staticmethod
    def tensor_step(input_gates: Tensor, hidden_gates: Tensor, h: Tensor, c: Tensor) -> tuple:
        return gru_cell_tensors(input_gates, hidden_gates, h), None


class _Plain:
    """The plain RNN's step, h = f(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), f tanh or relu as the backend's activation
    kernels (both computed back from their output)."""

    gates = 1
    bias_in_input = True
    has_cell_state = False

    def __init__(self, nonlinearity: str) -> None:
        self.nonlinearity = nonlinearity
        self.spec = ACTIVATIONS[nonlinearity]

    def step(self, backend: Any, input_gates: Any, hidden_gates: Any, h: Any, c: Any, kept: list) -> tuple:
        hidden_gates += input_gates
        h = backend.activation_forward(self.spec, hidden_gates, (0.0, 0.0))
        kept.append(h)
        return h, None

    def step_backward(self, backend: Any, grad_h: Any, grad_c: Any, kept: Any, kept_before: Any, c0: Any,
                      h_prev: Any) -> tuple:
        grad = backend.activation_backward(self.spec, grad_h, kept, (0.0, 0.0))
        return grad, grad, None, None

    def tensor_step(self, input_gates: Tensor, hidden_gates: Tensor, h: Tensor, c: Tensor) -> tuple:
        return activation(input_gates + hidden_gates, self.nonlinearity), None


CELLS: dict[str, Any] = {"LSTM": _LSTM, "GRU": _GRU, "RNN_TANH": _Plain("tanh"), "RNN_RELU": _Plain("relu")}
"""The cells of Recurrence, by PyTorch's mode names."""


class Recurrence(Function):
    """One layer and direction of an RNN over a whole sequence: (output (L, N, H), h_n (N, H)[, c_n (N, H)])
    from input_gates (L, N, G H) = x W_ihᵀ + b_ih of all steps, W_hh (G H, H), b_hh (G H,) or None, h0 (N, H)
    [and c0 (N, H) for the LSTM]; reverse runs from the last step to the first.

    Forward: per step one matmul h W_hhᵀ and one fused cell call. Backward: the steps in reverse, each one cell
    backward call and one matmul (the gradient of h_prev through W_hh); then dW_hh and db_hh as one matmul and
    one sum over all the steps' stacked gate gradients.
    """

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, input_gates: Any, weight_hh: Any, bias_hh: Any, h0: Any, c0: Any, mode: str,
                reverse: bool) -> tuple:
        cell, backend = CELLS[mode], ctx._backend
        steps = range(input_gates.shape[0] - 1, -1, -1) if reverse else range(input_gates.shape[0])
        inputs = input_gates + bias_hh if cell.bias_in_input and bias_hh is not None else input_gates
        h, c, kept, outputs = h0, c0, [], []
        for t in steps:
            hidden_gates = matmul_transposed(h, weight_hh)
            if not cell.bias_in_input and bias_hh is not None:
                hidden_gates += bias_hh
            h, c = cell.step(backend, inputs[t], hidden_gates, h, c, kept)
            outputs.append(h)
        output = backend.xp.stack(outputs[::-1] if reverse else outputs)
        ctx.mode, ctx.reverse, ctx.kept = mode, reverse, kept
        ctx.save_for_backward(input_gates, weight_hh, bias_hh, h0, c0, output)
        return (output, h, c) if cell.has_cell_state else (output, h)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor, grad_h_n: Tensor, grad_c_n: Tensor | None = None) -> tuple:
        saved = ctx.saved_tensors
        if is_grad_enabled():  # create_graph
            grads = _differentiable_gradients(
                lambda *inputs: recurrence_tensors(*inputs, ctx.mode, ctx.reverse), saved[:5],
                ctx.needs_input_grad[:5], (grad_output, grad_h_n) + (() if grad_c_n is None else (grad_c_n,)))
            return (*grads, None, None)
        _, weight_hh, _, h0, c0, output = (None if tensor is None else tensor._data for tensor in saved)
        grads = _recurrence_backward(ctx._backend, CELLS[ctx.mode], ctx.reverse, ctx.kept, weight_hh, h0, c0,
                                     output, grad_output._data, grad_h_n._data,
                                     None if grad_c_n is None else grad_c_n._data)
        return (*(Tensor._make(grad, ctx._backend) if grad is not None and need else None
                  for grad, need in zip(grads, ctx.needs_input_grad)), None, None)


def _recurrence_backward(backend: Any, cell: Any, reverse: bool, kept: list, weight_hh: Any, h0: Any, c0: Any,
                         output: Any, grad_output: Any, grad_h: Any, grad_c: Any) -> tuple:
    """(grad input_gates, grad W_hh, grad b_hh, grad h0, grad c0) of Recurrence on arrays."""
    length = output.shape[0]
    time = (lambda step: length - 1 - step) if reverse else (lambda step: step)  # the time of the k-th step run
    grad_input = grad_hidden = None
    for step in range(length - 1, -1, -1):
        t = time(step)
        h_prev = h0 if step == 0 else output[time(step - 1)]
        grad_h = grad_h + grad_output[t]
        grad_input_t, grad_hidden_t, grad_h_prev, grad_c = cell.step_backward(
            backend, grad_h, grad_c, kept[step], kept[step - 1] if step else None, c0, h_prev)
        if grad_input is None:
            grad_input = backend.xp.empty((length,) + grad_input_t.shape, grad_input_t.dtype)
            grad_hidden = grad_input if grad_hidden_t is grad_input_t else backend.xp.empty_like(grad_input)
        grad_input[t] = grad_input_t
        if grad_hidden is not grad_input:
            grad_hidden[t] = grad_hidden_t
        grad_h = _product(grad_hidden_t, weight_hh)
        if grad_h_prev is not None:
            grad_h += grad_h_prev
    h_prev = backend.xp.concatenate((output[1:], h0[None]) if reverse else (h0[None], output[:-1]))
    rows = grad_hidden.reshape(-1, grad_hidden.shape[-1])
    grad_weight = _product(rows.T, h_prev.reshape(-1, h_prev.shape[-1]))
    grad_bias = rows.sum(0, dtype=np.float32).astype(rows.dtype) if rows.dtype == np.float16 else rows.sum(0)
    return grad_input, grad_weight, grad_bias, grad_h, grad_c


def recurrence_tensors(input_gates: Tensor, weight_hh: Tensor, bias_hh: Tensor | None, h0: Tensor,
                       c0: Tensor | None, mode: str, reverse: bool) -> tuple:
    """Recurrence written step by step with tensor ops (what a double backward differentiates)."""
    cell, length = CELLS[mode], input_gates.shape[0]
    h, c, outputs = h0, c0, [None] * length
    for t in (range(length - 1, -1, -1) if reverse else range(length)):
        hidden_gates = h @ weight_hh.T
        if bias_hh is not None:
            hidden_gates = hidden_gates + bias_hh
        h, c = cell.tensor_step(input_gates[t], hidden_gates, h, c)
        outputs[t] = h
    output = stack(outputs)
    return (output, h, c) if cell.has_cell_state else (output, h)


def recurrence(input_gates: Tensor, weight_hh: Tensor, bias_hh: Tensor | None, h0: Tensor, c0: Tensor | None,
               mode: str, reverse: bool = False) -> tuple:
    """One layer and direction of an RNN over the sequence (see Recurrence); mode is "LSTM", "GRU", "RNN_TANH"
    or "RNN_RELU"."""
    return Recurrence.apply(input_gates.contiguous(), weight_hh, bias_hh, h0.contiguous(),
                            None if c0 is None else c0.contiguous(), mode, reverse)
