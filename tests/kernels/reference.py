"""Float64 references for the activations, written from their definitions (not from the registry's
formulas), and the inputs and error measure shared by the kernel tests and tests/kernels/host_report.py.

A float formula is accurate relative to the terms it rounds, not always relative to its result: e^z
magnifies the rounding of a computed z by |z|, and the terms of a sum can cancel. So each reference gives
the exact value and that `scale`, and results are judged by the mixed error |got - value| / (|value| +
scale), with a floor near the dtype's smallest normal number. A scale is always relative to the value or
to the terms of a sum, never an absolute allowance: a tail computed as 0 (gelu's x (1 + erf(x/√2)) / 2 for
x < -5.9 in float32) is 100% off and fails; the tails' exact values come from math.erfc.
"""
from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np

RTOL = {np.dtype(np.float16): 2.0 ** -10, np.dtype(np.float32): 1.3e-6, np.dtype(np.float64): 1e-14}
"""The largest mixed error allowed: one step of float16 (computed in float32, then rounded), about 11 ulp
of float32, 45 ulp of float64."""

SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
GELU_TANH_CUBIC = 0.044715

_erfc = np.vectorize(math.erfc, otypes=[float])


class Expected(NamedTuple):
    value: np.ndarray  # the exact result, rounded to float64
    scale: np.ndarray  # the size of the terms the float formula rounds before they cancel or get magnified


def _exact(value: np.ndarray) -> Expected:
    return Expected(value, np.zeros_like(value))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


def _gelu_tanh_argument(x: np.ndarray) -> np.ndarray:
    """u of the tanh approximation 0.5 x (1 + tanh u)."""
    return SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x ** 3)


def _limits(x: np.ndarray, value: np.ndarray, at_minus_infinity: float, at_plus_infinity: float) -> np.ndarray:
    return np.where(x == -np.inf, at_minus_infinity, np.where(x == np.inf, at_plus_infinity, value))


# ---- forward(x, p0, p1) and derivative(saved, p0, p1); saved is y for sigmoid, tanh and relu ----
def step(x, p0, p1):
    return _exact(np.where(np.isnan(x), np.nan, (x > 0).astype(float)))


def step_derivative(x, p0, p1):
    return _exact(np.zeros_like(x))


def identity(x, p0, p1):
    return _exact(x.copy())


def identity_derivative(x, p0, p1):
    return _exact(np.ones_like(x))


def sigmoid(x, p0, p1):
    return _exact(_sigmoid(x))


def sigmoid_derivative(y, p0, p1):
    return _exact(y * (1 - y))


def tanh(x, p0, p1):
    return _exact(np.tanh(x))


def tanh_derivative(y, p0, p1):
    return Expected((1 - y) * (1 + y), y * y)  # the formula 1 - y·y cancels as |y| -> 1


def relu(x, p0, p1):
    return _exact(np.maximum(x, 0.0))


def relu_derivative(x, p0, p1):
    return _exact(np.where(x <= 0, 0.0, 1.0))  # NaN passes the gradient, as PyTorch's threshold_backward


def leaky_relu(x, slope, p1):
    return _exact(np.where(x > 0, x, slope * x))


def leaky_relu_derivative(x, slope, p1):
    return _exact(np.where(x > 0, 1.0, slope))


def elu(x, alpha, p1):
    return _exact(np.where(x > 0, x, alpha * np.expm1(x)))


def elu_derivative(x, alpha, p1):
    return _exact(np.where(x <= 0, alpha * np.exp(x), 1.0))  # NaN: 1, as PyTorch's elu_backward


def gelu(x, p0, p1):
    value = _limits(x, 0.5 * x * _erfc(-x / math.sqrt(2)), 0.0, np.inf)
    return Expected(value, np.abs(value) * np.where(x < 0, x * x, 0.0))  # erfc(z) magnifies z's rounding 2z²


def gelu_derivative(x, p0, p1):
    cumulative = 0.5 * _erfc(-x / math.sqrt(2))
    slope = x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    value = _limits(x, cumulative + slope, 0.0, 1.0)
    # Φ(x) + x φ(x) cancels near x = -0.75; each term carries its argument's rounding magnified by about x²
    return Expected(value, (np.abs(cumulative) + np.abs(slope)) * (1 + x * x))


def gelu_tanh(x, p0, p1):
    u = _gelu_tanh_argument(x)
    value = _limits(x, np.where(u >= 0, 0.5 * x * (1 + np.tanh(u)), x * np.exp(2 * u) / (1 + np.exp(2 * u))),
                    0.0, np.inf)
    return Expected(value, np.abs(value * 2 * u) * _sigmoid(-2 * u))  # e^(2u) of a rounded u


def gelu_tanh_derivative(x, p0, p1):
    u = _gelu_tanh_argument(x)
    t = np.tanh(u)
    sech_squared = 4 * _sigmoid(2 * u) * _sigmoid(-2 * u)  # 1 - tanh²(u), without cancelling
    coefficient = 0.5 * x * SQRT_2_OVER_PI * (1 + 3 * GELU_TANH_CUBIC * x * x)
    slope = np.where(sech_squared == 0, 0.0, coefficient * sech_squared)  # sech² decays faster than x³ grows
    value = _limits(x, _sigmoid(2 * u) + slope, 0.0, 1.0)
    # the formula's 0.5 (1 + t) and 1 - t·t cancel, with t = tanh of a rounded u
    scale = (0.5 * (np.abs(t) + sech_squared * np.abs(u))
             + np.abs(coefficient) * (t * t + 2 * np.abs(t * u) * sech_squared))
    return Expected(value, scale)


def silu(x, p0, p1):
    return _exact(_limits(x, x * _sigmoid(x), 0.0, np.inf))


def silu_derivative(x, p0, p1):
    value = _limits(x, _sigmoid(x) + x * _sigmoid(x) * _sigmoid(-x), 0.0, 1.0)
    return Expected(value, _sigmoid(x) * (1 + np.abs(x)))  # the formula's s (1 + x (1 - s)) cancels


def softplus(x, beta, threshold):
    scaled = x * beta
    value = np.where(scaled > threshold, x, np.logaddexp(0.0, scaled) / beta)
    return Expected(value, np.abs(x) * _sigmoid(scaled))  # e^-|x beta| of a rounded x beta


def softplus_derivative(x, beta, threshold):
    scaled = x * beta
    value = np.where(scaled > threshold, 1.0, _sigmoid(scaled))
    return Expected(value, np.abs(value * scaled) * _sigmoid(-scaled))


Reference = Callable[[np.ndarray, float, float], Expected]

REFERENCES: dict[str, tuple[Reference, Reference]] = {
    "step": (step, step_derivative),
    "identity": (identity, identity_derivative),
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
    "elu": (elu, elu_derivative),
    "gelu": (gelu, gelu_derivative),
    "gelu_tanh": (gelu_tanh, gelu_tanh_derivative),
    "silu": (silu, silu_derivative),
    "softplus": (softplus, softplus_derivative),
}
"""name -> (forward, derivative) in float64, each giving Expected(value, scale)."""

PARAMETERS: dict[str, list[tuple[float, float]]] = {
    "leaky_relu": [(0.01, 0.0), (0.2, 0.0)],
    "elu": [(1.0, 0.0), (0.5, 0.0)],
    "softplus": [(1.0, 20.0), (2.0, 5.0), (0.75, 10.0)],
}
"""(p0, p1) tested per activation; (0, 0) for those without parameters."""


def parameters(name: str) -> list[tuple[float, float]]:
    return PARAMETERS.get(name, [(0.0, 0.0)])


LIMIT_REGION = 1000.0
"""From |x| = 1000 on (and at ±inf) every activation is at its limit behaviour: no scale, only relative error."""


def expected(name: str, kind: str, values: np.ndarray, p0: float, p1: float) -> Expected:
    """The reference forward or derivative (kind) at values, with no scale in the limit region."""
    forward, derivative = REFERENCES[name]
    with np.errstate(all="ignore"):  # inf in branches that np.where discards
        result = (forward if kind == "forward" else derivative)(values.astype(np.float64), p0, p1)
    in_limit_region = ~(np.abs(values) < LIMIT_REGION)
    return Expected(result.value, np.where(in_limit_region, 0.0, result.scale))


def sample_inputs(dtype: type) -> np.ndarray:
    """Thousands of values of dtype: the edges (±0, ±inf, NaN, ±1e4, ±88.8, ±1000, tiny, denormal, max),
    every order of magnitude, a fine grid over [-30, 30] and random normals."""
    info = np.finfo(dtype)
    edges = [0.0, np.inf, np.nan, 1e4, 88.8, 1000.0, 1.0, 0.5, 20.0, 1e-30, float(info.tiny),
             float(info.smallest_subnormal), float(info.tiny) / 1024, float(info.max)]
    if dtype == np.float32:
        edges.append(1e-40)
    random = np.random.default_rng(0)
    exponents = np.linspace(info.minexp - info.nmant, info.maxexp - 1, 600).round().astype(int)
    magnitudes = np.ldexp(random.uniform(1, 1.99, exponents.size), exponents).astype(dtype)
    grid = np.linspace(-30, 30, 2401)
    normals = random.normal(0, 4, 1000)
    positive = np.concatenate([np.array(edges, dtype), magnitudes])
    return np.concatenate([positive, -positive, grid.astype(dtype), normals.astype(dtype)])


FLOOR = {np.dtype(np.float16): 1, np.dtype(np.float32): 128, np.dtype(np.float64): 128}
"""Results below FLOOR times the smallest normal number are judged absolutely: an intermediate that
underflows into the denormals (e^x for x < -87 in float32) keeps few bits, and x·σ(x) carries that
absolute error up to about 100 times the smallest normal number (float16 is computed in float32)."""


def mixed_error(got: np.ndarray, expected: Expected) -> np.ndarray:
    """|got - value| / max(|value| + scale, FLOOR · smallest normal of got's dtype), per element.

    Where the value is not finite, got must be the same (inf, or NaN): error 0 if so, else inf.
    """
    value = expected.value
    floor = FLOOR[got.dtype] * float(np.finfo(got.dtype).tiny)
    got = got.astype(np.float64)
    with np.errstate(all="ignore"):  # inf - inf, NaN: decided below
        error = np.abs(got - value) / np.maximum(np.abs(value) + expected.scale, floor)
    same = (got == value) | (np.isnan(got) & np.isnan(value))
    return np.where(same, 0.0, np.where(np.isfinite(value) & np.isfinite(got), error, np.inf))


def relative_error(got: np.ndarray, value: np.ndarray) -> np.ndarray:
    """|got - value| / max(|value|, FLOOR · smallest normal of got's dtype): the plain relative error."""
    return mixed_error(got, Expected(value, np.zeros_like(value)))


def assert_within(got: np.ndarray, expected: Expected, inputs: np.ndarray, rtol: float, what: str) -> None:
    """Fail, naming the worst input, where the mixed error of got exceeds rtol."""
    error = mixed_error(got, expected)
    failing = np.flatnonzero(~(error <= rtol))
    if failing.size:
        worst = failing[np.argmax(error[failing])]
        raise AssertionError(f"{what}: {failing.size} of {error.size} results off by more than {rtol:.3g}; worst "
                             f"at input {inputs[worst]!r}: got {got[worst]!r}, expected {expected.value[worst]!r} "
                             f"(scale {expected.scale[worst]:.3g}, mixed error {error[worst]:.3g})")
