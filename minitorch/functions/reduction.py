"""Reductions: sum, mean, var, std, max, min, argmax, argmin, logsumexp, norm (NumPy's axis=, keepdims= too)."""
from __future__ import annotations

import builtins
import functools
import math
from collections import namedtuple
from typing import Any, Callable, Sequence

import numpy as np

from .. import dtypes
from ..autograd.broadcast import Expand
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..dims import normalize_dim, normalize_dims
from ..tensor import Tensor
from .arithmetic import _as_float, binary, exp, where
from .indexing import gather
from .shape import Reshape

max_result = namedtuple("max", ["values", "indices"])
min_result = namedtuple("min", ["values", "indices"])


def _expand_back(grad_output: Tensor, input_shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """Spread the gradient of a reduction over the dims it reduced."""
    if not keepdim:
        kept = tuple(1 if axis in dims else size for axis, size in enumerate(input_shape))
        grad_output = Reshape.apply(grad_output, kept)
    return Expand.apply(grad_output, input_shape)


class Sum(Function):
    """y = Σ x over dims; dx = grad spread back over those dims."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, dims: tuple, keepdim: bool) -> Any:
        ctx.input_shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        with np.errstate(all="ignore"):  # overflow gives inf, as in PyTorch
            return Sum._sum(x, dims, keepdim)

    @staticmethod
    def _sum(x: Any, dims: tuple, keepdim: bool) -> Any:
        if x.dtype.kind in "biu":
            return x.sum(axis=dims, keepdims=keepdim, dtype=np.int64)  # as PyTorch: integer sums are int64
        if x.dtype == np.float16:
            return x.sum(axis=dims, keepdims=keepdim, dtype=np.float32).astype(np.float16)
        return x.sum(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return _expand_back(grad_output, ctx.input_shape, ctx.dims, ctx.keepdim), None, None


class Mean(Function):
    """y = mean of x over dims; dx = grad / count, spread back."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, dims: tuple, keepdim: bool) -> Any:
        ctx.input_shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.count = int(np.prod([x.shape[d] for d in dims]))
        with np.errstate(invalid="ignore", divide="ignore"):  # the mean of nothing is nan, as in PyTorch
            return x.sum(axis=dims, keepdims=keepdim, dtype=np.float32 if x.dtype == np.float16 else None
                         ).astype(x.dtype, copy=False) / x.dtype.type(ctx.count)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return _expand_back(grad_output, ctx.input_shape, ctx.dims, ctx.keepdim) / ctx.count, None, None


class MaxAll(Function):
    """y = max (or min) of all elements; the gradient is shared equally by the elements that attain it."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, largest: bool) -> Any:
        y = x.max() if largest else x.min()
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        x, y = ctx.saved_tensors
        attains = (x == y.detach()).to(grad_output.dtype)
        return grad_output * attains / attains.sum(), None


class Maximum(Function):
    """y = max(a, b) elementwise; ties share the gradient equally, as PyTorch."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        return ctx.xp.maximum(a, b)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        share_a = (a > b).to(grad_output.dtype) + (a == b).to(grad_output.dtype) * 0.5
        return grad_output * share_a, grad_output * (1 - share_a)


class Std(Function):
    """y = √var; dvar = grad / 2y, and 0 where y = 0 (a constant input), as PyTorch's std."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, variance: Any) -> Any:
        y = ctx.xp.sqrt(variance)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return where(y == 0, 0.0, grad_output / (2 * y))


def numpy_names(function: Callable[..., Any]) -> Callable[..., Any]:
    """Also accept NumPy's axis= for dim= and keepdims= for keepdim=, as PyTorch's reductions do."""
    @functools.wraps(function)
    def reduction(*args: Any, **kwargs: Any) -> Any:
        for numpy_name, name in (("axis", "dim"), ("keepdims", "keepdim")):
            if numpy_name in kwargs:
                if name in kwargs:
                    raise TypeError(f"{function.__name__}() got both '{name}' and its alias '{numpy_name}'")
                kwargs[name] = kwargs.pop(numpy_name)
        return function(*args, **kwargs)
    return reduction


@numpy_names
def sum(input: Tensor, dim: int | Sequence[int] | None = None, keepdim: bool = False,
        dtype: dtypes.dtype | None = None) -> Tensor:
    """The sum over dim (all dims by default); integer and bool inputs sum to int64."""
    if dtype is not None:
        input = input.to(dtype)
    return Sum.apply(input, normalize_dims(dim, input.ndim), keepdim)


@numpy_names
def mean(input: Tensor, dim: int | Sequence[int] | None = None, keepdim: bool = False,
         dtype: dtypes.dtype | None = None) -> Tensor:
    """The mean over dim (all dims by default); floating inputs only, as PyTorch."""
    if dtype is not None:
        input = input.to(dtype)
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
            f"Got: {input.dtype.name}"
        )
    return Mean.apply(input, normalize_dims(dim, input.ndim), keepdim)


@numpy_names
def var(input: Tensor, dim: int | Sequence[int] | None = None, unbiased: bool | None = None,
        keepdim: bool = False, *, correction: float | None = None) -> Tensor:
    """Σ(x - mean)² / (N - correction); correction=1 (unbiased) by default, as PyTorch."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"std and var only support floating point and complex dtypes, got {input.dtype.name}")
    if correction is None:
        correction = 0 if unbiased is False else 1
    dims = normalize_dims(dim, input.ndim)
    count = int(np.prod([input.shape[d] for d in dims]))
    deviation = input - input.mean(dims, keepdim=True)
    return (deviation * deviation).sum(dims, keepdim=keepdim) / builtins.max(count - correction, 0)


@numpy_names
def std(input: Tensor, dim: int | Sequence[int] | None = None, unbiased: bool | None = None,
        keepdim: bool = False, *, correction: float | None = None) -> Tensor:
    """The square root of var (same arguments)."""
    return Std.apply(var(input, dim, unbiased, keepdim, correction=correction))


def _extreme(input: Tensor, dim: Any, keepdim: bool, largest: bool) -> Any:
    name = "max" if largest else "min"
    if isinstance(dim, Tensor):
        return maximum(input, dim) if largest else minimum(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                               "Specify the reduction dim with the 'dim' argument.")
        return MaxAll.apply(input, largest)
    axis = normalize_dim(dim, input.ndim)
    if input.ndim == 0:  # the one element is its own max, at index 0
        with input._backend.context():
            zero = Tensor._make(input._backend.xp.zeros((), dtype=np.int64), input._backend)
        return (max_result if largest else min_result)(input.reshape(()), zero)
    if input.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size.")
    indices = _arg_extreme(input, axis, True, largest)
    values = gather(input, axis, indices)
    if not keepdim:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return (max_result if largest else min_result)(values, indices)


@numpy_names
def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """max(): the largest element; max(dim): (values, indices) along dim; max(other): elementwise maximum."""
    return _extreme(input, dim, keepdim, largest=True)


@numpy_names
def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """min(): the smallest element; min(dim): (values, indices) along dim; min(other): elementwise minimum."""
    return _extreme(input, dim, keepdim, largest=False)


def maximum(input: Tensor, other: Tensor) -> Tensor:
    return binary(Maximum, input, other, "maximum")


def minimum(input: Tensor, other: Tensor) -> Tensor:
    return -maximum(-input, -other)


def _arg_extreme(input: Tensor, dim: int | None, keepdim: bool, largest: bool) -> Tensor:
    xp = input._backend.xp
    finder = xp.argmax if largest else xp.argmin
    if dim is None and input.numel() == 0:
        raise RuntimeError(f"{'argmax' if largest else 'argmin'}(): Expected reduction dim to be specified "
                           "for input.numel() == 0.")
    with input._backend.context():
        if dim is None:
            result = finder(input._data.reshape(-1))
            if keepdim:
                result = result.reshape((1,) * input.ndim)
        else:
            result = finder(input._data, axis=normalize_dim(dim, input.ndim) if input.ndim else None,
                            keepdims=keepdim)
        return Tensor._make(xp.asarray(result, dtype=np.int64), input._backend)


def _logical_reduction(input: Tensor, dim: int | None, keepdim: bool, every: bool) -> Tensor:
    xp = input._backend.xp
    axis = None if dim is None else normalize_dim(dim, input.ndim) if input.ndim else None
    with input._backend.context():
        result = (xp.all if every else xp.any)(input._data != 0, axis=axis, keepdims=keepdim and dim is not None)
        return Tensor._make(xp.asarray(result), input._backend)


@numpy_names
def any(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """True where some element (along dim, or of all) is non-zero; a bool tensor without gradient."""
    return _logical_reduction(input, dim, keepdim, every=False)


@numpy_names
def all(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """True where every element (along dim, or of all) is non-zero; a bool tensor without gradient."""
    return _logical_reduction(input, dim, keepdim, every=True)


@numpy_names
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the largest element (of the flattened tensor when dim is None)."""
    return _arg_extreme(input, dim, keepdim, largest=True)


@numpy_names
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the smallest element (of the flattened tensor when dim is None)."""
    return _arg_extreme(input, dim, keepdim, largest=False)


class Logsumexp(Function):
    """y = log Σ exp(x) over dims, stably: the largest element is taken out before exp;
    dx = grad · exp(x - y), a softmax, as tensor ops (so that it can be differentiated again)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, dims: tuple[int, ...], keepdim: bool) -> Any:
        xp = ctx.xp
        if x.size:
            largest = xp.max(x, axis=dims, keepdims=True)
            largest = xp.where(xp.isfinite(largest), largest, 0)  # all -inf (or an inf): nothing to take out
        else:
            largest = xp.zeros((1,) * x.ndim, dtype=x.dtype)
        with np.errstate(divide="ignore"):  # log 0 = -inf for an all -inf (or empty) row, as PyTorch
            result = xp.log(xp.exp(x - largest).sum(axis=dims, keepdims=True)) + largest
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.save_for_backward(x, result)  # result kept with its reduced dims (size 1)
        return result if keepdim else result.reshape([size for axis, size in enumerate(result.shape)
                                                      if axis not in dims])

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        x, result = ctx.saved_tensors
        if is_grad_enabled():  # create_graph: the result again, as a function of x, so that y's dependence counts
            result = Logsumexp.apply(x, ctx.dims, True)
        if not ctx.keepdim:
            grad_output = grad_output.reshape(result.shape)
        return grad_output * exp(x - result), None, None


@numpy_names
def logsumexp(input: Tensor, dim: int | Sequence[int], keepdim: bool = False) -> Tensor:
    """log Σ exp(input) over dim, computed stably: the largest element is taken out before exp."""
    input = _as_float(input)
    return Logsumexp.apply(input, normalize_dims(dim, input.ndim), keepdim)


class LinalgVectorNorm(Function):
    """y = (Σ |x|^p)^(1/p) over dims (max |x| for p = inf, min for -inf, the count of non-zeros for 0);
    dx = grad sign(x) |x|^(p-1) / y^(p-1), 0 where x = 0 (as PyTorch's), ties sharing it for ±inf."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, p: float, dims: tuple, keepdim: bool) -> Any:
        ctx.p, ctx.input_shape, ctx.dims, ctx.keepdim = p, x.shape, dims, keepdim
        size = ctx.xp.abs(x)
        if p == math.inf or p == -math.inf:
            y = size.max(axis=dims, keepdims=keepdim) if p > 0 else size.min(axis=dims, keepdims=keepdim)
        elif p == 0:
            y = (size != 0).sum(axis=dims, keepdims=keepdim).astype(x.dtype)
        elif p == 1:
            y = size.sum(axis=dims, keepdims=keepdim)
        elif p == 2:
            y = ctx.xp.sqrt((size * size).sum(axis=dims, keepdims=keepdim))
        else:
            y = ((size ** p).sum(axis=dims, keepdims=keepdim)) ** (1 / p)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        x, y = ctx.saved_tensors
        p = ctx.p
        grad = _expand_back(grad_output, ctx.input_shape, ctx.dims, ctx.keepdim)
        if p == 0:
            return grad * 0, None, None, None
        if p == 1:
            return grad * x.sign(), None, None, None
        norm = _expand_back(y, ctx.input_shape, ctx.dims, ctx.keepdim)
        if p == math.inf or p == -math.inf:
            ties = (x.abs() == norm.detach()).to(grad.dtype)
            count = _expand_back(ties.sum(ctx.dims, keepdim=ctx.keepdim), ctx.input_shape, ctx.dims, ctx.keepdim)
            return grad * x.sign() * ties / count, None, None, None
        if p == 2:
            return where(x == 0, 0.0, grad * x / norm), None, None, None
        return where(x == 0, 0.0, grad * x.sign() * (x.abs() / norm) ** (p - 1)), None, None, None


def norm(input: Tensor, p: float | str | None = "fro", dim: int | Sequence[int] | None = None, keepdim: bool = False,
         dtype: dtypes.dtype | None = None) -> Tensor:
    """The vector p-norm over dim (all elements by default): p = 2 or 'fro' (the default), 1, inf, -inf, 0, any."""
    if dtype is not None:
        input = input.to(dtype)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {input.dtype.name}")
    if p is None or p == "fro":
        p = 2
    elif isinstance(p, str) or isinstance(p, bool) or not isinstance(p, (int, float)):
        raise RuntimeError(f"norm: p must be a number or 'fro', got {p!r}")
    return LinalgVectorNorm.apply(input, float(p), normalize_dims(dim, input.ndim), keepdim)
