"""Comparing tensors as a whole: isclose (elementwise, a bool tensor), allclose and equal (a Python bool)."""
from __future__ import annotations

from ..tensor import Tensor


def _same_dtype(input: Tensor, other: Tensor, name: str) -> None:
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{name}(): {input.dtype.name} did not match {other.dtype.name} (both inputs must "
                           "have the same dtype)")


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other| elementwise (equal infinities are close; NaN only with
    equal_nan)."""
    _same_dtype(input, other, "isclose")
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"isclose(): rtol and atol must be non-negative, got rtol={rtol}, atol={atol}")
    if other._backend is not input._backend:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                           f"{input.device} and {other.device}! (isclose)")
    with input._backend.context():
        close = input._backend.xp.isclose(input._data, other._data, rtol, atol, equal_nan)
    return Tensor._make(close, input._backend)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether every element of input is close to other's (isclose, broadcasting)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def equal(input: Tensor, other: Tensor) -> bool:
    """Whether the two tensors have the same shape and the same elements."""
    return input.shape == other.shape and bool((input == other).all())
