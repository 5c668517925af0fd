"""Products and running totals: prod, cumsum, cumprod (NumPy's axis= too); the gradients of the products
stay exact where the input holds zeros."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..autograd.function import Function
from ..dims import normalize_dim
from ..tensor import Tensor
from .arithmetic import where
from .reduction import _expand_back, numpy_names


def _accumulated(x: Any) -> Any:
    """Integer and bool inputs accumulate in int64, as in PyTorch."""
    return x.astype(np.int64) if x.dtype.kind in "biu" else x


def _reversed_cumsum(values: Tensor, dim: int) -> Tensor:
    """r[i] = Σ_{k >= i} values[k] along dim: the adjoint of cumsum."""
    return values.sum(dim, keepdim=True) - cumsum(values, dim) + values


def _leave_one_out(x: Tensor, dim: int) -> tuple[Tensor, Tensor]:
    """x with dim moved last, as the (..., n, n) tensor m[..., i, k] = x[..., k] for k != i and 1 for k = i,
    with the boolean (n, n) identity."""
    last = x.transpose(dim, -1)
    size = last.shape[-1]
    with x._backend.context():
        identity = Tensor._make(x._backend.xp.eye(size, dtype=bool), x._backend)
    rows = last.unsqueeze(-2).expand(*last.shape[:-1], size, size)
    return where(identity, 1.0, rows), identity


class Prod(Function):
    """y = Π x along dim; dx = grad · (the product of the others): y / x without zeros, else multiplied out."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, dim: int, keepdim: bool) -> Any:
        ctx.dim, ctx.keepdim, ctx.input_shape = dim, keepdim, x.shape
        ctx.has_zeros = bool((x == 0).any())
        with np.errstate(all="ignore"):
            y = _accumulated(x).prod(axis=dim, keepdims=keepdim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        x, y = ctx.saved_tensors
        grad = _expand_back(grad_output, ctx.input_shape, (ctx.dim,), ctx.keepdim)
        if not ctx.has_zeros:
            return grad * _expand_back(y, ctx.input_shape, (ctx.dim,), ctx.keepdim) / x, None, None
        others, _ = _leave_one_out(x, ctx.dim)
        return grad * prod(others, -1).transpose(ctx.dim, -1), None, None


class Cumsum(Function):
    """y[i] = Σ_{k <= i} x[k] along dim; dx[i] = Σ_{k >= i} grad[k]."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, dim: int) -> Any:
        ctx.dim = dim
        return ctx.xp.cumsum(_accumulated(x), axis=dim)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return _reversed_cumsum(grad_output, ctx.dim), None


class Cumprod(Function):
    """y[i] = Π_{k <= i} x[k] along dim; dx[i] = Σ_{k >= i} grad[k] · Π_{j <= k, j != i} x[j]
    (Σ_{k >= i} grad[k] y[k] / x[i] when no x is zero)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, dim: int) -> Any:
        ctx.dim = dim
        ctx.has_zeros = bool((x == 0).any())
        with np.errstate(all="ignore"):
            y = ctx.xp.cumprod(_accumulated(x), axis=dim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        x, y = ctx.saved_tensors
        if not ctx.has_zeros:
            return _reversed_cumsum(grad_output * y, ctx.dim) / x, None
        others, identity = _leave_one_out(x, ctx.dim)
        with x._backend.context():  # k >= i
            later = Tensor._make(x._backend.xp.triu(x._backend.xp.ones(identity.shape, dtype=bool)), x._backend)
        partial = where(later, cumprod(others, -1), 0.0)  # [..., i, k] = Π_{j <= k, j != i} x[j]
        grad = grad_output.transpose(ctx.dim, -1).unsqueeze(-2)
        return (grad * partial).sum(-1).transpose(ctx.dim, -1), None


@numpy_names
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *,
         dtype: dtypes.dtype | None = None) -> Tensor:
    """The product over dim (of all elements when dim is None); integer and bool inputs give int64."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return Prod.apply(input.reshape(-1), 0, False)
    if input.ndim == 0:
        normalize_dim(dim, 1)  # a 0-d tensor takes dim 0 or -1, as a vector would
        return input * 1
    return Prod.apply(input, normalize_dim(dim, input.ndim), keepdim)

def _running(function: type[Function], input: Tensor, dim: int, dtype: dtypes.dtype | None) -> Tensor:
    """cumsum or cumprod: a 0-d input is its own running total."""
    if dtype is not None:
        input = input.to(dtype)
    if input.ndim == 0:
        normalize_dim(dim, 1)
        return input * 1
    return function.apply(input, normalize_dim(dim, input.ndim))


@numpy_names
def cumsum(input: Tensor, dim: int, *, dtype: dtypes.dtype | None = None) -> Tensor:
    """The running sum along dim; integer and bool inputs give int64."""
    return _running(Cumsum, input, dim, dtype)


@numpy_names
def cumprod(input: Tensor, dim: int, *, dtype: dtypes.dtype | None = None) -> Tensor:
    """The running product along dim; integer and bool inputs give int64."""
    return _running(Cumprod, input, dim, dtype)
