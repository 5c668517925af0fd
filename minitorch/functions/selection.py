"""Selection by value: topk, sort / argsort, unique, nonzero / argwhere, bincount and histograms.

topk and sort pick their values with gather, so their gradient flows back to the picked places; the
others return indices or counts, which have no gradient (as in PyTorch).
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .. import dtypes
from ..dims import normalize_dim
from ..tensor import Tensor
from .indexing import gather

topk_result = namedtuple("topk", ["values", "indices"])
sort_result = namedtuple("sort", ["values", "indices"])
histogram_result = namedtuple("histogram", ["hist", "bin_edges"])


def _wrap(array: Any, like: Tensor) -> Tensor:
    """A result array of like's backend as a tensor outside the graph."""
    return Tensor._make(array, like._backend)


def _sorted_indices(input: Tensor, dim: int, descending: bool, k: int | None = None) -> tuple[int, Tensor]:
    """(the dim, the int64 indices of the first k elements, all when None, in sorted order along it).

    Stable: descending sorts the reversed input ascending and reverses back, so equal elements keep their
    order (and NaN counts as largest, as in PyTorch) with no negation, which bool and integer minima refuse.
    """
    axis = normalize_dim(dim, max(input.ndim, 1))
    if input.ndim == 0:  # its one element comes first
        return axis, input.new_zeros((), dtype=dtypes.int64)
    xp, data = input._backend.xp, input._data
    with input._backend.context():
        if descending:
            order = data.shape[axis] - 1 - xp.flip(xp.argsort(xp.flip(data, axis), axis=axis, kind="stable"), axis)
        else:
            order = xp.argsort(data, axis=axis, kind="stable")
        if k is not None:
            order = order[(slice(None),) * axis + (slice(0, k),)]
        return axis, _wrap(order.astype(np.int64), input)


def _select_sorted(input: Tensor, dim: int, descending: bool, k: int | None) -> tuple[Tensor, Tensor]:
    """(values, indices) of the first k (all when None) elements along dim in sorted order."""
    axis, indices = _sorted_indices(input, dim, descending, k)
    if input.ndim == 0:
        return input.reshape(()), indices
    return gather(input, axis, indices), indices


def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> sort_result:
    """(values, indices) sorted along dim; equal elements keep their order (stable either way)."""
    return sort_result(*_select_sorted(input, dim, descending, None))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The indices that sort input along dim."""
    return _sorted_indices(input, dim, descending)[1]


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> topk_result:
    """(values, indices) of the k largest (or smallest) elements along dim, in sorted order (sorted=False too)."""
    size = input.shape[normalize_dim(dim, input.ndim)] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"selected index k out of range (k={k}, size {size} along dim {dim})")
    return topk_result(*_select_sorted(input, dim, largest, k))


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
           dim: int | None = None) -> Tensor | tuple[Tensor, ...]:
    """The distinct elements (or slices along dim), sorted (sorted=False too, as on PyTorch's CPU); with the
    inverse indices and the counts on request."""
    backend, xp = input._backend, input._backend.xp
    with backend.context():
        axis = None if dim is None else normalize_dim(dim, input.ndim)
        data = input._data.reshape(-1) if axis is None else input._data
        values, inverse, counts = xp.unique(data, return_inverse=True, return_counts=True, axis=axis)
        results = [_wrap(values, input)]
        if return_inverse:  # one index per element (of input's shape), or per slice along dim
            results.append(_wrap(inverse.reshape(input._data.shape if axis is None else -1).astype(np.int64),
                                 input))
        if return_counts:
            results.append(_wrap(counts.astype(np.int64), input))
    return results[0] if len(results) == 1 else tuple(results)


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """The indices of the nonzero elements: an (n, ndim) int64 tensor, or one 1-d tensor per dim."""
    with input._backend.context():
        xp = input._backend.xp
        if input.ndim == 0:  # a 0-d tensor: one index of no dims if it is nonzero (NumPy refuses 0-d input)
            if as_tuple:
                return (_wrap(xp.nonzero(input._data.reshape(1))[0].astype(np.int64), input),)
            return _wrap(xp.zeros((int(bool(input._data)), 0), dtype=np.int64), input)
        found = xp.nonzero(input._data)
        if as_tuple:
            return tuple(_wrap(part.astype(np.int64), input) for part in found)
        return _wrap(xp.stack(found, axis=1).astype(np.int64), input)


def argwhere(input: Tensor) -> Tensor:
    """nonzero(input): the (n, ndim) indices of the nonzero elements."""
    return nonzero(input)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, ... occurs in a 1-d non-negative integer tensor (weighted sums with weights)."""
    if input.dtype.is_floating_point:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{input.dtype.name}'")
    if input.ndim != 1 or input.dtype is dtypes.bool_ or (
            input.numel() and int(input.min()) < 0):
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs (got {input.dtype.name} of "
                           f"shape {list(input.shape)}).")
    if weights is not None and weights.shape != input.shape:
        raise RuntimeError(f"weights should be 1-d and have the same length as input (got {list(weights.shape)} "
                           f"for {list(input.shape)})")
    if minlength < 0:
        raise RuntimeError(f"minlength should be >= 0 (got {minlength})")
    with input._backend.context():
        counts = input._backend.xp.bincount(input._data, None if weights is None else weights._data, minlength)
        if weights is None:
            return _wrap(counts.astype(np.int64), input)
        dtype = weights.dtype if weights.dtype.is_floating_point else dtypes.float64
        return _wrap(counts.astype(dtype.numpy), input)


def _check_floating(input: Tensor, name: str) -> None:
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"{name}" not implemented for \'{input.dtype.name}\'')


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """Counts in `bins` equal bins over [min, max] (the data's range when both are 0); outside values drop."""
    _check_floating(input, "histogram_cpu")
    if bins <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins}")
    if min > max:
        raise RuntimeError(f"torch.histc(): max must be larger than min (got min={min}, max={max})")
    low, high = float(min), float(max)
    if low == high and input.numel():
        low, high = float(input.min()), float(input.max())
    if low == high:
        low, high = low - 1, high + 1
    with input._backend.context():
        counts, _ = input._backend.xp.histogram(input._data, bins, (low, high))
        return _wrap(counts.astype(input.dtype.numpy), input)


def histogram(input: Tensor, bins: int | Tensor = 100, *, range: tuple[float, float] | None = None,
              weight: Tensor | None = None, density: bool = False) -> histogram_result:
    """(hist, bin_edges): counts (or weighted sums, or a density) in `bins` bins or between given edges."""
    _check_floating(input, "histogram_cpu")
    edges = bins._data if isinstance(bins, Tensor) else bins
    with input._backend.context():
        hist, bin_edges = input._backend.xp.histogram(
            input._data, edges, range, density=density, weights=None if weight is None else weight._data)
        return histogram_result(_wrap(hist.astype(input.dtype.numpy), input),
                                _wrap(bin_edges.astype(input.dtype.numpy), input))
