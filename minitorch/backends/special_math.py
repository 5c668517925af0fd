"""erf and erfc as whole-array NumPy code (NumPy has no erf ufunc), to a few ulp in float64; and the sigmoid.

The approximations are W. J. Cody's, "Rational Chebyshev approximations for the error function",
Math. Comp. 23 (1969) 631-637, with the coefficients and interval bounds of his later Fortran routine
CALERF (netlib specfun, 1985): on |x| <= 0.46875, erf x = x P(x²) / Q(x²); on 0.46875 < |x| <= 4,
erfc x = e^(-x²) R(x) / S(x); beyond 4, erfc x = e^(-x²) / x (1/√π + U(1/x²) / (x² V(1/x²))).
e^(-x²) is e^(-a²) e^(-(x-a)(x+a)) with a = x rounded down to sixteenths, so that x² is never rounded
(its rounding error would be magnified 2x² times: hundreds of ulp near x = 27).

np.where and boolean indexing branch per element (7x a multiply on a random mask), so the two intervals
most inputs fall in are both evaluated on every element and chosen by arithmetic.

erfc of float32 and float16, whose results need 8 digits, not 17, takes one formula instead (half the
work, for GELU): erfc y = e^(-y²) t P(t) with t = 1 / (1 + p y), Abramowitz and Stegun's substitution
(Handbook 7.1.26, p = 0.3275911), and P of degree 12 fitted here to math.erfc (relative error 6e-11),
in float64 and rounded once: correctly rounded but within 6e-11 of a halfway case. erf of them, which
must keep its relative accuracy near 0, takes Cody's path in float64.
"""
from __future__ import annotations

import math

import numpy as np

SMALL_LIMIT = 0.46875
MIDDLE_LIMIT = 4.0
UNDERFLOW_LIMIT = 27.5  # erfc x < 5e-324 (0 in float64) beyond: larger |x| are clipped here, inf included
INV_SQRT_PI = 0.56418958354775628695
SUBSTITUTION = 0.3275911  # p in t = 1 / (1 + p y), from Abramowitz and Stegun 7.1.26
ROUNDED_LIMIT = 10.1  # erfc y < 7e-46 beyond, 0 in float32 (and float16): larger y are clipped here
FEW_LARGE = 8  # beyond MIDDLE_LIMIT in under 1 element in 8: computed on those elements alone

# Cody's coefficients, highest degree first (np.polyval's order); each denominator's leading 1 is implicit.
_SMALL_NUMERATOR = (1.85777706184603153e-1, 3.16112374387056560e0, 1.13864154151050156e2,
                    3.77485237685302021e2, 3.20937758913846947e3)
_SMALL_DENOMINATOR = (2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3,
                      2.84423683343917062e3)
_MIDDLE_NUMERATOR = (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e0,
                     6.61191906371416295e1, 2.98635138197400131e2, 8.81952221241769090e2,
                     1.71204761263407058e3, 2.05107837782607147e3, 1.23033935479799725e3)
_MIDDLE_DENOMINATOR = (1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2,
                       1.62138957456669019e3, 3.29079923573345963e3, 4.36261909014324716e3,
                       3.43936767414372164e3, 1.23033935480374942e3)
_LARGE_NUMERATOR = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
                    1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_LARGE_DENOMINATOR = (2.56852019228982242e0, 1.87295284992346047e0, 5.27905102951428412e-1,
                      6.05183413124413191e-2, 2.33520497626869185e-3)


def _ratio(t: np.ndarray, numerator: tuple, denominator: tuple) -> np.ndarray:
    """P(t) / Q(t) by Horner's rule in place, P and Q of one degree, Q monic (its leading 1 not stored)."""
    top = t * numerator[0]
    bottom = t + denominator[0]
    for coefficient in numerator[1:-1]:
        top += coefficient
        top *= t
    for coefficient in denominator[1:]:
        bottom *= t
        bottom += coefficient
    top += numerator[-1]
    return np.divide(top, bottom, out=top)


def _exp_minus_square(y: np.ndarray, exact: bool) -> np.ndarray:
    """e^(-y²) for 0 <= y <= UNDERFLOW_LIMIT; exact: to float64 rounding, y² never rounded (see the module),
    else with y² rounded, which costs at most 2y²·2^-53 (1e-14 at y = 10): nothing once rounded to float32."""
    if not exact:
        square = y * y
        return np.exp(np.negative(square, out=square), out=square)
    head = np.floor(y * 16)
    head /= 16  # at most 9 bits: head² is exact
    tail = (y - head) * (y + head)
    result = np.exp(np.negative(head * head, out=head), out=head)
    result *= np.exp(np.negative(tail, out=tail), out=tail)
    return result


def _select(condition: np.ndarray, if_true: np.ndarray, if_false: np.ndarray) -> np.ndarray:
    """where(condition, if_true, if_false) for finite-or-NaN values, by arithmetic: np.where branches per
    element, and on a random mask runs 7x slower than two multiplies (440 vs 60 µs on 131k float64)."""
    chosen = np.multiply(if_true, condition)
    chosen += np.multiply(if_false, ~condition, out=if_false)
    return chosen


def _erfc_middle(y: np.ndarray, exact: bool) -> np.ndarray:
    tail = _ratio(y, _MIDDLE_NUMERATOR, _MIDDLE_DENOMINATOR)
    tail *= _exp_minus_square(y, exact)
    return tail


def _erfc_large(y: np.ndarray, exact: bool) -> np.ndarray:
    inverse_square = 1 / (y * y)
    correction = _ratio(inverse_square, _LARGE_NUMERATOR, _LARGE_DENOMINATOR)
    correction *= inverse_square
    np.subtract(INV_SQRT_PI, correction, out=correction)
    correction /= y
    correction *= _exp_minus_square(y, exact)
    return correction


def _erfc_beyond_small(y: np.ndarray, exact: bool) -> np.ndarray:
    """erfc y for y >= 0 as if y were at least SMALL_LIMIT (NaN kept). The large interval is evaluated on its
    elements alone when they are few (a gather and a scatter), on all of them with the middle's otherwise."""
    tail = _erfc_middle(np.clip(y, SMALL_LIMIT, MIDDLE_LIMIT), exact)
    large = y > MIDDLE_LIMIT
    if not large.any():
        return tail
    where_large = np.flatnonzero(large)
    if len(where_large) * FEW_LARGE > y.size:
        return _select(large, _erfc_large(np.clip(y, MIDDLE_LIMIT, UNDERFLOW_LIMIT), exact), tail)
    tail[where_large] = _erfc_large(np.minimum(y[where_large], UNDERFLOW_LIMIT), exact)  # all flat
    return tail


def _erf_small(x: np.ndarray) -> np.ndarray:
    """erf x as if |x| were at most SMALL_LIMIT (±0 kept)."""
    x = np.clip(x, -SMALL_LIMIT, SMALL_LIMIT)
    ratio = _ratio(x * x, _SMALL_NUMERATOR, _SMALL_DENOMINATOR)
    ratio *= x
    return ratio


def _fit_rounded_polynomial(degree: int = 12, nodes: int = 400) -> tuple[float, ...]:
    """P (highest degree first) with erfc y = e^(-y²) t P(t), t = 1 / (1 + p y), for 0 <= y <= ROUNDED_LIMIT:
    least squares at Chebyshev nodes in t against math.erfc, once at import (1 ms)."""
    t_low = 1 / (1 + SUBSTITUTION * ROUNDED_LIMIT)
    t = t_low + (1 - t_low) / 2 * (1 + np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes))
    y = (1 / t - 1) / SUBSTITUTION
    scaled = [math.exp(value * value) * math.erfc(value) for value in y] / t
    fit = np.polynomial.Chebyshev.fit(t, scaled, degree)
    return tuple(fit.convert(kind=np.polynomial.Polynomial).coef[::-1])


_ROUNDED_POLYNOMIAL = _fit_rounded_polynomial()


def _erfc_to_round(work: np.ndarray) -> np.ndarray:
    """erfc of float64 values for a float32 or float16 result: relative error 6e-11 (see the module).
    In place on three arrays beside work: a fresh 1 MB temporary costs as much as an operation on it."""
    negative = np.signbit(work)
    y = np.abs(work)
    np.minimum(y, ROUNDED_LIMIT, out=y)  # NaN stays NaN
    t = np.multiply(y, SUBSTITUTION)
    t += 1
    np.divide(1.0, t, out=t)
    result = np.multiply(t, _ROUNDED_POLYNOMIAL[0])
    for coefficient in _ROUNDED_POLYNOMIAL[1:]:
        result += coefficient
        result *= t
    np.multiply(y, y, out=y)
    result *= np.exp(np.negative(y, out=y), out=y)
    # x < 0: 2 - erfc |x|, as erfc |x| + (2 - 2 erfc |x|) · 1, chosen by arithmetic, not where()
    reflected = np.multiply(result, -2.0, out=y)
    reflected += 2.0
    reflected *= negative
    result += reflected
    return result
def _working(x: np.ndarray) -> tuple[np.ndarray, bool]:
    """x in float64 and flat (so that a 0-d x gives arrays, not NumPy scalars, which out= refuses), and whether
    the result is float64 (else float32 or float16, rounded from float64)."""
    return np.asarray(x, dtype=np.float64).reshape(-1), x.dtype == np.float64


def erf(x: np.ndarray) -> np.ndarray:
    """The error function of each element, in x's dtype (NaN kept, erf ±inf = ±1, erf -0 = -0)."""
    work, exact = _working(x)
    magnitude = np.abs(work)
    tail = _erfc_beyond_small(magnitude, exact)
    beyond = np.subtract(1.0, tail, out=tail)  # erfc < 0.51 here, so 1 - erfc has no cancellation
    np.copysign(beyond, work, out=beyond)
    return _select(magnitude <= SMALL_LIMIT, _erf_small(work), beyond).astype(x.dtype, copy=False).reshape(x.shape)


def erfc(x: np.ndarray) -> np.ndarray:
    """1 - erf x of each element, in x's dtype, to full relative accuracy where it is tiny (erfc 26 = 5.7e-296)."""
    work, exact = _working(x)
    if not exact:
        return _erfc_to_round(work).astype(x.dtype).reshape(x.shape)
    magnitude = np.abs(work)
    tail = _erfc_beyond_small(magnitude, exact)
    beyond = _select(work < 0, np.subtract(2.0, tail), tail)
    small = np.subtract(1.0, _erf_small(work))
    return _select(magnitude <= SMALL_LIMIT, small, beyond).reshape(x.shape)


def sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """1 / (1 + e^-x) as (1 or e^-|x|) / (1 + e^-|x|): it never overflows and keeps its relative accuracy where it
    is tiny (σ(-20) = 2.06e-9, where 0.5 + 0.5 tanh(x/2) gives 0). The numerator is max(e^-|x|, x >= 0), not
    where(x >= 0, ...): where branches per element, and on the signs of a layer's inputs runs 4x slower than this
    whole function (131k float32: 770 vs 180 µs). out may be x itself (the cells' gate blocks, in place)."""
    decay = np.exp(np.negative(np.abs(x)))
    numerator = np.maximum(decay, x >= 0, out=out)  # NaN stays NaN
    decay += 1
    numerator /= decay  # in place on arrays; a 0-d input gives NumPy scalars, which /= rebinds
    return numerator
