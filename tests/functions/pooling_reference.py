"""Pooling written out as loops over the output positions and the kernel, in NumPy: the op table's references
for max, average and adaptive pooling (independent of minitorch's strided-slice code)."""
from __future__ import annotations

import math

import numpy as np


def pooled_length(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's documented output length; with ceil_mode, a window starting in the right padding is dropped."""
    span = (size + 2 * padding - dilation * (kernel - 1) - 1) / stride
    length = (math.ceil(span) if ceil_mode else math.floor(span)) + 1
    if ceil_mode and (length - 1) * stride >= size + padding:
        length -= 1
    return length


def _batched(x: np.ndarray) -> tuple[np.ndarray, bool]:
    return (x[None], True) if x.ndim == 3 else (x, False)


def max_pool2d(x: np.ndarray, kernel: tuple, stride: tuple | None = None, padding: tuple = (0, 0),
               dilation: tuple = (1, 1), ceil_mode: bool = False) -> np.ndarray:
    """The max over the window's elements inside the input (padding never wins)."""
    x, unbatched = _batched(x)
    stride = stride or kernel
    height, width = x.shape[2:]
    out_h, out_w = (pooled_length(size, *geometry, ceil_mode)
                    for size, geometry in zip((height, width), zip(kernel, stride, padding, dilation)))
    out = np.full((*x.shape[:2], out_h, out_w), -np.inf, dtype=x.dtype)
    for oh in range(out_h):
        for ow in range(out_w):
            for i in range(kernel[0]):
                for j in range(kernel[1]):
                    h = oh * stride[0] - padding[0] + i * dilation[0]
                    w = ow * stride[1] - padding[1] + j * dilation[1]
                    if 0 <= h < height and 0 <= w < width:
                        out[..., oh, ow] = np.maximum(out[..., oh, ow], x[..., h, w])
    return out[0] if unbatched else out


def avg_pool2d(x: np.ndarray, kernel: tuple, stride: tuple | None = None, padding: tuple = (0, 0),
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> np.ndarray:
    """The sum over the window's elements inside the input, over: divisor_override, or the number of window
    positions inside the padded input (count_include_pad), or inside the input."""
    x, unbatched = _batched(x)
    stride = stride or kernel
    height, width = x.shape[2:]
    out_h, out_w = (pooled_length(size, k, s, p, 1, ceil_mode)
                    for size, k, s, p in zip((height, width), kernel, stride, padding))
    out = np.zeros((*x.shape[:2], out_h, out_w), dtype=x.dtype)
    for oh in range(out_h):
        for ow in range(out_w):
            inside = in_padded = 0
            for i in range(kernel[0]):
                for j in range(kernel[1]):
                    h, w = oh * stride[0] - padding[0] + i, ow * stride[1] - padding[1] + j
                    if h < height + padding[0] and w < width + padding[1]:
                        in_padded += 1
                    if 0 <= h < height and 0 <= w < width:
                        inside += 1
                        out[..., oh, ow] += x[..., h, w]
            out[..., oh, ow] /= divisor_override or (in_padded if count_include_pad else inside)
    return out[0] if unbatched else out


def adaptive_pool2d(x: np.ndarray, output_size: tuple, reduce) -> np.ndarray:
    """reduce (np.max or np.mean) over PyTorch's adaptive windows [floor(i·H/OH), ceil((i+1)·H/OH))."""
    x, unbatched = _batched(x)
    height, width = x.shape[2:]
    out_h, out_w = (size if out is None else out for size, out in zip((height, width), output_size))
    out = np.zeros((*x.shape[:2], out_h, out_w), dtype=x.dtype)
    for oh in range(out_h):
        rows = slice(oh * height // out_h, math.ceil((oh + 1) * height / out_h))
        for ow in range(out_w):
            columns = slice(ow * width // out_w, math.ceil((ow + 1) * width / out_w))
            out[..., oh, ow] = reduce(x[..., rows, columns], axis=(-2, -1))
    return out[0] if unbatched else out


def as_line(pool2d, x: np.ndarray, *args, **kwargs) -> np.ndarray:
    """A 2-d reference applied to lines (N, C, L) or (C, L), as images of height 1."""
    return pool2d(x[..., None, :], *args, **kwargs)[..., 0, :]
