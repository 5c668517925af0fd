"""The rest of the elementwise math: log10, log2, exp2, hyperbolic and inverse trigonometric functions,
reciprocal, rsqrt, square, and the piecewise-constant ops (sign, floor, ceil, round, trunc) with frac."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .arithmetic import _as_float, _float_result, binary, sqrt

LN_2 = float(np.log(2.0))
LN_10 = float(np.log(10.0))


class Log10(Function):
    """y = log₁₀ x; dx = grad / (x ln 10)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return ctx.xp.log10(x)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad_output / (x * LN_10)


class Log2(Function):
    """y = log₂ x; dx = grad / (x ln 2)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return ctx.xp.log2(x)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad_output / (x * LN_2)


class Exp2(Function):
    """y = 2^x; dx = grad * y ln 2."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        with np.errstate(over="ignore"):
            y = ctx.xp.exp2(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return grad_output * y * LN_2


class Sinh(Function):
    """y = sinh x; dx = grad * cosh x."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        with np.errstate(over="ignore"):
            return ctx.xp.sinh(x)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad_output * cosh(x)


class Cosh(Function):
    """y = cosh x; dx = grad * sinh x."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        with np.errstate(over="ignore"):
            return ctx.xp.cosh(x)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad_output * sinh(x)


class Tan(Function):
    """y = tan x; dx = grad * (1 + y²)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        y = ctx.xp.tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return grad_output * (1 + y * y)


class Asin(Function):
    """y = arcsin x; dx = grad / √(1 - x²)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):  # outside [-1, 1] it is nan, as in PyTorch
            return ctx.xp.arcsin(x)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad_output / sqrt(1 - x * x)


class Acos(Function):
    """y = arccos x; dx = -grad / √(1 - x²)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return ctx.xp.arccos(x)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return -grad_output / sqrt(1 - x * x)


class Atan(Function):
    """y = arctan x; dx = grad / (1 + x²)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx.xp.arctan(x)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad_output / (1 + x * x)


class Atan2(Function):
    """y = the angle of the point (b, a); da = grad b / (a² + b²), db = -grad a / (a² + b²)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, a: Any, b: Any) -> Any:
        ctx.save_for_backward(a, b)
        return ctx.xp.arctan2(a, b)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        scale = grad_output / (a * a + b * b)
        return (scale * b if ctx.needs_input_grad[0] else None,
                -scale * a if ctx.needs_input_grad[1] else None)


class Reciprocal(Function):
    """y = 1 / x; dx = -grad * y²."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        with np.errstate(divide="ignore"):
            y = 1 / x
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return -grad_output * y * y


class Rsqrt(Function):
    """y = 1 / √x; dx = -grad * y³ / 2."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            y = 1 / ctx.xp.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        y, = ctx.saved_tensors
        return grad_output * y * y * y * -0.5


class PiecewiseConstant(Function):
    """y = f(x) for an f constant between its jumps (the array function a subclass names), so dx = 0, as
    PyTorch's sign, floor, ceil, round and trunc."""

    forward_on_arrays = True
    array_function = ""

    @staticmethod
    def forward(ctx: Function, x: Any, decimals: int = 0) -> Any:
        if decimals:
            return ctx.xp.round(x, decimals)
        return getattr(ctx.xp, ctx.array_function)(x)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return grad_output * 0, None


class Sign(PiecewiseConstant):
    array_function = "sign"


class Floor(PiecewiseConstant):
    array_function = "floor"


class Ceil(PiecewiseConstant):
    array_function = "ceil"


class Round(PiecewiseConstant):
    array_function = "round"


class Trunc(PiecewiseConstant):
    array_function = "trunc"


class Frac(Function):
    """y = x - trunc(x), the fractional part with x's sign; dx = grad (PyTorch's FracBackward0)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        return x - ctx.xp.trunc(x)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        return grad_output


# ---- the functional API ----
def log10(input: Tensor) -> Tensor:
    return Log10.apply(_as_float(input))


def log2(input: Tensor) -> Tensor:
    return Log2.apply(_as_float(input))


def exp2(input: Tensor) -> Tensor:
    return Exp2.apply(_as_float(input))


def sinh(input: Tensor) -> Tensor:
    return Sinh.apply(_as_float(input))


def cosh(input: Tensor) -> Tensor:
    return Cosh.apply(_as_float(input))


def tan(input: Tensor) -> Tensor:
    return Tan.apply(_as_float(input))


def asin(input: Tensor) -> Tensor:
    return Asin.apply(_as_float(input))


def acos(input: Tensor) -> Tensor:
    return Acos.apply(_as_float(input))


def atan(input: Tensor) -> Tensor:
    return Atan.apply(_as_float(input))


def atan2(input: Any, other: Any) -> Tensor:
    """The angle of the point (other, input) in (-π, π], broadcasting; integers give the default float dtype."""
    return binary(Atan2, input, other, "atan2", result_dtype=_float_result(input, other))


def reciprocal(input: Tensor) -> Tensor:
    return Reciprocal.apply(_as_float(input))


def rsqrt(input: Tensor) -> Tensor:
    return Rsqrt.apply(_as_float(input))


def square(input: Tensor) -> Tensor:
    """input ** 2 (integers stay integers; PowBackward0 in the graph, as PyTorch)."""
    return input ** 2


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element; its gradient is 0 (it still requires grad, as in PyTorch)."""
    return Sign.apply(input)


def floor(input: Tensor) -> Tensor:
    return Floor.apply(input)


def ceil(input: Tensor) -> Tensor:
    return Ceil.apply(input)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even, to `decimals` decimal places (negative: to tens, hundreds, ...)."""
    if not isinstance(decimals, int) or isinstance(decimals, bool):
        raise TypeError(f"round(): argument 'decimals' must be int, not {type(decimals).__name__}")
    return Round.apply(input, decimals)


def trunc(input: Tensor) -> Tensor:
    return Trunc.apply(input)


def frac(input: Tensor) -> Tensor:
    """input - trunc(input): the fractional part, with input's sign; its gradient is 1."""
    return Frac.apply(input)


arcsin, arccos, arctan, arctan2, fix = asin, acos, atan, atan2, trunc
