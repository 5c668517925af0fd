"""Tensor: an array on a device, with the autograd fields that link it into the graph (the core, layer 3).

The ops live one layer up, in minitorch.functions, whose methods.py binds them onto Tensor as its operators
and methods (x + y, x.sum(), x.to(...)) and its legacy constructor Tensor(data); nothing here imports them.
"""
from __future__ import annotations

import copy
import warnings
import weakref
from typing import Any, Callable, Iterator

from . import dtypes
from ._tensor_str import tensor_repr
from .autograd.grad_mode import is_grad_enabled
from .autograd.hooks import LeafHooks, RemovableHandle
from .devices import cuda_device
from .devices import device as Device
from .dims import normalize_dim
from .dtypes import dtype as DType


class Size(tuple):
    """A tensor's shape: a tuple that prints as PyTorch's torch.Size."""

    def __repr__(self) -> str:
        return f"minitorch.Size({list(self)})"

    def numel(self) -> int:
        count = 1
        for size in self:
            count *= size
        return count

    def __getitem__(self, index: Any) -> Any:  # a slice of a Size is a Size, as in PyTorch
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other: tuple) -> Size:
        return Size(tuple.__add__(self, other))

    def __radd__(self, other: tuple) -> Size:
        return Size(tuple.__add__(other, self))

    def __mul__(self, times: int) -> Size:
        return Size(tuple.__mul__(self, times))

    __rmul__ = __mul__


class _VersionCounter:
    """Counts in-place changes; shared by a tensor and its views."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


def shape_from_args(args: tuple, name: str = "size") -> tuple[int, ...]:
    """Accept sizes as varargs (2, 3) or as one sequence ((2, 3)), as PyTorch does."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for size in args:
        if isinstance(size, bool) or not hasattr(size, "__index__"):
            raise TypeError(f"{name} must be a sequence of ints, but got {type(size).__name__} {size!r}")
    return tuple(int(size) for size in args)


def parse_to_arguments(args: tuple, device: Any = None, dtype: DType | None = None) -> tuple[Any, DType | None]:
    """The (device, dtype) of a to(...) call: to(dtype), to(device), to(device, dtype) or to(tensor)."""
    for arg in args:
        if isinstance(arg, DType):
            dtype = arg
        elif isinstance(arg, Tensor):
            device, dtype = arg.device, arg.dtype
        elif isinstance(arg, (str, Device)):
            device = arg
        else:
            raise TypeError(f"to() received an invalid argument {arg!r}: expected a dtype, a device or a Tensor")
    return device, dtype


class Tensor:
    """A multi-dimensional array on a device ("cpu" or "cuda"), tracked by autograd.

    Attributes mirror PyTorch's: shape, dtype, device, requires_grad, grad, grad_fn, is_leaf.
    """

    __slots__ = ("_data", "_backend", "_requires_grad", "_grad", "_grad_fn", "_output_nr",
                 "_version_counter", "_base", "_retains_grad", "_grad_accumulator", "_leaf_hooks", "__weakref__")

    __hash__ = object.__hash__

    @staticmethod
    def _init_fields(self: Tensor, data: Any, backend: Any, requires_grad: bool = False, grad_fn: Any = None,
                     output_nr: int = 0, version_counter: _VersionCounter | None = None) -> None:
        self._data = data
        self._backend = backend
        self._requires_grad = requires_grad
        self._grad = None
        self._grad_fn = grad_fn
        self._output_nr = output_nr
        self._version_counter = _VersionCounter() if version_counter is None else version_counter
        self._base = None
        self._retains_grad = False
        self._grad_accumulator = None
        self._leaf_hooks = None

    @classmethod
    def _make(cls, data: Any, backend: Any, requires_grad: bool = False, grad_fn: Any = None,
              output_nr: int = 0, version_counter: _VersionCounter | None = None) -> Tensor:
        """Wrap a backend array without copying or checking (the fast path for ops)."""
        tensor = object.__new__(cls)
        Tensor._init_fields(tensor, data, backend, requires_grad, grad_fn, output_nr, version_counter)
        return tensor

    # ---- attributes ----
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def dtype(self) -> DType:
        return dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> Device:
        return self._backend.device

    @property
    def is_cuda(self) -> bool:
        return self._backend.device.type == "cuda"

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def T(self) -> Tensor:
        """All dims reversed (the transpose of a matrix)."""
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:
        """The last two dims swapped (a batch of transposed matrices)."""
        return self.transpose(-2, -1)

    @property
    def data(self) -> Tensor:
        """The same storage, detached from the graph."""
        return self.detach()

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data
        self._backend = value._backend

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def grad_fn(self) -> Any:
        return self._grad_fn

    @property
    def grad(self) -> Tensor | None:
        if self._grad_fn is not None and not self._retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor.",
                UserWarning, stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"assigned grad has data of a different size: {value.shape} vs {self.shape}")
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    @property
    def _version(self) -> int:
        return self._version_counter.value

    # ---- size queries and conversions ----
    def size(self, dim: int | None = None) -> Size | int:
        if dim is None:
            return self.shape
        return self._data.shape[normalize_dim(dim, self.ndim)]

    def numel(self) -> int:
        return int(self._data.size)
    nelement = numel  # PyTorch's older name, common in tutorials

    def dim(self) -> int:
        return self._data.ndim

    def element_size(self) -> int:
        return self._data.itemsize

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_contiguous(self) -> bool:
        return bool(self._data.flags.c_contiguous)

    def item(self) -> bool | int | float:
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._backend.to_numpy(self._data).reshape(()).item()

    def tolist(self) -> Any:
        return self._backend.to_numpy(self._data).tolist()

    def numpy(self) -> Any:
        """The values as a NumPy array, sharing memory on the CPU."""
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self._backend.device.type != "cpu":
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to copy the tensor "
                "to host memory first."
            )
        return self._data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        """NumPy's view of a CPU tensor (np.asarray(t)); like numpy(), refused for tensors that require grad."""
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=bool(copy))

    def __dlpack__(self, **kwargs: Any) -> Any:
        """Export the storage, zero-copy, to NumPy, CuPy or PyTorch (their from_dlpack)."""
        if self._requires_grad:
            raise RuntimeError("Can't export tensors that require gradient, use tensor.detach()")
        return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        return self._data.__dlpack_device__()

    def __deepcopy__(self, memo: dict) -> Tensor:
        """A copy of a leaf tensor (or Parameter) with its own storage, on the same device; .grad is copied too."""
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.")
        with self._backend.context():
            copied = type(self)._make(self._data.copy(), self._backend, self._requires_grad)
        memo[id(self)] = copied
        if self._grad is not None:
            copied._grad = copy.deepcopy(self._grad, memo)
        if hasattr(self, "__dict__"):
            copied.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return copied

    def detach(self) -> Tensor:
        """The same storage, cut from the graph (requires_grad False)."""
        detached = Tensor._make(self._data, self._backend, version_counter=self._version_counter)
        detached._base = self._base
        return detached

    def detach_(self) -> Tensor:
        self._grad_fn = None
        self._requires_grad = False
        return self

    def contiguous(self) -> Tensor:
        return self if self.is_contiguous() else self.clone()

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, device: Any = None) -> Tensor:
        return self.to(cuda_device(device))

    def float(self) -> Tensor:
        return self.to(dtypes.float32)

    def double(self) -> Tensor:
        return self.to(dtypes.float64)

    def half(self) -> Tensor:
        return self.to(dtypes.float16)

    def long(self) -> Tensor:
        return self.to(dtypes.int64)

    def int(self) -> Tensor:
        return self.to(dtypes.int32)

    def bool(self) -> Tensor:
        return self.to(dtypes.bool_)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    # ---- autograd ----
    def _edge(self) -> tuple:
        """Where this tensor's gradient goes: its grad_fn, or the accumulator of a leaf."""
        if self._grad_fn is not None:
            return self._grad_fn, self._output_nr
        accumulator = self._grad_accumulator() if self._grad_accumulator is not None else None
        if accumulator is None:
            accumulator = AccumulateGrad(self)
            # weak, so that the leaf and its accumulator never form a cycle
            self._grad_accumulator = weakref.ref(accumulator)
        return accumulator, 0

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate the gradient of this tensor into the .grad of the leaves it depends on."""
        engine.backward(self, gradient, retain_graph, create_graph)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if not self.is_leaf:
            if requires_grad:
                return self
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
            )
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"Only Tensors of floating point and complex dtype can require gradients (got {self.dtype})"
            )
        self._requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in .grad after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.is_leaf or self._retains_grad:
            return
        if self._grad_fn._retained is None:
            self._grad_fn._retained = {}
        self._grad_fn._retained[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call hook(grad) whenever the gradient w.r.t. this tensor is computed; a tensor it returns
        replaces the gradient (before a leaf accumulates it, or before it flows on)."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is None:
            return RemovableHandle(self._hooks_of_leaf().grad, hook)
        node = self._grad_fn  # on the node, as PyTorch's: the hook outlives this tensor object
        if node._tensor_hooks is None:
            node._tensor_hooks = {}
        return RemovableHandle(node._tensor_hooks.setdefault(self._output_nr, {}), hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]) -> RemovableHandle:
        """Call hook(self) after backward has accumulated into this leaf's .grad (once per backward)."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        return RemovableHandle(self._hooks_of_leaf().post_accumulate, hook)

    def _hooks_of_leaf(self) -> LeafHooks:
        if self._leaf_hooks is None:
            self._leaf_hooks = LeafHooks()
        return self._leaf_hooks

    # ---- in-place ops ----
    def _apply_inplace(self, operation: Any, other: Any) -> Tensor:
        """Write operation(self, other) into self's storage, as PyTorch's add_ and friends.

        The version counter goes up, so a backward that saved the old values refuses to run.
        """
        tracked = is_grad_enabled() and (self._requires_grad or (isinstance(other, Tensor) and other._requires_grad))
        if tracked and self.is_leaf and self._requires_grad:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if tracked and self._base is not None:
            raise RuntimeError(
                "minitorch does not track in-place operations on views of tensors that require grad; "
                "use the out-of-place operation instead"
            )
        # when recorded, the op sees a copy with self's place in the graph, so its node keeps the old values
        with self._backend.context():
            source = (Tensor._make(self._data.copy(), self._backend, self._requires_grad, self._grad_fn,
                                   self._output_nr) if tracked else self)
        result = operation(source, other)
        if result.shape != self.shape:
            raise RuntimeError(
                f"output with shape {list(self.shape)} doesn't match the broadcast shape {list(result.shape)}"
            )
        if result.dtype is not self.dtype:
            if result.dtype.category > self.dtype.category:
                raise RuntimeError(f"result type {result.dtype.name} can't be cast to the desired output type "
                                   f"{self.dtype.name}")
            result = result.to(self.dtype)
        self._write(..., result._data)
        self._version_counter.value += 1
        if tracked:
            self._grad_fn, self._output_nr, self._requires_grad = result._grad_fn, result._output_nr, True
        return self

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._apply_inplace(lambda a, b: a.add(b, alpha=alpha), other)

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._apply_inplace(lambda a, b: a.sub(b, alpha=alpha), other)

    def mul_(self, other: Any) -> Tensor:
        return self._apply_inplace(Tensor.mul, other)

    def div_(self, other: Any) -> Tensor:
        return self._apply_inplace(Tensor.div, other)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value: Any) -> Tensor:
        if is_grad_enabled() and self._requires_grad and self.is_leaf:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        self._write(..., value.item() if isinstance(value, Tensor) else value)
        self._version_counter.value += 1
        return self

    def copy_(self, source: Tensor) -> Tensor:
        """Copy the values of `source` (broadcast to self's shape) into self's storage."""
        if is_grad_enabled() and self._requires_grad and self.is_leaf:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if isinstance(source, Tensor):
            source = source._data if source._backend is self._backend else self._backend.asarray(
                source._backend.to_numpy(source._data))
        self._write(..., source)
        self._version_counter.value += 1
        return self

    def _write(self, index: Any, values: Any) -> None:
        """self._data[index] = values, with self's device current (the copy kernel runs there)."""
        with self._backend.context():
            self._data[index] = values

    # ---- Python protocol ----
    def __repr__(self) -> str:
        return tensor_repr(self)

    def __format__(self, format_spec: str) -> str:
        if self.ndim == 0:
            return self.item().__format__(format_spec)
        return repr(self).__format__(format_spec)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[index] for index in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

# The one knot of the core: the autograd engine and Function build on Tensor, and Tensor hands its gradients
# to them (backward, AccumulateGrad), so they come in once Tensor exists.
from .autograd import engine  # noqa: E402
from .autograd.function import AccumulateGrad  # noqa: E402
