"""The registry of activations: each one's name, parameters and formulas, the table the CUDA kernels and the
CPU backend are built from (arrays in, arrays out: no Tensor here).

Each activation's math is written once in kernels/activations.cuh (for the CUDA kernels and their host build)
and once here as a formula over a `math` namespace: the CPU backend evaluates it on NumPy arrays, and a
double backward (minitorch/functions/activation.py) evaluates the derivative on tensors. Adding an
activation is one function pair in the header, one `register(...)` call here, and one test row.
"""
from __future__ import annotations

import math as _math
from dataclasses import dataclass
from typing import Any, Callable

SQRT_HALF = 1 / _math.sqrt(2.0)
INV_SQRT_2PI = 1 / _math.sqrt(2 * _math.pi)
GELU_TANH_SCALE = _math.sqrt(2 / _math.pi)
GELU_TANH_CUBIC = 0.044715


@dataclass(frozen=True)
class ActivationSpec:
    """One activation: kernels are named {name}_forward_{dtype} / {name}_backward_{dtype}.

    forward(math, x, p0, p1) and derivative(math, saved, p0, p1) are the same formulas as the
    header's; `saved` is the output when from_output (sigmoid, tanh), else the input.

    intermediate(math, x, p0, p1), where given, is a part both formulas compute (GELU's Φ(x), SiLU's sigmoid):
    forward(..., kept) and derivative(..., kept) take it instead of computing it again. A backend that
    evaluates the formulas as whole-array passes (NumPy) keeps it from the forward for the backward: one
    array more per layer, for a backward that costs a fraction (GELU: no erfc, 1.2 ms on 131k floats).
    """

    name: str
    forward: Callable[..., Any]
    derivative: Callable[..., Any]
    from_output: bool = False
    intermediate: Callable[..., Any] | None = None


ACTIVATIONS: dict[str, ActivationSpec] = {}


def register(name: str, forward: Callable, derivative: Callable, from_output: bool = False,
             intermediate: Callable | None = None) -> None:
    """Add an activation to the registry (kernels/activations.cuh must have its mt_{name}_forward and
    mt_{name}_derivative)."""
    ACTIVATIONS[name] = ActivationSpec(name, forward, derivative, from_output, intermediate)


def _gelu_tanh_inner(m: Any, x: Any) -> Any:
    return (x + x * x * x * GELU_TANH_CUBIC) * GELU_TANH_SCALE


def _gelu_tanh_derivative(m: Any, x: Any) -> Any:
    inner = m.tanh(_gelu_tanh_inner(m, x))
    sech_squared = 1 - inner * inner
    slope = m.where(sech_squared == 0, 0.0, x * sech_squared * (1 + x * x * (3 * GELU_TANH_CUBIC)))
    return 0.5 * (1 + inner) + slope * (0.5 * GELU_TANH_SCALE)


def _gelu_cdf(m: Any, x: Any, p0: float = 0.0, p1: float = 0.0) -> Any:
    """Φ(x) as erfc(-x/√2) / 2, not (1 + erf(x/√2)) / 2, which cancels to 0 for x << 0."""
    return m.erfc(x * -SQRT_HALF) * 0.5


def _gelu_forward(m: Any, x: Any, p0: float, p1: float, cdf: Any = None) -> Any:
    cdf = _gelu_cdf(m, x) if cdf is None else cdf
    return m.where(x == -_math.inf, 0.0, x * cdf)


def _gelu_derivative(m: Any, x: Any, p0: float, p1: float, cdf: Any = None) -> Any:
    cdf = _gelu_cdf(m, x) if cdf is None else cdf
    return cdf + m.where(m.abs(x) < _math.inf, x * m.exp(x * x * -0.5) * INV_SQRT_2PI, 0.0)


def _silu_sigmoid(m: Any, x: Any, p0: float = 0.0, p1: float = 0.0) -> Any:
    return m.sigmoid(x)


def _silu_forward(m: Any, x: Any, p0: float, p1: float, s: Any = None) -> Any:
    s = m.sigmoid(x) if s is None else s
    return m.where(x == -_math.inf, 0.0, x * s)


def _silu_derivative(m: Any, x: Any, p0: float, p1: float, s: Any = None) -> Any:
    s = m.sigmoid(x) if s is None else s
    return m.where(m.abs(x) < _math.inf, s * (1 + x * (1 - s)), s)


# The formulas, in the header's order. Each is stable at ±inf (giving the mathematical limit) and keeps NaN.
register("step", lambda m, x, p0, p1: m.where(x > 0, 1.0, m.where(x == x, 0.0, x)),
         lambda m, x, p0, p1: m.zeros_like(x))
register("identity", lambda m, x, p0, p1: x,
         lambda m, x, p0, p1: m.ones_like(x))
register("sigmoid", lambda m, x, p0, p1: m.sigmoid(x),
         lambda m, y, p0, p1: y * (1 - y), from_output=True)
register("tanh", lambda m, x, p0, p1: m.tanh(x),
         lambda m, y, p0, p1: 1 - y * y, from_output=True)
register("relu", lambda m, x, p0, p1: m.maximum(x, 0.0),  # NaN stays NaN
         lambda m, y, p0, p1: ~(y <= 0),  # 1 at NaN, as PyTorch; a mask, not where(): 10x faster in NumPy
         from_output=True)  # y > 0 exactly where x > 0: the input need not be kept
register("leaky_relu", lambda m, x, slope, p1: m.where(x > 0, x, x * slope),
         lambda m, x, slope, p1: m.where(x > 0, 1.0, slope))
register("elu", lambda m, x, alpha, p1: m.where(x > 0, x, m.expm1(x) * alpha),
         lambda m, x, alpha, p1: m.where(x <= 0, m.exp(x) * alpha, 1.0))
register("gelu", _gelu_forward, _gelu_derivative, intermediate=_gelu_cdf)
register("gelu_tanh",
         lambda m, x, p0, p1: m.where(x == -_math.inf, 0.0, x * m.sigmoid(_gelu_tanh_inner(m, x) * 2)),
         lambda m, x, p0, p1: _gelu_tanh_derivative(m, x))
register("silu", _silu_forward, _silu_derivative, intermediate=_silu_sigmoid)
register("softplus",
         lambda m, x, beta, threshold: m.where(x * beta > threshold, x,
                                               (m.log1p(m.exp(-m.abs(x * beta))) + m.maximum(x * beta, 0.0)) / beta),
         lambda m, x, beta, threshold: m.where(x * beta > threshold, 1.0, m.sigmoid(x * beta)))
