"""How close a kernel's result must be to a float64 reference: a few units of rounding of the compute type
(float for half) on the magnitudes the formula rounds, and for float16 also the one rounding of that
float result to half."""
from __future__ import annotations

import numpy as np

UNIT_ROUNDOFF = {np.dtype(np.float16): 2.0 ** -24, np.dtype(np.float32): 2.0 ** -24,
                 np.dtype(np.float64): 2.0 ** -53}
"""Of the type each storage type is computed in: float16 is computed in float."""


def rounding(dtype: type, *magnitudes: np.ndarray | float) -> np.ndarray:
    """The unit roundoff of dtype's compute type times the sum of the magnitudes: one rounding of each."""
    return UNIT_ROUNDOFF[np.dtype(dtype)] * sum(np.abs(np.asarray(m, dtype=np.float64)) for m in magnitudes)


def assert_close(got: np.ndarray, exact: np.ndarray, error_bound: np.ndarray | float, what: str) -> None:
    """got (of its dtype) is within error_bound of exact (float64), plus half a step of got's dtype at exact
    (its final rounding; a whole step for float16, whose float result may round either way). Non-finite
    values must match exactly: inf for inf, NaN for NaN."""
    dtype = got.dtype
    exact = np.broadcast_to(np.asarray(exact, dtype=np.float64), got.shape)
    assert got.shape == exact.shape, f"{what}: shape {got.shape}, expected {exact.shape}"
    with np.errstate(all="ignore"):
        step = np.spacing(np.abs(exact).astype(dtype)).astype(np.float64)
        allowed = np.asarray(error_bound, dtype=np.float64) + step * (1.0 if dtype == np.float16 else 0.5)
        error = np.abs(got.astype(np.float64) - exact)
    finite = np.isfinite(exact)
    same = (got.astype(np.float64) == exact) | (np.isnan(got) & np.isnan(exact))
    bad = np.where(finite, ~(error <= allowed) & ~same, ~same)
    if bad.any():
        index = np.unravel_index(np.argmax(np.where(bad, np.nan_to_num(error / allowed, nan=np.inf), -1)), got.shape)
        raise AssertionError(f"{what} ({dtype}): {int(bad.sum())} of {got.size} results off; worst at {index}: "
                             f"got {got[index]!r}, expected {exact[index]!r}, allowed error {allowed[index]:.3g}")
