"""Indexing: x[index], x[index] = value, gather / scatter_add along a dim."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..dims import normalize_dim
from ..tensor import Tensor


def _index_part(part: Any, backend: Any) -> Any:
    """One element of an index as the array module understands it; IndexError for what PyTorch refuses.

    Index tensors, lists and ranges move to the indexed tensor's device, as PyTorch allows.
    """
    if isinstance(part, range):
        return backend.asarray(np.arange(part.start, part.stop, part.step))
    if isinstance(part, Tensor):
        if part.dtype.is_floating_point:
            raise IndexError(f"tensors used as indices must be long, int or bool tensors, got {part.dtype.name}")
        return part._data if part._backend is backend else backend.asarray(part._backend.to_numpy(part._data))
    if isinstance(part, (list, tuple)):
        array = np.asarray([p.item() if isinstance(p, Tensor) else p for p in part])
        if array.dtype.kind not in "iub":
            raise IndexError(f"index lists must hold integers or bools, got {part!r}")
        return backend.asarray(array)
    if isinstance(part, slice) and part.step is not None and part.step <= 0:
        raise ValueError(f"step must be greater than zero (got the slice {part})")
    if part is None or part is Ellipsis or isinstance(part, (slice, int, np.integer, bool, np.bool_)):
        return part
    raise IndexError(
        "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
        f"(got {type(part).__name__})"
    )


def normalize_index(index: Any, backend: Any, shape: tuple) -> tuple:
    """An index of a tensor of this shape as a tuple the backend's arrays can take; IndexError for an integer
    index out of range, also where the array module would wrap it around."""
    parts = index if isinstance(index, tuple) else (index,)
    normalized = tuple(_index_part(part, backend) for part in parts)
    if backend.wraps_indices:
        with backend.context():
            check_in_bounds(normalized, shape)
    return normalized


def check_in_bounds(index: tuple, shape: tuple) -> None:
    """IndexError in NumPy's and PyTorch's words for the first entry of an integer index array outside its
    dimension, for array modules that wrap such entries around instead of raising (CuPy does: a[5] of size 3
    would silently read a[2])."""
    used = sum(0 if part is None or part is Ellipsis else getattr(part, "ndim", 1) if _is_mask(part) else 1
               for part in index)
    dim = 0
    for part in index:
        if part is None:
            continue
        if part is Ellipsis:
            dim += len(shape) - used
            continue
        if _is_mask(part):
            dim += part.ndim
            continue
        if hasattr(part, "dtype") and dim < len(shape):  # past the last dim: the array module raises itself
            size, flat = shape[dim], part.reshape(-1)
            outside = (flat < -size) | (flat >= size)
            if bool(outside.any()):  # on a GPU this waits for the comparison, as PyTorch's bounds check does
                raise IndexError(f"index {int(flat[outside][0])} is out of bounds for dimension {dim} with size "
                                 f"{size}")
        dim += 1


def _is_mask(part: Any) -> bool:
    return getattr(part, "dtype", None) is not None and part.dtype.kind == "b"


def is_basic(index: tuple) -> bool:
    return all(part is None or part is Ellipsis or isinstance(part, (slice, int, np.integer)) for part in index)


def _index_error(error: IndexError) -> IndexError:
    """NumPy's indexing message in PyTorch's words ('dimension', not 'axis')."""
    return IndexError(str(error).replace("axes", "dimensions").replace("axis", "dimension"))


class Index(Function):
    """y = x[index]; dx = grad scattered back to the indexed places (repeated indices add up)."""

    forward_on_arrays = True
    is_view = True

    @staticmethod
    def forward(ctx: Function, x: Any, index: tuple) -> Any:
        ctx.input_shape, ctx.index = x.shape, index
        try:
            return x[index]
        except IndexError as error:
            raise _index_error(error) from None

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return IndexAdd.apply(grad_output, ctx.input_shape, ctx.index), None

    def name(self) -> str:
        """PyTorch's name: a basic index is named by its last part that does something (x[0]: SelectBackward0)."""
        if not is_basic(self.index):
            return "IndexBackward0"
        for part in reversed(self.index):
            if part is None:
                return "UnsqueezeBackward0"
            if isinstance(part, (int, np.integer)):
                return "SelectBackward0"
            if isinstance(part, slice) and part.indices(2**62) != (0, 2**62, 1):
                return "SliceBackward0"
        return "AliasBackward0"


class IndexAdd(Function):
    """y = zeros(shape) with values added at index; dy/dvalues = grad[index]."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, values: Any, shape: tuple, index: tuple) -> Any:
        ctx.index = index
        result = ctx.xp.zeros(shape, dtype=values.dtype)
        if is_basic(index):
            result[index] = values
        else:
            ctx._backend.index_add(result, index, values)
        return result

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return Index.apply(grad_output, ctx.index), None, None


class IndexPut(Function):
    """y = x with y[index] = values; dx = grad with the written places zeroed, dvalues = grad[index]."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, values: Any, index: tuple) -> Any:
        ctx.index = index
        result = x.copy()
        try:
            result[index] = values
        except IndexError as error:
            raise _index_error(error) from None
        return result

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        grad_x = IndexPut.apply(grad_output, grad_output.dtype.numpy.type(0), ctx.index)
        return grad_x, Index.apply(grad_output, ctx.index) if ctx.needs_input_grad[1] else None, None


def _along_dim(index: Any, dim: int, xp: Any) -> tuple:
    """Full index arrays addressing, for every position of `index`, the element index[...] along dim."""
    grids = []
    for axis, size in enumerate(index.shape):
        shape = [1] * index.ndim
        shape[axis] = size
        grids.append(index if axis == dim else xp.arange(size).reshape(shape))
    return tuple(grids)


class Gather(Function):
    """y[i][j] = x[i][index[i][j]] along dim; dx = grad added back at those places."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, dim: int, index: Any) -> Any:
        ctx.input_shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        try:
            return x[_along_dim(index, dim, ctx.xp)]
        except IndexError as error:
            raise _index_error(error) from None

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        index, = ctx.saved_tensors
        return ScatterAdd.apply(grad_output, ctx.input_shape, ctx.dim, index), None, None


class ScatterAdd(Function):
    """y = zeros(shape) with values added at index along dim; dvalues = grad gathered back."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, values: Any, shape: tuple, dim: int, index: Any) -> Any:
        ctx.dim = dim
        ctx.save_for_backward(index)
        result = ctx.xp.zeros(shape, dtype=values.dtype)
        ctx._backend.index_add(result, _along_dim(index, dim, ctx.xp), values)
        return result

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        index, = ctx.saved_tensors
        return Gather.apply(grad_output, ctx.dim, index), None, None, None


def getitem(input: Tensor, index: Any) -> Tensor:
    """input[index]: ints, slices with steps, None, Ellipsis, integer and boolean index tensors, lists, ranges."""
    return Index.apply(input, normalize_index(index, input._backend, input._data.shape))


def setitem(input: Tensor, index: Any, value: Any) -> None:
    """input[index] = value, in place (recorded by autograd like PyTorch's index_put_)."""
    index = normalize_index(index, input._backend, input._data.shape)
    tracked = is_grad_enabled() and (input.requires_grad or (isinstance(value, Tensor) and value.requires_grad))
    if not tracked:
        if input.requires_grad and input.is_leaf and is_grad_enabled():
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        try:
            input._write(index, value._data if isinstance(value, Tensor) else value)
        except IndexError as error:
            raise _index_error(error) from None
        input._version_counter.value += 1
        return
    values = value.to(input.dtype) if isinstance(value, Tensor) else input.dtype.numpy.type(value)
    input._apply_inplace(lambda target, new_values: IndexPut.apply(target, new_values, index), values)


def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """Values of input picked along dim by an int64 index tensor of the same number of dims."""
    if index.dtype is not dtypes.int64:
        raise RuntimeError(f"gather(): Expected dtype int64 for index, got {index.dtype.name}")
    if index.ndim != input.ndim:
        raise RuntimeError(f"Index tensor must have the same number of dimensions as input tensor "
                           f"({index.ndim} and {input.ndim})")
    if index._backend is not input._backend:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least two devices, "
                           f"{input.device} and {index.device}! (gather's index)")
    axis = normalize_dim(dim, input.ndim)
    if input._backend.wraps_indices:
        with input._backend.context():
            check_in_bounds((slice(None),) * axis + (index._data,), input._data.shape)
    return Gather.apply(input, axis, index._data)
