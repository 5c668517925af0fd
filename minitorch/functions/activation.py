"""Activations: relu, sigmoid, tanh, softmax, log_softmax.

Plain NumPy for now; the GPU backend moves their math onto the shared CUDA kernel header.
Derivatives come from the saved output where that is cheaper (sigmoid, tanh, softmax).
"""
from __future__ import annotations

from typing import Any

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .reduction import normalize_dim


class ReLU(Function):
    """y = max(x, 0) (NaN stays NaN); dx = grad where y > 0."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        y = ctx.xp.maximum(x, x.dtype.type(0))
        ctx.save_for_backward(y > 0)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        positive, = ctx.saved_tensors
        return grad_output * positive


class Sigmoid(Function):
    """y = 1 / (1 + e^-x), computed from e^-|x| so it never overflows; dx = grad * y * (1 - y)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        xp = ctx.xp
        decay = xp.exp(-xp.abs(x))
        y = xp.where(x >= 0, 1 / (1 + decay), decay / (1 + decay)).astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return grad_output * y * (1 - y)


class Tanh(Function):
    """y = tanh x; dx = grad * (1 - y²)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        y = ctx.xp.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return grad_output * (1 - y * y)


class Softmax(Function):
    """y = e^(x - max) / Σ e^(x - max) along dim; dx = y * (grad - Σ grad * y)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, dim: int) -> Any:
        xp = ctx.xp
        exps = xp.exp(x - x.max(axis=dim, keepdims=True))
        y = exps / exps.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        y, = ctx.saved_tensors
        return y * (grad_output - (grad_output * y).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Function):
    """y = x - max - log Σ e^(x - max) along dim; dx = grad - e^y * Σ grad."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, dim: int) -> Any:
        xp = ctx.xp
        shifted = x - x.max(axis=dim, keepdims=True)
        y = shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        y, = ctx.saved_tensors
        return grad_output - y.exp() * grad_output.sum(ctx.dim, keepdim=True), None


def _floating(input: Tensor, name: str) -> None:
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"\"{name}\" not implemented for '{input.dtype.name}' (use a floating dtype)")


def relu(input: Tensor) -> Tensor:
    return ReLU.apply(input)


def sigmoid(input: Tensor) -> Tensor:
    _floating(input, "sigmoid")
    return Sigmoid.apply(input)


def tanh(input: Tensor) -> Tensor:
    _floating(input, "tanh")
    return Tanh.apply(input)


def _along_dim(function: type[Function], input: Tensor, dim: int, dtype: dtypes.dtype | None, name: str) -> Tensor:
    if dtype is not None:
        input = input.to(dtype)
    _floating(input, name)
    if input.ndim == 0:
        normalize_dim(dim, 0)
        return function.apply(input.reshape(1), 0).reshape(())
    return function.apply(input, normalize_dim(dim, input.ndim))


def softmax(input: Tensor, dim: int, dtype: dtypes.dtype | None = None) -> Tensor:
    """Probabilities along dim: exp(x) / sum(exp(x)), shifted by the max so it never overflows."""
    return _along_dim(Softmax, input, dim, dtype, "softmax")


def log_softmax(input: Tensor, dim: int, dtype: dtypes.dtype | None = None) -> Tensor:
    """log(softmax(x)) along dim, computed as x - logsumexp(x) for stability."""
    return _along_dim(LogSoftmax, input, dim, dtype, "log_softmax")
