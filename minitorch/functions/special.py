"""The error function and its complement: erf x = 2/√π ∫₀ˣ e^(-t²) dt and erfc x = 1 - erf x, computed apart
so that erfc keeps its digits where erf is near ±1 (GELU's tail: x erfc(-x/√2) / 2 for x << 0)."""
from __future__ import annotations

import math
from typing import Any

from ..autograd.function import Function
from ..tensor import Tensor
from .arithmetic import _as_float, exp

TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


class Erf(Function):
    """y = erf x (the backend's: NumPy has none); dx = grad * 2/√π e^(-x²)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx._backend.erf(x)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad_output * TWO_OVER_SQRT_PI * exp(-x * x)


class Erfc(Function):
    """y = erfc x = 1 - erf x, accurate where it is tiny (x >> 0); dx = -grad * 2/√π e^(-x²)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        ctx.save_for_backward(x)
        return ctx._backend.erfc(x)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        x, = ctx.saved_tensors
        return grad_output * -TWO_OVER_SQRT_PI * exp(-x * x)


def erf(input: Tensor) -> Tensor:
    return Erf.apply(_as_float(input))


def erfc(input: Tensor) -> Tensor:
    return Erfc.apply(_as_float(input))
