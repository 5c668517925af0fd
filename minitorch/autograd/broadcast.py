"""Broadcasting as a pair of Functions, each the other's backward: Expand (a shape broadcast up to a larger
one, a view) and SumTo (a gradient summed back down). The engine reduces broadcast gradients with SumTo, so it
lives here, beside the engine, rather than among the ops that use it (expand, sum_to_size)."""
from __future__ import annotations

from typing import Any, Sequence

from ..tensor import Tensor
from .function import Function


class Expand(Function):
    """y = x broadcast to a larger shape (a view); dx = grad summed back to x's shape."""

    forward_on_arrays = True
    is_view = True

    @staticmethod
    def forward(ctx: Function, x: Any, shape: tuple) -> Any:
        ctx.input_shape = x.shape
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return sum_to_shape(grad_output, ctx.input_shape), None


class SumTo(Function):
    """y = x summed down to a shape it was broadcast from; dx = grad expanded back."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, shape: tuple) -> Any:
        ctx.input_shape = x.shape
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(lead + axis for axis, size in enumerate(shape)
                                          if size == 1 and x.shape[lead + axis] != 1)
        return x.sum(axis=axes, keepdims=True).reshape(shape) if axes else x.reshape(shape)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return Expand.apply(grad_output, ctx.input_shape), None


def sum_to_shape(input: Tensor, shape: Sequence[int]) -> Tensor:
    """Sum `input` down to `shape`, the inverse of broadcasting `shape` up to input.shape."""
    shape = tuple(shape)
    if tuple(input.shape) == shape:
        return input
    lead = input.ndim - len(shape)
    if lead < 0 or any(size not in (1, input.shape[lead + axis]) for axis, size in enumerate(shape)):
        raise RuntimeError(f"size {list(shape)} is not expandable to size {list(input.shape)}")
    return SumTo.apply(input, shape)
