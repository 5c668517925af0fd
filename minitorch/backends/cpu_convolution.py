"""im2col and col2im on NumPy: the sliding windows of a convolution as one strided view copied once, and its
adjoint as kh·kw strided slices added into a padded buffer (no np.add.at, no loop over pixels or channels)."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


def output_size(size: int, kernel: int, stride: int, before: int, after: int, dilation: int) -> int:
    """The number of window positions along one dim: (size + padding - dilation·(kernel - 1) - 1) // stride + 1."""
    return (size + before + after - dilation * (kernel - 1) - 1) // stride + 1


def _zero_padded(x: np.ndarray, padding: tuple) -> np.ndarray:
    """x (N, C, H, W) with zero rows on top / bottom and zero columns left / right (x itself when there are none)."""
    top, bottom, left, right = padding
    if not any(padding):
        return x
    n, c, h, w = x.shape
    padded = np.zeros((n, c, h + top + bottom, w + left + right), dtype=x.dtype)
    padded[:, :, top:top + h, left:left + w] = x
    return padded


def im2col(x: np.ndarray, kernel_size: tuple, stride: tuple, padding: tuple, dilation: tuple) -> np.ndarray:
    """cols (N, C, kh, kw, OH, OW), cols[n, c, i, j, oh, ow] = x[n, c, oh·sh + i·dh - top, ow·sw + j·dw - left]
    (0 in the padding): F.unfold's layout, from one strided view of the padded input, copied once."""
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    top, bottom, left, right = padding
    n, c, h, w = x.shape
    out_h = output_size(h, kh, sh, top, bottom, dh)
    out_w = output_size(w, kw, sw, left, right, dw)
    padded = _zero_padded(x, padding)
    batch_stride, channel_stride, row_stride, column_stride = padded.strides
    windows = as_strided(padded, (n, c, kh, kw, out_h, out_w),
                         (batch_stride, channel_stride, row_stride * dh, column_stride * dw, row_stride * sh,
                          column_stride * sw), writeable=False)
    return np.ascontiguousarray(windows)


def col2im(cols: np.ndarray, input_size: tuple, kernel_size: tuple, stride: tuple, padding: tuple,
           dilation: tuple) -> np.ndarray:
    """The adjoint of im2col: each cols element added onto the input pixel it was read from, those read from the
    padding dropped (F.fold). float16 accumulates in float32."""
    n, c, kh, kw, out_h, out_w = cols.shape
    (h, w), (sh, sw), (dh, dw) = input_size, stride, dilation
    top, bottom, left, right = padding
    work_dtype = np.float32 if cols.dtype == np.float16 else cols.dtype
    padded = np.zeros((n, c, h + top + bottom, w + left + right), dtype=work_dtype)
    rows_spanned, columns_spanned = sh * (out_h - 1) + 1, sw * (out_w - 1) + 1
    for i in range(kh):
        for j in range(kw):
            padded[:, :, i * dh:i * dh + rows_spanned:sh, j * dw:j * dw + columns_spanned:sw] += cols[:, :, i, j]
    inside = padded[:, :, top:top + h, left:left + w]
    return np.ascontiguousarray(inside, dtype=cols.dtype)
