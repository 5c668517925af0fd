"""The op table's convolution rows, and their references: convolution written the slow, obvious way, as direct
loop nests over NumPy arrays sharing nothing with minitorch's im2col."""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

import minitorch as mt

F = mt.nn.functional


def _pad(x: np.ndarray, padding: tuple) -> np.ndarray:
    """x (N, C, H, W) with zeros around: padding ((top, bottom), (left, right))."""
    return np.pad(x, ((0, 0), (0, 0), padding[0], padding[1]))


def np_conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None, stride: tuple = (1, 1),
              padding: tuple = ((0, 0), (0, 0)), dilation: tuple = (1, 1), groups: int = 1) -> np.ndarray:
    """out[n, o, i, j] = bias[o] + Σ_{c in o's group, p, q} x_padded[n, c, i·sh + p·dh, j·sw + q·dw] · weight[o, c, p, q]."""
    padded = _pad(x, padding)
    batch, _, height, width = padded.shape
    out_channels, group_channels, kh, kw = weight.shape
    out_h = (height - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    out_w = (width - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((batch, out_channels, out_h, out_w), dtype=np.result_type(x, weight))
    per_group = out_channels // groups
    for n in range(batch):
        for o in range(out_channels):
            first = o // per_group * group_channels
            for i in range(out_h):
                for j in range(out_w):
                    total = 0.0 if bias is None else bias[o]
                    for c in range(group_channels):
                        for p in range(kh):
                            for q in range(kw):
                                total += (padded[n, first + c, i * stride[0] + p * dilation[0],
                                                 j * stride[1] + q * dilation[1]] * weight[o, c, p, q])
                    out[n, o, i, j] = total
    return out


def np_conv1d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None, stride: int = 1,
              padding: tuple = (0, 0), dilation: int = 1, groups: int = 1) -> np.ndarray:
    """conv1d of x (N, C, L) as np_conv2d on rows of height 1."""
    return np_conv2d(x[:, :, None], weight[:, :, None], bias, (1, stride), ((0, 0), padding), (1, dilation),
                     groups)[:, :, 0]


def unbatched(reference, x: np.ndarray, *args, **kwargs) -> np.ndarray:
    """A batched reference applied to one unbatched sample."""
    return reference(x[None], *args, **kwargs)[0]


def np_unfold(x: np.ndarray, kernel_size: tuple, dilation: tuple, padding: tuple, stride: tuple) -> np.ndarray:
    """(N, C·kh·kw, L): column l holds block l's pixels, channel-major then kernel row then column."""
    padded = _pad(x, ((padding[0],) * 2, (padding[1],) * 2))
    batch, channels, height, width = padded.shape
    kh, kw = kernel_size
    out_h = (height - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    out_w = (width - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((batch, channels * kh * kw, out_h * out_w), dtype=x.dtype)
    for c in range(channels):
        for p in range(kh):
            for q in range(kw):
                for i in range(out_h):
                    for j in range(out_w):
                        out[:, (c * kh + p) * kw + q, i * out_w + j] = padded[:, c, i * stride[0] + p * dilation[0],
                                                                              j * stride[1] + q * dilation[1]]
    return out


def np_fold(cols: np.ndarray, output_size: tuple, kernel_size: tuple, dilation: tuple, padding: tuple,
            stride: tuple) -> np.ndarray:
    """(N, C, H, W): every column entry added onto the pixel np_unfold would have read it from."""
    batch, rows, _ = cols.shape
    kh, kw = kernel_size
    channels = rows // (kh * kw)
    height, width = output_size[0] + 2 * padding[0], output_size[1] + 2 * padding[1]
    out_h = (height - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    out_w = (width - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    padded = np.zeros((batch, channels, height, width), dtype=cols.dtype)
    for c in range(channels):
        for p in range(kh):
            for q in range(kw):
                for i in range(out_h):
                    for j in range(out_w):
                        padded[:, c, i * stride[0] + p * dilation[0], j * stride[1] + q * dilation[1]] += (
                            cols[:, (c * kh + p) * kw + q, i * out_w + j])
    return padded[:, :, padding[0]:padding[0] + output_size[0], padding[1]:padding[1] + output_size[1]]


class Row(NamedTuple):
    """An op-table row (tests/functions/test_ops.py's Op): name, minitorch call, reference, input shapes."""

    name: str
    function: Callable
    reference: Callable
    shapes: list
    covers: tuple = ()


CONV_ROWS = [  # stride, padding (int, tuple, "same" incl. an even kernel, "valid"), dilation, groups, 1x1, unbatched
    Row("conv2d", lambda x, w, b: F.conv2d(x, w, b), np_conv2d, [(2, 3, 5, 4), (4, 3, 3, 2), (4,)]),
    Row("conv2d_stride_padding", lambda x, w: F.conv2d(x, w, stride=(2, 1), padding=(1, 2)),
       lambda x, w: np_conv2d(x, w, stride=(2, 1), padding=((1, 1), (2, 2))), [(1, 2, 6, 5), (3, 2, 3, 3)],
       covers=("conv2d",)),
    Row("conv2d_dilation", lambda x, w: F.conv2d(x, w, padding=1, dilation=(2, 1)),
       lambda x, w: np_conv2d(x, w, padding=((1, 1), (1, 1)), dilation=(2, 1)), [(1, 2, 6, 5), (2, 2, 2, 3)],
       covers=("conv2d",)),
    Row("conv2d_groups", lambda x, w, b: F.conv2d(x, w, b, stride=2, groups=2),
       lambda x, w, b: np_conv2d(x, w, b, stride=(2, 2), groups=2), [(2, 4, 5, 5), (6, 2, 2, 2), (6,)],
       covers=("conv2d",)),
    Row("conv2d_depthwise", lambda x, w: F.conv2d(x, w, padding=1, groups=3),
       lambda x, w: np_conv2d(x, w, padding=((1, 1), (1, 1)), groups=3), [(1, 3, 4, 5), (3, 1, 3, 3)],
       covers=("conv2d",)),
    Row("conv2d_same", lambda x, w: F.conv2d(x, w, padding="same"),
       lambda x, w: np_conv2d(x, w, padding=((1, 1), (1, 1))), [(1, 2, 5, 4), (3, 2, 3, 3)], covers=("conv2d",)),
    Row("conv2d_same_even_kernel", lambda x, w: F.conv2d(x, w, padding="same", dilation=(1, 1)),
       lambda x, w: np_conv2d(x, w, padding=((0, 1), (1, 2))), [(1, 2, 4, 5), (2, 2, 2, 4)], covers=("conv2d",)),
    Row("conv2d_same_dilated", lambda x, w: F.conv2d(x, w, padding="same", dilation=2),
       lambda x, w: np_conv2d(x, w, padding=((1, 1), (1, 1)), dilation=(2, 2)), [(1, 1, 5, 4), (2, 1, 2, 2)],
       covers=("conv2d",)),
    Row("conv2d_valid", lambda x, w: F.conv2d(x, w, stride=2, padding="valid"),
       lambda x, w: np_conv2d(x, w, stride=(2, 2)), [(1, 2, 5, 5), (2, 2, 3, 3)], covers=("conv2d",)),
    Row("conv2d_1x1", lambda x, w, b: F.conv2d(x, w, b), np_conv2d, [(2, 3, 3, 2), (4, 3, 1, 1), (4,)],
       covers=("conv2d",)),
    Row("conv2d_odd_stride", lambda x, w: F.conv2d(x, w, stride=(3, 2)),
       lambda x, w: np_conv2d(x, w, stride=(3, 2)), [(1, 1, 7, 6), (1, 1, 3, 3)], covers=("conv2d",)),
    Row("conv2d_unbatched", lambda x, w, b: F.conv2d(x, w, b, padding=1),
       lambda x, w, b: unbatched(np_conv2d, x, w, b, padding=((1, 1), (1, 1))), [(2, 4, 3), (3, 2, 3, 3), (3,)],
       covers=("conv2d",)),
    Row("conv1d", lambda x, w, b: F.conv1d(x, w, b), np_conv1d, [(2, 3, 7), (4, 3, 3), (4,)]),
    Row("conv1d_stride_dilation_padding", lambda x, w: F.conv1d(x, w, stride=2, padding=2, dilation=2),
       lambda x, w: np_conv1d(x, w, stride=2, padding=(2, 2), dilation=2), [(1, 2, 8), (3, 2, 3)],
       covers=("conv1d",)),
    Row("conv1d_groups_same_even_kernel", lambda x, w: F.conv1d(x, w, padding="same", groups=2),
       lambda x, w: np_conv1d(x, w, padding=(0, 1), groups=2), [(1, 4, 6), (4, 2, 2)], covers=("conv1d",)),
    Row("conv1d_unbatched", lambda x, w: F.conv1d(x, w, stride=2, padding=1),
       lambda x, w: unbatched(np_conv1d, x, w, stride=2, padding=(1, 1)), [(3, 6), (2, 3, 2)], covers=("conv1d",)),
    Row("unfold", lambda x: F.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)),
       lambda x: np_unfold(x, (2, 3), (2, 1), (1, 1), (1, 2)), [(2, 2, 4, 5)]),
    Row("unfold_unbatched", lambda x: F.unfold(x, 2, stride=2), lambda x: unbatched(np_unfold, x, (2, 2), (1, 1),
                                                                                    (0, 0), (2, 2)),
       [(2, 5, 4)], covers=("unfold",)),
    Row("fold", lambda c: F.fold(c, (4, 5), (2, 3), padding=1, stride=(2, 1)),
       lambda c: np_fold(c, (4, 5), (2, 3), (1, 1), (1, 1), (2, 1)), [(2, 12, 15)]),
    Row("fold_unbatched_dilated", lambda c: F.fold(c, 5, 2, dilation=2),
       lambda c: unbatched(np_fold, c, (5, 5), (2, 2), (2, 2), (0, 0), (1, 1)), [(4, 9)], covers=("fold",)),
]
