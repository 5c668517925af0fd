"""Convolution: conv2d / conv1d as im2col, one batched matmul and a reshape; unfold / fold (im2col / col2im).

Im2col and Col2im are each other's adjoint, so each is the other's backward, and a convolution built on them
and WeightedColumns (whose backward is MatMul) differentiates to any order. The weight gradient is one batched
matmul of the output gradient with the columns (summed over the batch); the input gradient is col2im of Wᵀ · grad.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..autograd.function import Function
from ..tensor import Tensor
from .arithmetic import check_tensor
from .linalg import MatMul

IntOrTuple = int | Sequence[int]


class Im2col(Function):
    """cols (N, C, kh, kw, OH, OW) = the kh·kw windows of x (N, C, H, W); dx = col2im(grad)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, x: Any, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple) -> Any:
        ctx.geometry = (kernel_size, stride, padding, dilation)
        ctx.input_size = x.shape[2:]
        return ctx._backend.im2col(ctx.xp.ascontiguousarray(x), kernel_size, stride, padding, dilation)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return (Col2im.apply(grad_output, ctx.input_size, *ctx.geometry),) + (None,) * 4


class Col2im(Function):
    """x (N, C, H, W) = the sum of cols (N, C, kh, kw, OH, OW) onto the pixels they were read from; dcols =
    im2col(grad)."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, cols: Any, input_size: tuple, kernel_size: tuple, stride: tuple, padding: tuple,
                dilation: tuple) -> Any:
        ctx.geometry = (kernel_size, stride, padding, dilation)
        return ctx._backend.col2im(ctx.xp.ascontiguousarray(cols), input_size, kernel_size, stride, padding,
                                   dilation)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return (Im2col.apply(grad_output, *ctx.geometry),) + (None,) * 5


class WeightedColumns(Function):
    """y = W @ cols + b for W (G, O/G, K), cols (N, G, K, L), b (G, O/G, 1) or None: the convolution's one batched
    matmul, the bias added in place into the fresh product (no second output-sized array).

    dW = Σ_n grad @ colsᵀ (one batched matmul, summed over the batch), dcols = Wᵀ @ grad, db = Σ grad over N and L.
    """

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, weight: Any, cols: Any, bias: Any) -> Any:
        ctx.save_for_backward(weight, cols)
        ctx.bias_shape = None if bias is None else bias.shape
        half = weight.dtype == ctx.xp.float16  # accumulated in float32, as MatMul does
        work = [array.astype(ctx.xp.float32) if half and array is not None else array
                for array in (weight, cols, bias)]
        output = work[0] @ work[1]
        if bias is not None:
            output += work[2]
        return output.astype(weight.dtype) if half else output

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        weight, cols = ctx.saved_tensors
        needs_weight, needs_cols, needs_bias = ctx.needs_input_grad
        return (MatMul.apply(grad_output, cols.transpose(-1, -2)).sum(0) if needs_weight else None,
                MatMul.apply(weight.transpose(-1, -2), grad_output) if needs_cols else None,
                grad_output.sum((0, 3)).reshape(ctx.bias_shape) if needs_bias else None)


# ---- arguments ----
def _ints(value: IntOrTuple, name: str, dims: int) -> tuple[int, ...]:
    """An int or a sequence of 1 or `dims` ints as a tuple of `dims` ints (PyTorch's errors otherwise)."""
    values = (value,) if isinstance(value, int) else tuple(value) if isinstance(value, (tuple, list)) else None
    if values is None or not all(isinstance(item, int) and not isinstance(item, bool) for item in values):
        raise TypeError(f"{name} must be an int or a tuple of {dims} ints, got {value!r}")
    if len(values) == 1:
        return values * dims
    if len(values) != dims:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {dims} values to match the "
                           f"convolution dimensions, but got {name}={list(values)}")
    return values


def _positive(values: tuple, name: str) -> tuple:
    if any(item <= 0 for item in values):
        raise RuntimeError(f"non-positive {name} is not supported (got {name}={values})")
    return values


def _padding(padding: str | IntOrTuple, kernel_size: tuple, stride: tuple, dilation: tuple) -> tuple:
    """(before, after) per spatial dim from an int, a tuple, "valid" or "same" (the odd one out after, as
    PyTorch pads an even effective kernel)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * len(kernel_size)
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if any(step != 1 for step in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        totals = [spacing * (size - 1) for size, spacing in zip(kernel_size, dilation)]
        return tuple((total // 2, total - total // 2) for total in totals)
    sizes = _ints(padding, "padding", len(kernel_size))
    if any(size < 0 for size in sizes):
        raise RuntimeError(f"negative padding is not supported (got padding={sizes})")
    return tuple((size, size) for size in sizes)


def _sizes_text(sizes: Sequence[int]) -> str:
    return "(" + " x ".join(str(size) for size in sizes) + ")"


def _check_convolution(input: Tensor, weight: Tensor, bias: Tensor | None, groups: int, dims: int) -> None:
    """PyTorch's errors for a conv{dims}d of tensors that do not fit together."""
    name = f"conv{dims}d"
    for argument, tensor in (("input", input), ("weight", weight), ("bias", bias)):
        if tensor is not None:
            check_tensor(tensor, argument, name)
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {name}, but got "
                           f"input of size: {list(input.shape)}")
    if weight.ndim != dims + 2:
        raise RuntimeError(f"{name}: expected weight of {dims + 2} dims (out_channels, in_channels / groups, "
                           f"kernel), but got weight of size {list(weight.shape)}")
    if not isinstance(groups, int) or isinstance(groups, bool):
        raise TypeError(f"groups must be an int, got {groups!r}")
    if groups <= 0:
        raise RuntimeError(f"non-positive groups is not supported (got groups={groups})")
    for argument, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tensor.device != input.device:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                               f"{input.device} and {tensor.device}! ({argument} of {name})")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{name}: expected a floating point input, got {input.dtype.name}")
    for argument, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tensor.dtype is not input.dtype:
            raise RuntimeError(f"Input type ({input.dtype.name}) and {argument} type ({tensor.dtype.name}) should "
                               "be the same")
    out_channels = weight.shape[0]
    if out_channels == 0 or out_channels % groups:
        condition = "at least 1" if out_channels == 0 else f"divisible by {groups}"
        raise RuntimeError(f"Given groups={groups}, expected weight to be {condition} at dimension 0, but got weight "
                           f"of size [{list(weight.shape)}] instead")
    channels = input.shape[-dims - 1]
    if channels != weight.shape[1] * groups:
        batched_shape = list(input.shape) if input.ndim == dims + 2 else [1] + list(input.shape)
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
                           f"input{batched_shape} to have {weight.shape[1] * groups} channels, but got {channels} "
                           "channels instead")
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{out_channels} elements, but got bias of size {list(bias.shape)} instead")


def _convolution(input: Tensor, weight: Tensor, bias: Tensor | None, stride: IntOrTuple,
                 padding: str | IntOrTuple, dilation: IntOrTuple, groups: int, dims: int) -> Tensor:
    """conv1d (dims 1) and conv2d (dims 2), both run as 2-D: im2col, one batched matmul, a reshape."""
    _check_convolution(input, weight, bias, groups, dims)
    kernel_size = tuple(weight.shape[2:])
    stride = _positive(_ints(stride, "stride", dims), "stride")
    dilation = _positive(_ints(dilation, "dilation", dims), "dilation")
    pads = _padding(padding, kernel_size, stride, dilation)
    spatial = tuple(input.shape[-dims:])
    padded = [size + before + after for size, (before, after) in zip(spatial, pads)]
    spans = [spacing * (size - 1) + 1 for size, spacing in zip(kernel_size, dilation)]
    if any(span > size for span, size in zip(spans, padded)):
        raise RuntimeError(f"Calculated padded input size per channel: {_sizes_text(padded)}. Kernel size: "
                           f"{_sizes_text(spans)}. Kernel size can't be greater than actual input size")
    batched = input.ndim == dims + 2
    x = input if batched else input.unsqueeze(0)
    if dims == 1:  # a row of height 1
        x, weight = x.unsqueeze(2), weight.unsqueeze(2)
        kernel_size, stride, dilation, pads = (1,) + kernel_size, (1,) + stride, (1,) + dilation, ((0, 0),) + pads
    cols = Im2col.apply(x, kernel_size, stride, sum(pads, ()), dilation)
    batch, channels, _, _, out_h, out_w = cols.shape
    out_channels, taps = weight.shape[0], channels // groups * kernel_size[0] * kernel_size[1]
    per_group = out_channels // groups
    output = WeightedColumns.apply(weight.reshape(groups, per_group, taps),  # (G, O/G, K/G) @ (N, G, K/G, L)
                                   cols.reshape(batch, groups, taps, out_h * out_w),
                                   None if bias is None else bias.reshape(groups, per_group, 1))
    output = output.reshape(batch, out_channels, out_h, out_w)
    if dims == 1:
        output = output.squeeze(2)
    return output if batched else output.squeeze(0)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
           padding: str | IntOrTuple = 0, dilation: IntOrTuple = 1, groups: int = 1) -> Tensor:
    """A 2-D convolution (cross-correlation, as PyTorch's) of input (N, C_in, H, W) or (C_in, H, W) with weight
    (C_out, C_in / groups, kH, kW), plus bias (C_out): output (N, C_out, OH, OW), OH = (H + 2·padding -
    dilation·(kH - 1) - 1) // stride + 1. padding: an int, a pair, "valid" (none) or "same" (stride 1)."""
    return _convolution(input, weight, bias, stride, padding, dilation, groups, dims=2)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
           padding: str | IntOrTuple = 0, dilation: IntOrTuple = 1, groups: int = 1) -> Tensor:
    """A 1-D convolution of input (N, C_in, L) or (C_in, L) with weight (C_out, C_in / groups, k): conv2d's
    machinery on rows of height 1."""
    return _convolution(input, weight, bias, stride, padding, dilation, groups, dims=1)


# ---- unfold / fold ----
def _window_arguments(kernel_size: IntOrTuple, dilation: IntOrTuple, padding: IntOrTuple,
                      stride: IntOrTuple) -> tuple[tuple[int, int], ...]:
    """F.unfold's and F.fold's geometry as pairs, with their errors."""
    pairs = []
    for name, value, text, short in (("kernel_size", kernel_size, "kernel size", "kernel"),
                                     ("dilation", dilation, "dilation", "dilation"),
                                     ("padding", padding, "padding", "pad"), ("stride", stride, "stride", "stride")):
        values = (value,) * 2 if isinstance(value, int) else tuple(value)
        if len(values) != 2:
            raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(values)}")
        smallest = 0 if name == "padding" else 1
        if any(item < smallest for item in values):
            relation = "non-negative" if smallest == 0 else "greater than zero"
            raise RuntimeError(f"{text} should be {relation}, but got {short}_height: {values[0]} "
                               f"{short}_width: {values[1]}")
        pairs.append(values)
    return tuple(pairs)


def _blocks(size: tuple, kernel_size: tuple, dilation: tuple, padding: tuple, stride: tuple) -> tuple[int, int]:
    return tuple((length + 2 * pad - spacing * (kernel - 1) - 1) // step + 1
                 for length, kernel, spacing, pad, step in zip(size, kernel_size, dilation, padding, stride))


def unfold(input: Tensor, kernel_size: IntOrTuple, dilation: IntOrTuple = 1, padding: IntOrTuple = 0,
           stride: IntOrTuple = 1) -> Tensor:
    """The sliding blocks of input (N, C, H, W) or (C, H, W) as columns: (N, C·kH·kW, L), L the number of
    blocks (im2col)."""
    check_tensor(input, "input", "unfold")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)")
    kernel, spacing, pad, step = _window_arguments(kernel_size, dilation, padding, stride)
    blocks = _blocks(tuple(input.shape[-2:]), kernel, spacing, pad, step)
    if min(blocks) < 1:
        raise RuntimeError(f"Given input with spatial size {tuple(input.shape[-2:])}, kernel_size={kernel}, "
                           f"dilation={spacing}, padding={pad}, calculated shape of the array of sliding blocks as "
                           f"{blocks}, but its components must be at least one.")
    batched = input.ndim == 4
    cols = Im2col.apply(input if batched else input.unsqueeze(0), kernel, step, (pad[0], pad[0], pad[1], pad[1]),
                        spacing)
    batch, channels = cols.shape[:2]
    output = cols.reshape(batch, channels * kernel[0] * kernel[1], blocks[0] * blocks[1])
    return output if batched else output.squeeze(0)


def fold(input: Tensor, output_size: IntOrTuple, kernel_size: IntOrTuple, dilation: IntOrTuple = 1,
         padding: IntOrTuple = 0, stride: IntOrTuple = 1) -> Tensor:
    """The adjoint of unfold: columns (N, C·kH·kW, L) or (C·kH·kW, L) summed into (N, C, *output_size) where each
    was read from (col2im)."""
    check_tensor(input, "input", "fold")
    if input.ndim not in (2, 3):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    size = (output_size,) * 2 if isinstance(output_size, int) else tuple(output_size)
    if len(size) != 2:
        raise RuntimeError(f"It is expected output_size equals to 2, but got size {len(size)}")
    kernel, spacing, pad, step = _window_arguments(kernel_size, dilation, padding, stride)
    batched = input.ndim == 3
    columns = input if batched else input.unsqueeze(0)
    taps = kernel[0] * kernel[1]
    if columns.shape[1] % taps:
        raise RuntimeError(f"Expected size of input's dimension {1 if batched else 0} to be divisible by the product "
                           f"of kernel_size, but got input.size({1 if batched else 0})={columns.shape[1]} and "
                           f"kernel_size={kernel}.")
    blocks = _blocks(size, kernel, spacing, pad, step)
    if min(blocks) < 1 or columns.shape[2] != blocks[0] * blocks[1]:
        dim = 2 if batched else 1
        raise RuntimeError(f"Given output_size={size}, kernel_size={kernel}, dilation={spacing}, padding={pad}, "
                           f"stride={step}, expected size of input's dimension {dim} to match the calculated number "
                           f"of sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
                           f"input.size({dim})={columns.shape[2]}.")
    cols = columns.reshape(columns.shape[0], columns.shape[1] // taps, *kernel, *blocks)
    output = Col2im.apply(cols, size, kernel, step, (pad[0], pad[0], pad[1], pad[1]), spacing)
    return output if batched else output.squeeze(0)
