"""Max and average pooling on NumPy: strided views of the input, one pass per kernel offset (never per pixel).

A (kh, kw) kernel is kh·kw strided slices of the padded input, each of the output's shape: the forward combines
them elementwise (max with the argmax kept, or a sum), the backward adds the gradient back through the same
slices. The geometry arguments are validated by the Functions (minitorch/functions/pooling.py).
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def pooled_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool) -> int:
    """PyTorch's output length: floor (or ceil) of (size + 2·padding - dilation·(kernel - 1) - 1) / stride, plus 1;
    with ceil_mode the last window must start inside the input or its left padding."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _output_size(x: np.ndarray, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple,
                 ceil_mode: bool) -> tuple[int, int]:
    return tuple(pooled_size(x.shape[2 + axis], kernel_size[axis], stride[axis], padding[axis], dilation[axis],
                             ceil_mode) for axis in (0, 1))


def _padded(x: np.ndarray, output_size: tuple, kernel_size: tuple, stride: tuple, padding: tuple,
            dilation: tuple, fill: float) -> np.ndarray:
    """x with `padding` rows / columns of fill before and as many after as the last (ceil_mode) window reads;
    x itself when no window reaches outside it."""
    needed = [(output_size[axis] - 1) * stride[axis] + dilation[axis] * (kernel_size[axis] - 1) + 1
              for axis in (0, 1)]
    after = [max(needed[axis] - x.shape[2 + axis] - padding[axis], 0) for axis in (0, 1)]
    if not any(padding) and not any(after):
        return x
    return np.pad(x, ((0, 0), (0, 0), (padding[0], after[0]), (padding[1], after[1])), constant_values=fill)


def _window_slices(output_size: tuple, kernel_size: tuple, stride: tuple, dilation: tuple) -> Iterator[tuple]:
    """((i, j), the index of the (OH, OW) slice of the padded input that kernel offset (i, j) reads)."""
    (out_h, out_w), (stride_h, stride_w) = output_size, stride
    for i in range(kernel_size[0]):
        rows = slice(i * dilation[0], i * dilation[0] + (out_h - 1) * stride_h + 1, stride_h)
        for j in range(kernel_size[1]):
            columns = slice(j * dilation[1], j * dilation[1] + (out_w - 1) * stride_w + 1, stride_w)
            yield (i, j), (Ellipsis, rows, columns)


def max_pool2d_forward(x: np.ndarray, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple,
                       ceil_mode: bool) -> tuple[np.ndarray, np.ndarray]:
    """(out, indices): each window's max (padding counts as -inf) and its flat index h·W + w in the input plane.

    The max is a chain of np.maximum over the kernel's slices (NaN propagates); the argmax is then the first
    slice equal to it in row-major window order (PyTorch's tie rule), found with byte masks: NumPy's masked
    copyto and argmax over a window axis run 7-15x slower than these whole-array passes. As in PyTorch, a
    NaN window picks its last NaN, and an all -inf window its first element inside the input.
    """
    output_size = _output_size(x, kernel_size, stride, padding, dilation, ceil_mode)
    padded = _padded(x, output_size, kernel_size, stride, padding, dilation, -np.inf)
    windows = [window for _, window in _window_slices(output_size, kernel_size, stride, dilation)]
    out = padded[windows[0]].copy()
    for window in windows[1:]:
        np.maximum(out, padded[window], out=out)
    winner = np.zeros(out.shape, dtype=np.uint8 if len(windows) < 256 else np.int64)  # kernel offset i·kw + j
    unfound = np.ones(out.shape, dtype=bool)
    hit = np.empty(out.shape, dtype=bool)
    for number, window in enumerate(windows):
        np.equal(padded[window], out, out=hit)
        hit &= unfound
        unfound ^= hit
        if number:
            winner += hit * winner.dtype.type(number)
    if unfound.any():  # NaN windows, equal to nothing: PyTorch takes the last NaN
        for number, window in enumerate(windows):
            np.copyto(winner, number, where=np.isnan(padded[window]))
    top = np.arange(output_size[0]) * stride[0] - padding[0]
    left = np.arange(output_size[1]) * stride[1] - padding[1]
    if padded is not x and np.isneginf(out).any():  # an all -inf window: its first element inside the input
        first_row = np.maximum(-(top // dilation[0]), 0)  # ceil(-top / dilation), the first row at h >= 0
        first_column = np.maximum(-(left // dilation[1]), 0)
        inside = first_row[:, None] * kernel_size[1] + first_column
        np.copyto(winner, inside.astype(winner.dtype), where=np.isneginf(out))
    width = x.shape[3]
    rows, columns = np.divmod(np.arange(len(windows)), kernel_size[1])
    offsets = rows * dilation[0] * width + columns * dilation[1]  # of each kernel offset from the window's corner
    indices = offsets.take(winner)
    indices += top[:, None] * width + left
    return out, indices


def max_pool2d_backward(grad_output: np.ndarray, indices: np.ndarray, input_size: tuple) -> np.ndarray:
    """grad_input[n, c].flat[indices[n, c, oh, ow]] += grad_output[n, c, oh, ow], summed where windows overlap.

    One bincount over the (plane, index) pairs: a single pass that adds up repeated indices (overlapping windows),
    without np.add.at's cost; it takes about 1.8x a plain scatter's time, which would be right only without them.
    """
    batch, channels, out_h, out_w = indices.shape
    plane = input_size[0] * input_size[1]
    planes = batch * channels
    targets = indices.reshape(planes, out_h * out_w) + (np.arange(planes, dtype=np.int64) * plane)[:, None]
    summed = np.bincount(targets.reshape(-1), weights=grad_output.reshape(-1), minlength=planes * plane)
    return summed.astype(grad_output.dtype, copy=False).reshape(batch, channels, *input_size)


def _avg_divisor(input_size: tuple, output_size: tuple, kernel_size: tuple, stride: tuple, padding: tuple,
                 count_include_pad: bool, divisor_override: int | None) -> np.ndarray | int:
    """Each output's divisor, (OH, OW) (or the override): PyTorch's window size, clipped to the padded input
    when counting the padding, else to the input itself."""
    if divisor_override is not None:
        return divisor_override
    counts = []
    for axis in (0, 1):
        size, pad = input_size[axis], padding[axis]
        start = np.arange(output_size[axis]) * stride[axis] - pad
        end = np.minimum(start + kernel_size[axis], size + pad)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, size)
        counts.append(end - start)
    return counts[0][:, None] * counts[1]


def _work_dtype(dtype: np.dtype) -> np.dtype:
    """float16 sums in float32, as on the GPU."""
    return np.dtype(np.float32) if dtype == np.float16 else dtype


def avg_pool2d_forward(x: np.ndarray, kernel_size: tuple, stride: tuple, padding: tuple, ceil_mode: bool,
                       count_include_pad: bool, divisor_override: int | None) -> np.ndarray:
    """Each window's sum (padding counts as 0) over PyTorch's divisor."""
    dilation = (1, 1)
    output_size = _output_size(x, kernel_size, stride, padding, dilation, ceil_mode)
    padded = _padded(x, output_size, kernel_size, stride, padding, dilation, 0)
    total = np.zeros((*x.shape[:2], *output_size), dtype=_work_dtype(x.dtype))
    for _, window in _window_slices(output_size, kernel_size, stride, dilation):
        total += padded[window]
    total /= _avg_divisor(x.shape[2:], output_size, kernel_size, stride, padding, count_include_pad,
                          divisor_override)
    return total.astype(x.dtype, copy=False)


def avg_pool2d_backward(grad_output: np.ndarray, input_size: tuple, kernel_size: tuple, stride: tuple,
                        padding: tuple, ceil_mode: bool, count_include_pad: bool,
                        divisor_override: int | None) -> np.ndarray:
    """The adjoint of avg_pool2d_forward: each output's gradient over its divisor, added onto its window."""
    dilation = (1, 1)
    output_size = grad_output.shape[2:]
    needed = [(output_size[axis] - 1) * stride[axis] + kernel_size[axis] for axis in (0, 1)]
    padded_size = [max(input_size[axis] + 2 * padding[axis], needed[axis]) for axis in (0, 1)]
    grad_padded = np.zeros((*grad_output.shape[:2], *padded_size), dtype=_work_dtype(grad_output.dtype))
    divisor = _avg_divisor(input_size, output_size, kernel_size, stride, padding, count_include_pad,
                           divisor_override)
    share = grad_output.astype(grad_padded.dtype, copy=False) / divisor
    for _, window in _window_slices(output_size, kernel_size, stride, dilation):
        grad_padded[window] += share  # one slice's windows are disjoint; overlapping ones add in turn
    rows = slice(padding[0], padding[0] + input_size[0])
    columns = slice(padding[1], padding[1] + input_size[1])
    return np.ascontiguousarray(grad_padded[..., rows, columns], dtype=grad_output.dtype)
