"""float64 references for the convolution and pooling kernels, written as loop nests over the windows (from
PyTorch's definitions, not from kernels/): im2col / col2im as F.unfold / F.fold, max pooling as PyTorch's
CPU kernel chooses (first maximum in row-major order, a NaN taken wherever it is), average pooling with
PyTorch's divisor rules. Vectorised over (N, C) only. host_report.py and the tests share them."""
from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import numpy as np


class ConvCase(NamedTuple):
    shape: tuple  # (N, C, H, W)
    kernel: tuple
    stride: tuple
    padding: tuple  # (top, bottom, left, right)
    dilation: tuple


class PoolCase(NamedTuple):
    shape: tuple
    kernel: tuple
    stride: tuple
    padding: tuple  # (ph, pw), symmetric
    dilation: tuple = (1, 1)
    ceil_mode: bool = False
    count_include_pad: bool = True
    divisor_override: int | None = None


def conv_output_size(case: ConvCase) -> tuple[int, int]:
    (_, _, height, width), (kh, kw), (sh, sw), (top, bottom, left, right), (dh, dw) = case
    return ((height + top + bottom - dh * (kh - 1) - 1) // sh + 1, (width + left + right - dw * (kw - 1) - 1) // sw + 1)


def im2col(x: np.ndarray, case: ConvCase) -> np.ndarray:
    """cols[n, c, i, j, oh, ow] = x[n, c, oh sh + i dh - top, ow sw + j dw - left], 0 outside x."""
    (batch, channels, height, width), (kh, kw), (sh, sw), (top, _, left, _), (dh, dw) = case
    out_h, out_w = conv_output_size(case)
    cols = np.zeros((batch, channels, kh, kw, out_h, out_w))
    for i, j, oh, ow in itertools.product(range(kh), range(kw), range(out_h), range(out_w)):
        h, w = oh * sh + i * dh - top, ow * sw + j * dw - left
        if 0 <= h < height and 0 <= w < width:
            cols[:, :, i, j, oh, ow] = x[:, :, h, w]
    return cols


def col2im(cols: np.ndarray, case: ConvCase) -> np.ndarray:
    """Every cols entry added onto the pixel im2col read it from; those from the padding dropped."""
    (batch, channels, height, width), (kh, kw), (sh, sw), (top, _, left, _), (dh, dw) = case
    out_h, out_w = conv_output_size(case)
    x = np.zeros((batch, channels, height, width))
    for i, j, oh, ow in itertools.product(range(kh), range(kw), range(out_h), range(out_w)):
        h, w = oh * sh + i * dh - top, ow * sw + j * dw - left
        if 0 <= h < height and 0 <= w < width:
            x[:, :, h, w] += cols[:, :, i, j, oh, ow]
    return x


def pool_output_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's pooling_output_shape."""
    rounding = math.ceil if ceil_mode else math.floor
    out = rounding((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def pool_output_shape(case: PoolCase) -> tuple[int, int]:
    height, width = case.shape[2:]
    return (pool_output_size(height, case.kernel[0], case.stride[0], case.padding[0], case.dilation[0], case.ceil_mode),
            pool_output_size(width, case.kernel[1], case.stride[1], case.padding[1], case.dilation[1], case.ceil_mode))


def max_pool2d(x: np.ndarray, case: PoolCase) -> tuple[np.ndarray, np.ndarray]:
    """(out, indices): per window, the first element greater than every earlier one, or any NaN."""
    batch, channels, height, width = case.shape
    out_h, out_w = pool_output_shape(case)
    out = np.empty((batch, channels, out_h, out_w))
    indices = np.empty((batch, channels, out_h, out_w), np.int64)
    for n, c, oh, ow in itertools.product(range(batch), range(channels), range(out_h), range(out_w)):
        best, best_index = -np.inf, None
        for i, j in itertools.product(range(case.kernel[0]), range(case.kernel[1])):
            h = oh * case.stride[0] - case.padding[0] + i * case.dilation[0]
            w = ow * case.stride[1] - case.padding[1] + j * case.dilation[1]
            if 0 <= h < height and 0 <= w < width:
                value = float(x[n, c, h, w])
                if best_index is None or value > best or math.isnan(value):
                    best, best_index = value, h * width + w
        out[n, c, oh, ow], indices[n, c, oh, ow] = best, best_index
    return out, indices


def max_pool2d_backward(grad_output: np.ndarray, indices: np.ndarray, input_size: tuple) -> np.ndarray:
    batch, channels = grad_output.shape[:2]
    grad = np.zeros((batch, channels, input_size[0] * input_size[1]))
    for n, c, oh, ow in itertools.product(*map(range, grad_output.shape)):
        grad[n, c, indices[n, c, oh, ow]] += grad_output[n, c, oh, ow]
    return grad.reshape(batch, channels, *input_size)


def avg_pool2d_windows(case: PoolCase):
    """(oh, ow, rows, cols, divisor) of every window: PyTorch's divisor, then the window clipped to x."""
    height, width = case.shape[2:]
    (kh, kw), (sh, sw), (ph, pw) = case.kernel, case.stride, case.padding
    out_h, out_w = pool_output_shape(case)
    for oh, ow in itertools.product(range(out_h), range(out_w)):
        h0, w0 = oh * sh - ph, ow * sw - pw
        h1, w1 = min(h0 + kh, height + ph), min(w0 + kw, width + pw)
        padded_size = (h1 - h0) * (w1 - w0)
        rows, cols = slice(max(h0, 0), min(h1, height)), slice(max(w0, 0), min(w1, width))
        inside = (rows.stop - rows.start) * (cols.stop - cols.start)
        divisor = case.divisor_override or (padded_size if case.count_include_pad else inside)
        yield oh, ow, rows, cols, divisor


def avg_pool2d(x: np.ndarray, case: PoolCase) -> np.ndarray:
    out = np.empty((*case.shape[:2], *pool_output_shape(case)))
    for oh, ow, rows, cols, divisor in avg_pool2d_windows(case):
        out[:, :, oh, ow] = x[:, :, rows, cols].sum(axis=(2, 3)) / divisor
    return out


def avg_pool2d_backward(grad_output: np.ndarray, case: PoolCase) -> np.ndarray:
    grad = np.zeros(case.shape)
    for oh, ow, rows, cols, divisor in avg_pool2d_windows(case):
        grad[:, :, rows, cols] += (grad_output[:, :, oh, ow] / divisor)[:, :, None, None]
    return grad


CONV_CASES = [
    ConvCase((2, 3, 7, 6), (3, 3), (1, 1), (0, 0, 0, 0), (1, 1)),
    ConvCase((2, 3, 7, 6), (3, 2), (2, 1), (1, 0, 2, 1), (1, 2)),  # stride, asymmetric padding, dilation
    ConvCase((1, 2, 5, 5), (2, 2), (1, 1), (0, 1, 0, 1), (1, 1)),  # "same" with an even kernel: bottom, right
    ConvCase((1, 4, 4, 5), (1, 1), (1, 1), (0, 0, 0, 0), (1, 1)),  # 1x1
    ConvCase((2, 2, 9, 8), (3, 3), (3, 2), (2, 2, 1, 1), (2, 1)),  # padding wider than a stride
    ConvCase((1, 2, 7, 8), (2, 2), (3, 3), (0, 0, 1, 0), (1, 1)),  # stride past the kernel: pixels never read
    ConvCase((1, 1, 3, 4), (3, 4), (1, 1), (0, 0, 0, 0), (1, 1)),  # the kernel as large as the input
]
"""Each with the kernel, stride, padding (top, bottom, left, right) and dilation named in its comment."""

MAX_POOL_CASES = [
    PoolCase((2, 3, 6, 6), (2, 2), (2, 2), (0, 0)),
    PoolCase((2, 2, 7, 7), (3, 3), (2, 2), (1, 1), ceil_mode=True),  # overlapping windows, padding, ceil_mode
    PoolCase((1, 2, 8, 7), (3, 2), (1, 2), (1, 1), dilation=(2, 1)),  # dilation, a rectangular kernel
    PoolCase((1, 1, 5, 5), (2, 2), (2, 2), (1, 0), ceil_mode=True),  # ceil_mode's last window dropped
    PoolCase((1, 2, 6, 5), (3, 3), (3, 3), (0, 1), ceil_mode=True),  # ceil_mode's partial last window kept
    PoolCase((2, 1, 5, 6), (3, 3), (1, 1), (1, 1), dilation=(2, 2), ceil_mode=True),
]

AVG_POOL_CASES = [
    PoolCase((2, 2, 6, 6), (2, 2), (2, 2), (0, 0)),
    PoolCase((2, 2, 7, 7), (3, 3), (2, 2), (1, 1), ceil_mode=True),  # the padding counted
    PoolCase((2, 2, 7, 7), (3, 3), (2, 2), (1, 1), ceil_mode=True, count_include_pad=False),
    PoolCase((1, 2, 7, 6), (3, 2), (1, 2), (1, 1), count_include_pad=False),  # overlapping, rectangular
    PoolCase((1, 1, 5, 5), (2, 2), (2, 2), (1, 0), ceil_mode=True),  # a window cut at H + padding
    PoolCase((1, 2, 6, 5), (3, 3), (3, 3), (0, 1), ceil_mode=True),  # past the input: not counted
    PoolCase((1, 2, 6, 6), (4, 4), (3, 3), (1, 1), ceil_mode=True),  # past H + padding: counted up to it
    PoolCase((1, 2, 7, 7), (3, 3), (2, 2), (1, 1), ceil_mode=True, divisor_override=5),
    PoolCase((1, 1, 8, 5), (4, 3), (3, 2), (2, 1), ceil_mode=True, count_include_pad=False, divisor_override=3),
]


def case_id(case: ConvCase | PoolCase) -> str:
    return "-".join("x".join(map(str, value)) if isinstance(value, tuple) else str(value) for value in case)
