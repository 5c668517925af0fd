"""Shape ops: reshape/view, permute/transpose, expand, squeeze/unsqueeze, flatten, cat, stack, clone, to(device)."""
from __future__ import annotations

from typing import Any, Sequence

from .. import dtypes
from ..autograd.broadcast import Expand
from ..autograd.function import Function
from ..dims import normalize_dim
from ..backends import backend_for
from ..tensor import Tensor, parse_to_arguments, shape_from_args
from .arithmetic import Cast


def _resolve_shape(shape: tuple, numel: int) -> tuple:
    """Fill in a -1 and check that the shape holds exactly `numel` elements."""
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for size in shape:
        if size != -1:
            if size < 0:
                raise RuntimeError(f"invalid shape dimension {size}")
            known *= size
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if size == -1 else size for size in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class Reshape(Function):
    """y = x with a new shape (a view when the layout allows); dx = grad reshaped back."""

    forward_on_arrays = True
    is_view = True

    @staticmethod
    def forward(ctx: Function, x: Any, shape: tuple) -> Any:
        ctx.input_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return grad_output.reshape(ctx.input_shape), None


class Permute(Function):
    """y = x with its dims reordered (a view); dx = grad with the inverse order."""

    forward_on_arrays = True
    is_view = True

    @staticmethod
    def forward(ctx: Function, x: Any, dims: tuple) -> Any:
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        inverse = [0] * len(ctx.dims)
        for position, dim in enumerate(ctx.dims):
            inverse[dim] = position
        return grad_output.permute(inverse), None


class Cat(Function):
    """y = the inputs joined along dim; each input's gradient is its slice of grad."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, *arrays: Any, dim: int) -> Any:
        ctx.dim, ctx.sizes = dim, [array.shape[dim] for array in arrays]
        return ctx.xp.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        grads, start = [], 0
        for size in ctx.sizes:
            grads.append(grad_output[(slice(None),) * ctx.dim + (slice(start, start + size),)])
            start += size
        return tuple(grads)


class Clone(Function):
    """y = a copy of x; dx = grad."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any) -> Any:
        return x.copy()

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> Tensor:
        return grad_output


class ToDevice(Function):
    """y = x copied to another device; dx = grad copied back."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, target: Any) -> Any:
        ctx.source_device = ctx._backend.device
        ctx.output_backend = target
        return target.asarray(ctx._backend.to_numpy(x))

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return grad_output.to(ctx.source_device), None


def clone(input: Tensor) -> Tensor:
    """A copy with its own storage, in the graph (the gradient flows back unchanged)."""
    return Clone.apply(input)


def to(input: Tensor, *args: Any, dtype: dtypes.dtype | None = None, device: Any = None, copy: bool = False,
       non_blocking: bool = False) -> Tensor:
    """to(dtype), to(device), to(device, dtype) or to(other): a tensor of that dtype on that device."""
    device, dtype = parse_to_arguments(args, device, dtype)
    result = input
    if device is not None:
        target = backend_for(device)
        if target is not input._backend:
            result = ToDevice.apply(result, target)
    if dtype is not None and dtype is not result.dtype:
        result = Cast.apply(result, dtype)
    if copy and result is input:
        result = Clone.apply(input)
    return result


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape (-1 is inferred); a view when possible, else a copy."""
    return Reshape.apply(input, _resolve_shape(shape_from_args(shape, "shape"), input.numel()))


def view(input: Tensor, *shape: Any) -> Tensor:
    """Like reshape, but always a view: RuntimeError when the strides do not allow one."""
    target = _resolve_shape(shape_from_args(shape, "shape"), input.numel())
    try:
        input._backend.reshape_view(input._data, target)
    except ValueError:
        raise RuntimeError(
            f"view size is not compatible with input tensor's size and stride (at least one dimension spans "
            f"across two contiguous subspaces); shape {list(input.shape)} to {list(target)}. "
            "Use .reshape(...) instead."
        ) from None
    return Reshape.apply(input, target)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dims start_dim..end_dim merged into one."""
    if input.ndim == 0:
        return reshape(input, 1)
    start, end = normalize_dim(start_dim, input.ndim), normalize_dim(end_dim, input.ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = tuple(input.shape)
    return reshape(input, shape[:start] + (-1 if input.numel() else 0,) + shape[end + 1:]) if start != end else input


def squeeze(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """The dims of size 1 removed (only `dim` when given; a dim of another size stays)."""
    shape = tuple(input.shape)
    if dim is None:
        dims = {axis for axis, size in enumerate(shape) if size == 1}
    else:
        dims = {normalize_dim(d, input.ndim) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))}
    return reshape(input, tuple(size for axis, size in enumerate(shape) if not (axis in dims and size == 1)))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """A new dim of size 1 at `dim` (in [-ndim-1, ndim])."""
    axis = normalize_dim(dim, input.ndim + 1)
    shape = tuple(input.shape)
    return reshape(input, shape[:axis] + (1,) + shape[axis:])


def permute(input: Tensor, *dims: Any) -> Tensor:
    """The dims reordered: permute(2, 0, 1)."""
    order = shape_from_args(dims, "dims")
    if len(order) != input.ndim:
        raise RuntimeError(
            f"permute(): number of dims don't match in permute: input.dim() = {input.ndim} is not equal to "
            f"len(dims) = {len(order)}"
        )
    order = tuple(normalize_dim(dim, input.ndim) for dim in order)
    if len(set(order)) != len(order):
        raise RuntimeError(f"permute(): duplicate dims are not allowed in {list(dims)}")
    return Permute.apply(input, order)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """dim0 and dim1 swapped."""
    order = list(range(input.ndim))
    first, second = normalize_dim(dim0, input.ndim), normalize_dim(dim1, input.ndim)
    order[first], order[second] = order[second], order[first]
    return Permute.apply(input, tuple(order)) if input.ndim else input


def t(input: Tensor) -> Tensor:
    """The transpose of a matrix (a 0-d or 1-d tensor is returned as it is)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return transpose(input, 0, 1) if input.ndim == 2 else input


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """A broadcast view with new sizes; -1 keeps a dim, new dims may be added in front."""
    target = shape_from_args(sizes)
    lead = len(target) - input.ndim
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(target)}) must be greater or equal to the number of "
            f"dimensions in the tensor ({input.ndim})"
        )
    shape = list(target)
    for axis, size in enumerate(target):
        if axis < lead:
            if size < 0:
                raise RuntimeError(f"The expanded size of the tensor ({size}) isn't allowed in a leading, "
                                   "non-existing dimension 0")
            continue
        existing = input.shape[axis - lead]
        if size == -1:
            shape[axis] = existing
        elif existing != 1 and size != existing:
            raise RuntimeError(
                f"The expanded size of the tensor ({size}) must match the existing size ({existing}) at "
                f"non-singleton dimension {axis}.  Target sizes: {list(target)}.  Tensor sizes: {list(input.shape)}"
            )
    return Expand.apply(input, tuple(shape))


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """The tensors joined along an existing dim; dtypes are promoted."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    for index, tensor in enumerate(tensors):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"cat(): expected a sequence of Tensors, but element {index} is {type(tensor).__name__}")
    first = tensors[0]
    if first.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    axis = normalize_dim(dim, first.ndim)
    for index, tensor in enumerate(tensors[1:], start=1):
        if tensor.ndim != first.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {first.ndim} and {tensor.ndim} (shapes "
                f"{list(first.shape)} and {list(tensor.shape)} of tensors 0 and {index})"
            )
        for d in range(first.ndim):
            if d != axis and tensor.shape[d] != first.shape[d]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {axis}. Expected size {first.shape[d]} but "
                    f"got size {tensor.shape[d]} for tensor number {index} in the list (shape {list(tensor.shape)}, "
                    f"tensor 0 has shape {list(first.shape)})."
                )
    dtype = dtypes.result_type(*tensors) if len({t.dtype for t in tensors}) > 1 else first.dtype
    return Cat.apply(*(tensor.to(dtype) for tensor in tensors), dim=axis)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """The tensors (all of one shape) joined along a new dim."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for index, tensor in enumerate(tensors[1:], start=1):
        if tensor.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at entry 0 and "
                f"{list(tensor.shape)} at entry {index}"
            )
    axis = normalize_dim(dim, tensors[0].ndim + 1)
    return cat([unsqueeze(tensor, axis) for tensor in tensors], dim=axis)
