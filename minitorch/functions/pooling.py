"""Pooling: max and average over sliding windows (2-d, and 1-d as a height-1 image), and their adaptive forms.

max_pool2d and avg_pool2d run on the backend's kernels; each backward is a Function whose own backward is the
forward's kind again (the scatter's is a gather, the average's adjoint's is the average), so every pool can be
differentiated to any order. The adaptive pools are compositions: averaging matrices on both sides of the
input, or a gather at the argmax of windows padded to the largest one.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import creation
from ..autograd.function import Function
from ..backends.cpu_pooling import pooled_size
from ..tensor import Tensor
from .arithmetic import check_tensor
from .indexing import gather

IntPair = int | Sequence[int]


# ---- arguments ----
def _pair(value: IntPair, name: str, op: str, omitted: bool = False) -> tuple[int, int]:
    """An int or a pair of ints as a pair, with PyTorch's error for anything else."""
    pair = (value, value) if isinstance(value, int) else tuple(value) if isinstance(value, Sequence) else None
    if pair is None or not all(isinstance(size, int) for size in pair):
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not {type(value).__name__}")
    if len(pair) == 1:
        pair = pair * 2
    if len(pair) != 2:
        allowed = "either be omitted, a single int" if omitted else "either be a single int"
        raise RuntimeError(f"{op}: {name} must {allowed}, or a tuple of two ints")
    return pair


def _check_input(input: Tensor, op: str) -> None:
    check_tensor(input, "input", op)
    if op == "max_pool2d" and input.ndim not in (3, 4):  # PyTorch's two ops word this apart
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    if input.ndim < 3:  # avg_pool2d: PyTorch reads the channels at dim -3 first
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(input.ndim, 1)}, "
                         f"{max(input.ndim, 1) - 1}], but got -3)")
    if input.ndim not in (3, 4) or any(size == 0 for size in input.shape[-3:]):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but "
                           f"got:{list(input.shape)}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"\"{op}\" not implemented for '{input.dtype.name}' in minitorch (use a floating dtype)")


def _check_window(input: Tensor, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple,
                  ceil_mode: bool) -> None:
    """PyTorch's checks of a pooling window against the input, in its order and words."""
    (kernel_h, kernel_w), (stride_h, stride_w), (pad_h, pad_w) = kernel_size, stride, padding
    if min(padding) < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(padding)}")
    if 0 in stride:
        raise RuntimeError("stride should not be zero")
    if min(kernel_size) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kernel_h} kW: {kernel_w}")
    if min(stride) < 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {stride_h} dW: {stride_w}")
    if min(dilation) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dilation[0]} "
                           f"dilationW: {dilation[1]}")
    for kernel, pad, spacing in zip(kernel_size, padding, dilation):
        if pad > ((kernel - 1) * spacing + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pad}, "
                               f"kernel_size={kernel} and dilation={spacing}")
    if pad_w > kernel_w // 2 or pad_h > kernel_h // 2:
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got padW = {pad_w}, "
                           f"padH = {pad_h}, kW = {kernel_w}, kH = {kernel_h}")
    channels, height, width = input.shape[-3:]
    out_h, out_w = (pooled_size(size, *geometry, ceil_mode)
                    for size, geometry in zip((height, width), zip(kernel_size, stride, padding, dilation)))
    if out_h < 1 or out_w < 1:
        raise RuntimeError(f"Given input size: ({channels}x{height}x{width}). Calculated output size: "
                           f"({channels}x{out_h}x{out_w}). Output size is too small")


def _batched(input: Tensor) -> Tensor:
    """(C, H, W) as a batch of one; (N, C, H, W) as it is."""
    return input.unsqueeze(0) if input.ndim == 3 else input


def _like_input(result: Tensor, input: Tensor) -> Tensor:
    """A batched result without its batch dim when input had none."""
    return result.squeeze(0) if input.ndim == 3 else result


def _gather_planes(values: Tensor, indices: Tensor) -> Tensor:
    """values (N, C, H, W) at the flat plane indices (N, C, OH, OW): each output's chosen input element."""
    batch, channels, height, width = values.shape  # sizes spelled out: an empty batch has no -1 to infer
    out_h, out_w = indices.shape[2:]
    picked = gather(values.reshape(batch, channels, height * width), 2,
                    indices.reshape(batch, channels, out_h * out_w))
    return picked.reshape(indices.shape)


# ---- max pooling ----
class MaxPool2d(Function):
    """y = the max of each window, with its flat index h·W + w; dx = grad added back at the indices."""

    forward_on_arrays = True
    node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx: Function, x: Any, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple,
                ceil_mode: bool) -> tuple:
        out, indices = ctx._backend.max_pool2d_forward(ctx.xp.ascontiguousarray(x), kernel_size, stride, padding,
                                                        dilation, ceil_mode)
        ctx.input_size = x.shape[2:]
        ctx.save_for_backward(indices)
        ctx.set_materialize_grads(False)  # the indices never get a gradient: no zeros made for them
        return out, indices

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor | None, grad_indices: None) -> tuple:
        indices, = ctx.saved_tensors
        grad_input = None if grad_output is None else MaxUnpoolAdd.apply(grad_output, indices, ctx.input_size)
        return grad_input, None, None, None, None, None


class MaxUnpoolAdd(Function):
    """y = zeros (N, C, H, W) with grad added at the indices (max pooling's backward); dgrad = y's gradient
    gathered at the indices."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, grad_output: Any, indices: Any, input_size: tuple) -> Any:
        ctx.save_for_backward(indices)
        return ctx._backend.max_pool2d_backward(ctx.xp.ascontiguousarray(grad_output), indices, input_size)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        indices, = ctx.saved_tensors
        return _gather_planes(grad, indices), None, None


def max_pool2d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0,
               dilation: IntPair = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """The max of each (dilated) kernel_size window of input (N, C, H, W) or (C, H, W), every stride (default:
    kernel_size), over a -inf border of padding; return_indices adds each max's flat index h·W + w."""
    op = "max_pool2d"
    kernel = _pair(kernel_size, "kernel_size", op)
    step = kernel if stride is None or stride == () else _pair(stride, "stride", op, omitted=True)
    pad, spacing = _pair(padding, "padding", op), _pair(dilation, "dilation", op)
    _check_input(input, op)
    _check_window(input, kernel, step, pad, spacing, ceil_mode)
    output, indices = MaxPool2d.apply(_batched(input), kernel, step, pad, spacing, bool(ceil_mode))
    output, indices = _like_input(output, input), _like_input(indices, input)
    return (output, indices) if return_indices else output


# ---- average pooling ----
class AvgPool2d(Function):
    """y = each window's sum over PyTorch's divisor; dx = its adjoint (AvgPool2dAdjoint) applied to grad."""

    forward_on_arrays = True
    node_name = "AvgPool2DBackward0"

    @staticmethod
    def forward(ctx: Function, x: Any, kernel_size: tuple, stride: tuple, padding: tuple, ceil_mode: bool,
                count_include_pad: bool, divisor_override: int | None) -> Any:
        ctx.geometry = (kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
        ctx.input_size = x.shape[2:]
        return ctx._backend.avg_pool2d_forward(ctx.xp.ascontiguousarray(x), *ctx.geometry)

    @staticmethod
    def backward(ctx: Function, grad_output: Tensor) -> tuple:
        return (AvgPool2dAdjoint.apply(grad_output, ctx.input_size, *ctx.geometry),) + (None,) * 6


class AvgPool2dAdjoint(Function):
    """y = each output's value over its divisor, spread over its window (average pooling's backward); being
    linear, its own backward is average pooling again."""

    forward_on_arrays = True

    @staticmethod
    def forward(ctx: Function, grad_output: Any, input_size: tuple, kernel_size: tuple, stride: tuple,
                padding: tuple, ceil_mode: bool, count_include_pad: bool, divisor_override: int | None) -> Any:
        ctx.geometry = (kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
        return ctx._backend.avg_pool2d_backward(ctx.xp.ascontiguousarray(grad_output), input_size, *ctx.geometry)

    @staticmethod
    def backward(ctx: Function, grad: Tensor) -> tuple:
        return (AvgPool2d.apply(grad, *ctx.geometry), None) + (None,) * 6


def avg_pool2d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """The mean of each kernel_size window of input (N, C, H, W) or (C, H, W), every stride (default:
    kernel_size), over a zero border of padding: divided by the window's size (its part inside the input when
    not count_include_pad), or by divisor_override."""
    op = "avg_pool2d"
    kernel = _pair(kernel_size, "kernel_size", op)
    step = kernel if stride is None or stride == () else _pair(stride, "stride", op, omitted=True)
    pad = _pair(padding, "padding", op)
    _check_input(input, op)
    if divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    _check_window(input, kernel, step, pad, (1, 1), ceil_mode)
    output = AvgPool2d.apply(_batched(input), kernel, step, pad, bool(ceil_mode), bool(count_include_pad),
                             divisor_override)
    return _like_input(output, input)


# ---- adaptive pooling ----
def _adaptive_size(input: Tensor, output_size: int | None | Sequence[int | None], op: str) -> tuple[int, int]:
    """The output's (OH, OW): an int for both, None keeping the input's size."""
    sizes = (output_size, output_size) if output_size is None or isinstance(output_size, int) else tuple(
        output_size)
    if len(sizes) != 2:
        raise RuntimeError(f"{op}: output_size must be 2")
    sizes = tuple(input.shape[-2 + axis] if size is None else size for axis, size in enumerate(sizes))
    if min(sizes) < 0:
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0 but received "
                           f"{{{sizes[0]}, {sizes[1]}}}")
    return sizes


def _check_adaptive_input(input: Tensor, op: str) -> None:
    check_tensor(input, "input", op)
    if input.ndim not in (3, 4):
        said = ", but got:" if op == "adaptive_max_pool2d" else ", but got"  # PyTorch's two wordings
        raise RuntimeError(f"{op}(): Expected 3D or 4D tensor{said} {list(input.shape)}")
    for dim in range(input.ndim - 3, input.ndim):
        if input.shape[dim] == 0:
            raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but input "
                               f"has sizes {list(input.shape)} with dimension {dim} being empty")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"\"{op}\" not implemented for '{input.dtype.name}' in minitorch (use a floating dtype)")


def adaptive_windows(size: int, output_size: int) -> list[tuple[int, int]]:
    """PyTorch's (start, end) of each adaptive window: floor(i·size / out) to ceil((i + 1)·size / out)."""
    return [(i * size // output_size, math.ceil((i + 1) * size / output_size)) for i in range(output_size)]


def _averaging_matrix(size: int, output_size: int) -> np.ndarray:
    """(output_size, size): row i averages window i."""
    matrix = np.zeros((output_size, size))
    for row, (start, end) in enumerate(adaptive_windows(size, output_size)):
        matrix[row, start:end] = 1 / (end - start)
    return matrix


def adaptive_avg_pool2d(input: Tensor, output_size: int | None | Sequence[int | None]) -> Tensor:
    """The mean of each of output_size adaptive windows of input (N, C, H, W) or (C, H, W); 1 = global pooling.

    As Aₕ · x · Aᵥᵀ with the averaging matrices Aₕ (OH, H) and Aᵥ (OW, W): two matmuls, differentiable as such.
    """
    op = "adaptive_avg_pool2d"
    _check_adaptive_input(input, op)
    out_h, out_w = _adaptive_size(input, output_size, op)
    height, width = input.shape[-2:]
    rows, columns = (creation.tensor(_averaging_matrix(size, out), dtype=input.dtype, device=input.device)
                     for size, out in ((height, out_h), (width, out_w)))
    return rows @ (input @ columns.T)


def _window_index(size: int, output_size: int) -> np.ndarray:
    """(output_size, largest window): the positions each adaptive window reads, the short ones repeating their
    last position (which changes no max, and never wins a tie against its first appearance)."""
    windows = adaptive_windows(size, output_size)
    longest = max((end - start for start, end in windows), default=1)
    return np.array([[min(start + k, end - 1) for k in range(longest)] for start, end in windows],
                    dtype=np.int64).reshape(output_size, longest)


def adaptive_max_pool2d(input: Tensor, output_size: int | None | Sequence[int | None],
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """The max of each of output_size adaptive windows of input (N, C, H, W) or (C, H, W); return_indices adds
    each max's flat index h·W + w. The argmax comes from the windows gathered side by side; the values are a
    gather at it, so the gradient flows back to the chosen elements."""
    op = "adaptive_max_pool2d"
    _check_adaptive_input(input, op)
    out_h, out_w = _adaptive_size(input, output_size, op)
    batched = _batched(input)
    batch, channels, height, width = batched.shape
    backend, xp = batched._backend, batched._backend.xp
    rows, columns = _window_index(height, out_h), _window_index(width, out_w)
    with backend.context():
        windows = batched._data[:, :, xp.asarray(rows)][..., xp.asarray(columns)]  # (N, C, OH, KH, OW, KW)
        windows = windows.transpose(0, 1, 2, 4, 3, 5).reshape(batch, channels, out_h, out_w,
                                                              rows.shape[1] * columns.shape[1])
        winner = xp.asarray(windows.argmax(axis=-1) if windows.size else np.zeros(windows.shape[:-1], np.int64))
        row, column = xp.divmod(winner, columns.shape[1])
        flat = (xp.asarray(rows)[xp.arange(out_h)[:, None], row] * width
                + xp.asarray(columns)[xp.arange(out_w), column])
        indices = Tensor._make(flat.astype(np.int64), backend)
    output = _gather_planes(batched, indices)
    output, indices = _like_input(output, input), _like_input(indices, input)
    return (output, indices) if return_indices else output


# ---- 1-d pooling: a (N, C, 1, L) image ----
def _as_image(input: Tensor, op: str) -> Tensor:
    """(N, C, L) or (C, L) as (N, C, 1, L) or (C, 1, L)."""
    check_tensor(input, "input", op)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument #1 "
                           f"'self' (while checking arguments for {op})")
    return input.unsqueeze(-2)


def _single(value: IntPair, name: str, op: str) -> int:
    """One int from an int or a 1-tuple."""
    if isinstance(value, int):
        return value
    if len(tuple(value)) != 1:
        raise RuntimeError(f"{op}: {name} must be an int or a tuple of one int, got {value}")
    return tuple(value)[0]


def _as_line(result: Tensor | tuple[Tensor, Tensor]) -> Tensor | tuple[Tensor, Tensor]:
    """A pooled image (or image and indices) of height 1 as lines."""
    return tuple(part.squeeze(-2) for part in result) if isinstance(result, tuple) else result.squeeze(-2)


def max_pool1d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0,
               dilation: IntPair = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """max_pool2d along the last dim of input (N, C, L) or (C, L)."""
    op = "max_pool1d"
    kernel = _single(kernel_size, "kernel_size", op)
    step = kernel if stride is None or stride == () else _single(stride, "stride", op)
    return _as_line(max_pool2d(_as_image(input, op), (1, kernel), (1, step), (0, _single(padding, "padding", op)),
                               (1, _single(dilation, "dilation", op)), ceil_mode, return_indices))


def avg_pool1d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """avg_pool2d along the last dim of input (N, C, L) or (C, L)."""
    op = "avg_pool1d"
    kernel = _single(kernel_size, "kernel_size", op)
    step = kernel if stride is None or stride == () else _single(stride, "stride", op)
    return _as_line(avg_pool2d(_as_image(input, op), (1, kernel), (1, step), (0, _single(padding, "padding", op)),
                               ceil_mode, count_include_pad))


def adaptive_avg_pool1d(input: Tensor, output_size: int | Sequence[int]) -> Tensor:
    """adaptive_avg_pool2d along the last dim of input (N, C, L) or (C, L)."""
    op = "adaptive_avg_pool1d"
    return _as_line(adaptive_avg_pool2d(_as_image(input, op), (1, _single(output_size, "output_size", op))))


def adaptive_max_pool1d(input: Tensor, output_size: int | Sequence[int],
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """adaptive_max_pool2d along the last dim of input (N, C, L) or (C, L)."""
    op = "adaptive_max_pool1d"
    return _as_line(adaptive_max_pool2d(_as_image(input, op), (1, _single(output_size, "output_size", op)),
                                        return_indices))
