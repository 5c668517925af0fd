"""Creating tensors: from data, filled with a value, and ranges (random numbers are in random.py)."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import dtypes
from .backends import backend_for
from .dtypes import dtype as DType
from .tensor import Tensor, shape_from_args

_PYTHON_TYPES = {float: dtypes.float64, int: dtypes.int64, bool: dtypes.bool_}


def as_dtype(value: Any, argument: str = "dtype") -> DType:
    """A minitorch dtype from a dtype or a Python type (float means float64, as in PyTorch)."""
    if isinstance(value, DType):
        return value
    if value in _PYTHON_TYPES:
        return _PYTHON_TYPES[value]
    raise TypeError(f"{argument} must be a minitorch dtype (e.g. minitorch.float32), got {value!r}")


def _allocate(backend: Any, doing: str, make: Any) -> Any:
    """make() an array on backend, with its device current; the device library's errors (out of memory...)
    become minitorch's."""
    try:
        with backend.context():
            return make()
    except Exception as error:
        translated = backend.translate_error(error, doing)
        if translated is None:
            raise
        raise translated from error


def _leaf(array: Any, backend: Any, requires_grad: bool) -> Tensor:
    result = Tensor._make(array, backend)
    if requires_grad:
        result.requires_grad_(True)
    return result


def _checked_size(args: tuple) -> tuple[int, ...]:
    size = shape_from_args(args)
    if any(dim < 0 for dim in size):
        negative = next(dim for dim in size if dim < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {negative}: {list(size)}")
    return size


def _ragged_message(data: Any, depth: int = 0) -> str | None:
    """PyTorch's message for nested lists of unequal lengths, or None if they are regular."""
    if not isinstance(data, (list, tuple)) or not data:
        return None
    lengths = [len(item) if isinstance(item, (list, tuple)) else None for item in data]
    first = lengths[0]
    for length in lengths:
        if length != first:
            got = "a scalar" if length is None else f"length {length}"
            expected = "a scalar" if first is None else f"sequence of length {first}"
            return f"expected {expected} at dim {depth + 1} (got {got})"
    for item in data:
        message = _ragged_message(item, depth + 1)
        if message:
            return message
    return None


def _plain_values(data: Any) -> Any:
    """Nested sequences with tensors replaced by their Python values."""
    if isinstance(data, Tensor):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        return [_plain_values(item) for item in data]
    return data


def tensor(data: Any, dtype: DType | None = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor (always a copy) from a number, nested lists, a NumPy array or a tensor.

    Python floats become the default dtype (float32), ints int64, bools bool;
    a NumPy array keeps its dtype.
    """
    backend = backend_for(device)
    target = None if dtype is None else as_dtype(dtype)
    if isinstance(data, Tensor):
        source = data._backend.to_numpy(data._data)
        inferred = data.dtype
    elif isinstance(data, np.ndarray) or isinstance(data, np.generic):
        source = np.asarray(data)
        inferred = dtypes.from_numpy_dtype(source.dtype)
    else:
        try:
            source = np.array(data)
        except ValueError:
            raise ValueError(_ragged_message(data) or f"could not convert {type(data).__name__} to a tensor") from None
        if source.dtype == object:
            source = np.array(_plain_values(data))
        kind = source.dtype.kind
        if kind == "b":
            inferred = dtypes.bool_
        elif kind in "iu":
            inferred = dtypes.int64
        elif kind == "f":
            inferred = dtypes.get_default_dtype()
        else:
            raise TypeError(f"Could not infer dtype of {type(data).__name__} (numpy kind {source.dtype})")
    final = target or inferred
    values = np.array(source, dtype=final.numpy, copy=True)
    array = _allocate(backend, f"tensor() of {final.name} {values.shape}", lambda: backend.asarray(values))
    return _leaf(array, backend, requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A CPU tensor sharing memory with a NumPy array (changes show on both sides)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy_dtype(array.dtype)
    return Tensor._make(array, backend_for("cpu"))


DLPACK_CPU, DLPACK_CUDA = 1, 2  # DLDeviceType codes


def from_dlpack(source: Any) -> Tensor:
    """A tensor sharing memory with any DLPack exporter (a NumPy or CuPy array, a PyTorch tensor)."""
    if not hasattr(source, "__dlpack_device__"):
        raise TypeError(f"from_dlpack: expected an object with __dlpack__ and __dlpack_device__, "
                        f"got {type(source).__name__}")
    device_type, device_index = source.__dlpack_device__()
    if device_type == DLPACK_CPU:
        backend = backend_for("cpu")
        array = np.from_dlpack(source)
    elif device_type == DLPACK_CUDA:
        backend = backend_for(f"cuda:{device_index}")
        array = backend.xp.from_dlpack(source)
    else:
        raise RuntimeError(f"from_dlpack: unsupported DLPack device type {device_type} (only CPU and CUDA)")
    dtypes.from_numpy_dtype(array.dtype)
    return Tensor._make(array, backend)


def _filled(size: tuple, fill: Any, dtype: DType | None, device: Any, requires_grad: bool) -> Tensor:
    backend = backend_for(device)
    target = dtypes.get_default_dtype() if dtype is None else as_dtype(dtype)
    array = _allocate(backend, f"a {target.name} tensor of size {size}",
                      lambda: backend.xp.full(size, fill, dtype=target.numpy))
    return _leaf(array, backend, requires_grad)


def zeros(*size: Any, dtype: DType | None = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(_checked_size(size), 0, dtype, device, requires_grad)


def ones(*size: Any, dtype: DType | None = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(_checked_size(size), 1, dtype, device, requires_grad)


def empty(*size: Any, dtype: DType | None = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor with unspecified values (NumPy's empty)."""
    backend = backend_for(device)
    target = dtypes.get_default_dtype() if dtype is None else as_dtype(dtype)
    shape = _checked_size(size)
    array = _allocate(backend, f"a {target.name} tensor of size {shape}",
                      lambda: backend.xp.empty(shape, dtype=target.numpy))
    return _leaf(array, backend, requires_grad)


def full(size: Sequence[int], fill_value: Any, dtype: DType | None = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor filled with fill_value; its dtype follows the value (bool, int64 or the default float)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    target = dtypes.scalar_dtype(fill_value) if dtype is None else dtype
    return _filled(_checked_size((size,)), fill_value, target, device, requires_grad)


def _like(source: Tensor, dtype: DType | None, device: Any) -> tuple[tuple, DType, Any]:
    return tuple(source.shape), source.dtype if dtype is None else dtype, source.device if device is None else device


def zeros_like(input: Tensor, dtype: DType | None = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    size, dtype, device = _like(input, dtype, device)
    return zeros(size, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(input: Tensor, dtype: DType | None = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    size, dtype, device = _like(input, dtype, device)
    return ones(size, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(input: Tensor, dtype: DType | None = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    size, dtype, device = _like(input, dtype, device)
    return empty(size, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value: Any, dtype: DType | None = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    size, dtype, device = _like(input, dtype, device)
    return full(size, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


# ---- ranges ----
def arange(start: float, end: float | None = None, step: float = 1, dtype: DType | None = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Values from start up to (not including) end by step; int64 when all three are integers."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"upper bound and larger bound inconsistent with step sign (start={start}, end={end}, "
                           f"step={step})")
    if dtype is None:
        all_integral = all(isinstance(value, (int, np.integer)) for value in (start, end, step))
        dtype = dtypes.int64 if all_integral else dtypes.get_default_dtype()
    backend = backend_for(device)
    values = np.arange(start, end, step, dtype=np.float64 if as_dtype(dtype).is_floating_point else np.int64)
    return _leaf(backend.asarray(values.astype(as_dtype(dtype).numpy)), backend, requires_grad)


def linspace(start: float, end: float, steps: int, dtype: DType | None = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """`steps` values evenly spaced from start to end, both included."""
    if steps < 0:
        raise RuntimeError(f"number of steps must be non-negative, got {steps}")
    target = dtypes.get_default_dtype() if dtype is None else as_dtype(dtype)
    backend = backend_for(device)
    values = np.linspace(start, end, steps, dtype=np.float64)
    return _leaf(backend.asarray(values.astype(target.numpy)), backend, requires_grad)


def eye(n: int, m: int | None = None, dtype: DType | None = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """An n x m matrix with ones on the diagonal."""
    backend = backend_for(device)
    target = dtypes.get_default_dtype() if dtype is None else as_dtype(dtype)
    array = _allocate(backend, f"a {target.name} eye of size {n}",
                      lambda: backend.xp.eye(n, n if m is None else m, dtype=target.numpy))
    return _leaf(array, backend, requires_grad)
