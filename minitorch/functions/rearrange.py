"""Rearranging elements: chunk / split / unbind, flip / roll, tril / triu, repeat / tile / repeat_interleave,
masked_fill and meshgrid.

The pieces of split and unbind are slices (views, as in PyTorch); repeat_interleave is an index with
repeated entries, so its gradient adds up over the copies.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import numpy as np

from .. import creation, dtypes
from ..autograd.function import Function
from ..dims import normalize_dim
from ..tensor import Tensor, shape_from_args
from .arithmetic import where
from .indexing import getitem


def _along(axis: int, part: Any) -> tuple:
    """An index that applies part to dim axis and keeps every other dim."""
    return (slice(None),) * axis + (part,)


def split(tensor: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """Views of consecutive pieces along dim: of one size (the last may be smaller), or of the listed sizes."""
    axis = normalize_dim(dim, tensor.ndim)
    length = tensor.shape[axis]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={split_size_or_sections}")
        if split_size_or_sections == 0 and length:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size {length}")
        size = split_size_or_sections or 1
        sizes = [min(size, length - start) for start in range(0, length, size)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != length or any(size < 0 for size in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's "
                               f"size at dimension {axis}), but got split_sizes={sizes}")
    pieces, start = [], 0
    for size in sizes:
        pieces.append(getitem(tensor, _along(axis, slice(start, start + size))))
        start += size
    return tuple(pieces)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most `chunks` views of equal size along dim (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    length = input.shape[normalize_dim(dim, input.ndim)]
    return split(input, max(math.ceil(length / chunks), 1) if length else 0, dim)


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along dim, with that dim removed."""
    axis = normalize_dim(dim, input.ndim)
    return tuple(getitem(input, _along(axis, position)) for position in range(input.shape[axis]))


class Flip(Function):
    """y = x reversed along dims (a copy); dx = grad reversed back."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, dims: tuple) -> Any:
        ctx.dims = dims
        return ctx.xp.flip(x, dims).copy()

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return Flip.apply(grad_output, ctx.dims), None


class Roll(Function):
    """y = x shifted cyclically along dims; dx = grad shifted back."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, shifts: tuple, dims: tuple) -> Any:
        ctx.shifts, ctx.dims = shifts, dims
        return ctx.xp.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return Roll.apply(grad_output, tuple(-shift for shift in ctx.shifts), ctx.dims), None, None


class Triangle(Function):
    """y = the lower (or upper) triangle of x's last two dims from a diagonal on; dx = the same part of grad."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, diagonal: int, lower: bool) -> Any:
        ctx.diagonal, ctx.lower = diagonal, lower
        return (ctx.xp.tril if lower else ctx.xp.triu)(x, diagonal)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return Triangle.apply(grad_output, ctx.diagonal, ctx.lower), None, None


class Repeat(Function):
    """y = x tiled `repeats` times along each dim; dx = the sum of grad over the copies."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, repeats: tuple) -> Any:
        ctx.input_shape = x.shape
        ctx.padded = (1,) * (len(repeats) - x.ndim) + x.shape
        return ctx.xp.tile(x.reshape(ctx.padded), repeats)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        repeats = [size // part for size, part in zip(grad_output.shape, ctx.padded)]
        interleaved = [size for pair in zip(repeats, ctx.padded) for size in pair]
        summed = grad_output.reshape(interleaved).sum(tuple(range(0, len(interleaved), 2)))
        return summed.reshape(ctx.input_shape), None


def flip(input: Tensor, *args: Any, dims: Sequence[int] | None = None) -> Tensor:
    """The elements in reverse order along each of dims (a copy, as in PyTorch): flip(x, dims), x.flip(0, 1)."""
    given = shape_from_args(args if dims is None else (dims,), "dims")
    axes = tuple(normalize_dim(dim, max(input.ndim, 1)) for dim in given)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"dims has duplicates, original flip dims size={len(axes)}, but unique flip dims "
                           f"size={len(set(axes))}")
    return Flip.apply(input, axes) if input.ndim else input.clone()


def roll(input: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> Tensor:
    """The elements shifted cyclically by shifts along dims (of the flattened tensor when dims is None)."""
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll(): shifts {list(shifts)} need as many dims, got dims=None")
        return Roll.apply(input.reshape(-1), shifts, (0,)).reshape(input.shape)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    return Roll.apply(input, shifts, tuple(normalize_dim(dim, input.ndim) for dim in dims))


def _triangle(input: Tensor, diagonal: int, lower: bool) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(f"{'tril' if lower else 'triu'}: input tensor must have at least 2 dimensions "
                           f"(got {input.ndim})")
    return Triangle.apply(input, diagonal, lower)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims (on and below the diagonal-th diagonal); the rest is 0."""
    return _triangle(input, diagonal, lower=True)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims (on and above the diagonal-th diagonal); the rest is 0."""
    return _triangle(input, diagonal, lower=False)


def repeat(input: Tensor, *sizes: Any) -> Tensor:
    """The tensor tiled sizes[i] times along dim i (extra leading sizes add dims)."""
    repeats = shape_from_args(sizes, "repeats")
    if len(repeats) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           f"tensor ({len(repeats)} repeats for {input.ndim} dims)")
    if any(count < 0 for count in repeats):
        raise RuntimeError(f"Trying to create tensor with negative dimension: repeats {list(repeats)}")
    return Repeat.apply(input, repeats)


def tile(input: Tensor, *args: Any, dims: Sequence[int] | None = None) -> Tensor:
    """repeat with dims padded by leading 1s when fewer than the tensor's dims."""
    repeats = shape_from_args(args if dims is None else (dims,), "dims")
    return repeat(input, (1,) * (input.ndim - len(repeats)) + repeats)


def repeat_interleave(input: Tensor, repeats: int | Tensor | None = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each element (or slice along dim) repeated `repeats` times in place; repeat_interleave(counts) alone
    repeats 0, 1, ... counts[i] times. output_size, PyTorch's hint that saves a device sync, is not needed here."""
    if repeats is None:
        return repeat_interleave(creation.arange(input.numel(), device=input.device), input)
    if dim is None:
        input, axis = input.reshape(-1), 0
    else:
        axis = normalize_dim(dim, input.ndim)
    length = input.shape[axis] if input.ndim else 1
    if isinstance(repeats, Tensor):
        if repeats.dtype.is_floating_point or repeats.ndim > 1 or repeats.numel() not in (1, length):
            raise RuntimeError(f"repeats must be 0-dim or 1-dim of integers of size 1 or {length}, got "
                               f"{repeats.dtype.name} of shape {list(repeats.shape)}")
        counts = np.broadcast_to(repeats.cpu().numpy().reshape(-1), (length,))
    else:
        counts = np.full(length, repeats)
    if (counts < 0).any():
        raise RuntimeError(f"repeats can not be negative, got {counts.tolist()}")
    positions = creation.tensor(np.repeat(np.arange(length), counts), device=input.device)
    return getitem(input, _along(axis, positions))


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """input with value where the boolean mask is true (the two broadcast together, as in PyTorch)."""
    if not isinstance(mask, Tensor) or mask.dtype is not dtypes.bool_:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype.name if isinstance(mask, Tensor) else type(mask).__name__}")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        value = value.to(input.device, input.dtype)
    else:
        value = creation.tensor(value, dtype=input.dtype, device=input.device)
    return where(mask, value, input)


def masked_fill_(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """masked_fill written into input's storage (the mask must broadcast to input's shape)."""
    return input._apply_inplace(lambda target, fill: masked_fill(target, mask, fill), value)


MESHGRID_WARNING = "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument."


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids of 1-d tensors: 'ij' gives shape (n0, n1, ...), 'xy' swaps the first two dims."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(MESHGRID_WARNING, UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    if not tensors:
        raise RuntimeError("torch.meshgrid expects a non-empty TensorList")
    for tensor in tensors:
        if tensor.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: "
                               f"{tensor.ndim}D tensor")
    positions = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        positions[0], positions[1] = 1, 0
    shape = [0] * len(tensors)
    for tensor, position in zip(tensors, positions):
        shape[position] = tensor.numel()
    grids = []
    for tensor, position in zip(tensors, positions):
        view = [1] * len(tensors)
        view[position] = -1
        grids.append(tensor.reshape(view).expand(shape))
    return tuple(grids)
