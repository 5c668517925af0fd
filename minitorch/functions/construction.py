"""Tensors made from a tensor, and facts about tensors: new_zeros / new_ones / new_full / new_empty /
new_tensor (self's dtype and device unless given), is_tensor, numel, and type() with PyTorch's type strings.
"""
from __future__ import annotations

from typing import Any, Sequence

from .. import creation, dtypes
from ..tensor import Tensor, shape_from_args

TYPE_NAMES = {dtypes.float16: "HalfTensor", dtypes.float32: "FloatTensor", dtypes.float64: "DoubleTensor",
              dtypes.int32: "IntTensor", dtypes.int64: "LongTensor", dtypes.bool_: "BoolTensor"}
"""PyTorch's legacy tensor type names, by dtype: x.type() is 'torch.FloatTensor' (or 'torch.cuda.FloatTensor')."""

_DTYPES_BY_TYPE_NAME = {name: dtype for dtype, name in TYPE_NAMES.items()}


def _defaults(self: Tensor, dtype: dtypes.dtype | None, device: Any) -> tuple[dtypes.dtype, Any]:
    return self.dtype if dtype is None else dtype, self.device if device is None else device


def new_tensor(self: Tensor, data: Any, dtype: dtypes.dtype | None = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """A new tensor of data, of self's dtype and device unless given (a copy, outside any graph)."""
    if isinstance(data, Tensor):
        data = data.detach().cpu().numpy()
    dtype, device = _defaults(self, dtype, device)
    return creation.tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def new_full(self: Tensor, size: Sequence[int], fill_value: Any, dtype: dtypes.dtype | None = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of size filled with fill_value, of self's dtype and device unless given."""
    dtype, device = _defaults(self, dtype, device)
    return creation.full(shape_from_args((size,)), fill_value, dtype=dtype, device=device,
                         requires_grad=requires_grad)


def new_zeros(self: Tensor, *size: Any, dtype: dtypes.dtype | None = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Zeros of size, of self's dtype and device unless given."""
    return new_full(self, shape_from_args(size), 0, dtype, device, requires_grad)


def new_ones(self: Tensor, *size: Any, dtype: dtypes.dtype | None = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """Ones of size, of self's dtype and device unless given."""
    return new_full(self, shape_from_args(size), 1, dtype, device, requires_grad)


def new_empty(self: Tensor, *size: Any, dtype: dtypes.dtype | None = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """An uninitialized tensor of size, of self's dtype and device unless given."""
    dtype, device = _defaults(self, dtype, device)
    return creation.empty(shape_from_args(size), dtype=dtype, device=device, requires_grad=requires_grad)


def is_tensor(obj: Any) -> bool:
    """Whether obj is a Tensor."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    """The number of elements."""
    return input.numel()


def tensor_type(self: Tensor, dtype: dtypes.dtype | str | None = None, non_blocking: bool = False) -> str | Tensor:
    """type(): PyTorch's type string ('torch.FloatTensor', 'torch.cuda.LongTensor'); type(dtype or such a
    string): the tensor converted to that dtype (and device, for a 'torch.cuda.' string)."""
    if dtype is None:
        return ("torch.cuda." if self.is_cuda else "torch.") + TYPE_NAMES[self.dtype]
    if isinstance(dtype, dtypes.dtype):
        return self.to(dtype)
    if isinstance(dtype, str):
        prefix, _, name = dtype.rpartition(".")
        if prefix in ("torch", "torch.cuda", "minitorch", "minitorch.cuda") and name in _DTYPES_BY_TYPE_NAME:
            device = ("cuda" if not self.is_cuda else self.device) if prefix.endswith("cuda") else "cpu"
            return self.to(device, _DTYPES_BY_TYPE_NAME[name])
    raise ValueError(f"invalid type: {dtype!r} (expected a dtype or a string such as 'torch.FloatTensor')")
