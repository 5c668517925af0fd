"""The CPU backend's erf and erfc (minitorch/backends/special_math.py) against Python's math.erf and
math.erfc, element by element: a few ulp in float64 over every interval and both tails, correctly
rounded in float32 and float16, and the special values."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minitorch as mt
from minitorch.backends import special_math
from minitorch.backends.cpu import cpu

FLOAT64_ULPS = 8  # Cody's approximations are good to ~1e-17; the rounding of a dozen operations adds the rest
FUNCTIONS = {"erf": (special_math.erf, math.erf), "erfc": (special_math.erfc, math.erfc)}


def _inputs() -> np.ndarray:
    """Every interval and its bounds (0.46875, 4), the tails to erfc x ~ 1e-300 and beyond (x up to 28),
    subnormal-sized x, and a random spread."""
    bounds = np.array([special_math.SMALL_LIMIT, special_math.MIDDLE_LIMIT])
    near_bounds = np.concatenate([np.nextafter(bounds, 0), bounds, np.nextafter(bounds, np.inf)])
    grid = np.linspace(0, 28, 100_001)
    tiny = np.geomspace(1e-310, 1e-2, 2_000)
    spread = np.random.default_rng(0).standard_normal(20_000) * 4
    positive = np.concatenate([near_bounds, grid, tiny])
    return np.concatenate([positive, -positive, spread])


def _ulps(got: np.ndarray, want: np.ndarray, dtype: type) -> np.ndarray:
    """|got - want| in units of want's last place in dtype (the smallest normal's below it)."""
    spacing = np.spacing(np.maximum(np.abs(want), np.finfo(dtype).tiny).astype(dtype)).astype(np.float64)
    return np.abs(got.astype(np.float64) - want) / spacing


@pytest.mark.parametrize("name", FUNCTIONS)
def test_float64_is_within_a_few_ulp_of_math(name: str) -> None:
    ours, reference = FUNCTIONS[name]
    x = _inputs()
    want = np.array([reference(value) for value in x])
    got = ours(x)
    assert got.dtype == np.float64
    errors = _ulps(got, want, np.float64)
    worst = int(np.argmax(errors))
    assert errors[worst] <= FLOAT64_ULPS, f"{name}({x[worst]!r}) = {got[worst]!r}, math gives {want[worst]!r}"


def test_erfc_keeps_its_digits_deep_in_the_tail() -> None:
    """erfc 26 = 5.7e-296 and erfc 26.5 = 1.5e-307, where 1 - erf would be 0."""
    x = np.array([10.0, 20.0, 26.0, 26.5])
    want = np.array([math.erfc(value) for value in x])
    assert want[-1] < 1e-300
    np.testing.assert_array_max_ulp(special_math.erfc(x), want, maxulp=FLOAT64_ULPS)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_float32_and_float16_are_rounded_from_float64(name: str, dtype: type) -> None:
    """erf through Cody's float64 path, rounded once: math's value rounded to dtype. erfc through the
    one-formula path (relative error 6e-11): the same but for values within 6e-11 of a halfway case, one ulp
    off: under 0.1% of these inputs (an approximation good to float32's 1e-7 would miss half)."""
    ours, reference = FUNCTIONS[name]
    x = _inputs().astype(dtype)
    x = x[np.isfinite(x)]
    want = np.array([reference(value) for value in x.astype(np.float64)]).astype(dtype)
    got = ours(x)
    assert got.dtype == dtype
    np.testing.assert_array_max_ulp(got, want, maxulp=1 if name == "erfc" else 0)
    assert np.mean(got != want) < 0.001


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_special_values(dtype: type) -> None:
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype)
    erf, erfc = special_math.erf(x), special_math.erfc(x)
    np.testing.assert_array_equal(erf, np.array([0.0, -0.0, 1.0, -1.0, np.nan], dtype))
    np.testing.assert_array_equal(np.signbit(erf[:2]), [False, True])
    np.testing.assert_array_equal(erfc, np.array([1.0, 1.0, 0.0, 2.0, np.nan], dtype))


def test_large_interval_on_many_elements_or_on_a_few() -> None:
    """Beyond 4 the large interval is computed on its elements alone when they are few, on all of them when
    they are many: both give math's values, in any shape (here 2-D, not contiguous)."""
    rng = np.random.default_rng(1)
    few = rng.uniform(-1, 1, (64, 64))
    few[::9, ::7] = rng.uniform(4, 27, few[::9, ::7].shape)
    many = rng.uniform(-27, 27, (64, 64))
    for x in (few, many, many.T[::2]):
        want = np.vectorize(math.erfc)(x)
        np.testing.assert_array_max_ulp(special_math.erfc(x), want, maxulp=FLOAT64_ULPS)


def test_the_cpu_backend_and_mt_erf_use_it() -> None:
    x = np.linspace(-6, 6, 1001)
    np.testing.assert_array_equal(cpu.erf(x), special_math.erf(x))
    np.testing.assert_array_equal(cpu.erfc(x), special_math.erfc(x))
    np.testing.assert_array_equal(mt.erfc(mt.tensor(x)).numpy(), special_math.erfc(x))
    np.testing.assert_array_equal(mt.erf(mt.tensor(x, dtype=mt.float32)).numpy(),
                                  special_math.erf(x.astype(np.float32)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_zero_d_and_empty_inputs_keep_their_shape(dtype: type) -> None:
    for name, (ours, reference) in FUNCTIONS.items():
        x = np.asarray(-0.7, dtype)
        result = ours(x)
        assert isinstance(result, np.ndarray) and result.shape == () and result.dtype == dtype, name
        assert result == np.asarray(reference(float(x)), dtype), name
        assert ours(np.zeros((0, 3), dtype)).shape == (0, 3), name
