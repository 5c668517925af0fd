"""The dtypes minitorch supports and PyTorch's rules for promoting them."""
from __future__ import annotations

import numpy as np


class dtype:
    """A tensor element type: PyTorch's name over a NumPy dtype."""

    def __init__(self, name: str, numpy_dtype: type, category: int) -> None:
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.category = category  # 0 bool, 1 integer, 2 floating: promotion moves up this ladder
        self.is_floating_point = category == FLOATING
        self.itemsize = self.numpy.itemsize

    def __repr__(self) -> str:
        return f"minitorch.{self.name}"

    def __reduce__(self) -> str:
        return self.name


BOOL, INTEGER, FLOATING = 0, 1, 2

float16 = dtype("float16", np.float16, FLOATING)
float32 = dtype("float32", np.float32, FLOATING)
float64 = dtype("float64", np.float64, FLOATING)
int32 = dtype("int32", np.int32, INTEGER)
int64 = dtype("int64", np.int64, INTEGER)
uint8 = dtype("uint8", np.uint8, INTEGER)  # bytes, as random generator states
bool_ = dtype("bool", np.bool_, BOOL)

half, float_, double = float16, float32, float64
int_, long = int32, int64

ALL_DTYPES = (float16, float32, float64, int32, int64, uint8, bool_)
_BY_NUMPY = {d.numpy: d for d in ALL_DTYPES}

_default_float = float32


def get_default_dtype() -> dtype:
    """The dtype of tensors made from Python floats (float32 unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Make `d` (float32 or float64, or float16) the dtype of new floating tensors."""
    global _default_float
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def from_numpy_dtype(numpy_dtype: np.dtype) -> dtype:
    """The minitorch dtype of a NumPy dtype; TypeError for one we do not support."""
    try:
        return _BY_NUMPY[np.dtype(numpy_dtype)]
    except KeyError:
        supported = ", ".join(d.name for d in ALL_DTYPES)
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(numpy_dtype)}. "
            f"The only supported types are: {supported}."
        ) from None


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promoteTypes for our dtypes: the higher category wins, else the wider type."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return a if a.itemsize >= b.itemsize else b


def scalar_dtype(value: bool | int | float) -> dtype:
    """The dtype PyTorch gives a Python number: bool, int64 or the default float."""
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    return _default_float


def result_type(*operands) -> dtype:
    """PyTorch's result_type: dimensioned tensors outrank 0-dim tensors, which outrank numbers.

    A lower-ranked operand changes the result only when it is of a higher category
    (an int tensor + 2.5 is float32; a float16 tensor + 2.5 stays float16).
    """
    tiers: list[dtype | None] = [None, None, None]  # dimensioned, zero-dim, Python number
    for operand in operands:
        operand_dtype = getattr(operand, "dtype", None)
        if isinstance(operand_dtype, dtype):  # a Tensor (this module is below tensors: it knows them by their dtype)
            tier = 0 if operand.ndim else 1
        else:
            tier, operand_dtype = 2, scalar_dtype(operand)
        current = tiers[tier]
        tiers[tier] = operand_dtype if current is None else promote_types(current, operand_dtype)
    result = None
    for tier_dtype in tiers:
        if tier_dtype is None:
            continue
        if result is None:
            result = tier_dtype
        elif tier_dtype.category > result.category:
            result = tier_dtype
    return result
