"""The op table's pooling rows (tests/functions/test_ops.py's Op), against the loop nests of pooling_reference.py:
each configuration of the max, average and adaptive pools, 2-d and 1-d."""
from __future__ import annotations

import numpy as np

import minitorch as mt

from . import pooling_reference as P
from .conv_rows import Row

F = mt.nn.functional

POOL_ROWS = [  # stride, padding, dilation, ceil_mode, overlapping windows, rectangular, unbatched, indices, ...
    Row("max_pool2d", lambda a: F.max_pool2d(a, 2), lambda a: P.max_pool2d(a, (2, 2)), [(1, 2, 4, 6)]),
    Row("max_pool2d_stride_padding", lambda a: F.max_pool2d(a, 3, stride=2, padding=1),
       lambda a: P.max_pool2d(a, (3, 3), (2, 2), (1, 1)), [(2, 1, 5, 7)], covers=("max_pool2d",)),
    Row("max_pool2d_dilation", lambda a: F.max_pool2d(a, (2, 3), 1, (1, 0), dilation=(2, 1)),
       lambda a: P.max_pool2d(a, (2, 3), (1, 1), (1, 0), (2, 1)), [(1, 1, 5, 6)], covers=("max_pool2d",)),
    Row("max_pool2d_ceil_mode", lambda a: F.max_pool2d(a, 2, ceil_mode=True),
       lambda a: P.max_pool2d(a, (2, 2), ceil_mode=True), [(1, 2, 5, 7)], covers=("max_pool2d",)),
    Row("max_pool2d_ceil_mode_padding", lambda a: F.max_pool2d(a, 2, 3, 1, ceil_mode=True),  # drops a window
       lambda a: P.max_pool2d(a, (2, 2), (3, 3), (1, 1), ceil_mode=True), [(1, 2, 4, 5)], covers=("max_pool2d",)),
    Row("max_pool2d_overlapping", lambda a: F.max_pool2d(a, 3, 1), lambda a: P.max_pool2d(a, (3, 3), (1, 1)),
       [(1, 2, 4, 5)], covers=("max_pool2d",)),
    Row("max_pool2d_rectangular", lambda a: F.max_pool2d(a, (2, 3), (1, 2)), lambda a: P.max_pool2d(a, (2, 3), (1, 2)),
       [(2, 1, 5, 7)], covers=("max_pool2d",)),
    Row("max_pool2d_unbatched", lambda a: F.max_pool2d(a, 2, 1), lambda a: P.max_pool2d(a, (2, 2), (1, 1)),
       [(2, 3, 5)], covers=("max_pool2d",)),
    Row("max_pool2d_indices", lambda a: (lambda y, i: a.flatten(2).gather(2, i.flatten(2)).reshape(y.shape) - 2 * y)(
        *F.max_pool2d(a, 3, 2, 1, return_indices=True)), lambda a: -P.max_pool2d(a, (3, 3), (2, 2), (1, 1)),
       [(1, 2, 5, 6)], covers=("max_pool2d", "gather")),
    Row("avg_pool2d", lambda a: F.avg_pool2d(a, 2), lambda a: P.avg_pool2d(a, (2, 2)), [(1, 2, 4, 6)]),
    Row("avg_pool2d_padding", lambda a: F.avg_pool2d(a, 3, 2, 1), lambda a: P.avg_pool2d(a, (3, 3), (2, 2), (1, 1)),
       [(2, 1, 5, 6)], covers=("avg_pool2d",)),
    Row("avg_pool2d_exclude_pad", lambda a: F.avg_pool2d(a, 3, 2, 1, count_include_pad=False),
       lambda a: P.avg_pool2d(a, (3, 3), (2, 2), (1, 1), count_include_pad=False), [(1, 2, 5, 6)],
       covers=("avg_pool2d",)),
    Row("avg_pool2d_ceil_mode", lambda a: F.avg_pool2d(a, 2, 3, 1, ceil_mode=True),
       lambda a: P.avg_pool2d(a, (2, 2), (3, 3), (1, 1), ceil_mode=True), [(1, 2, 4, 5)], covers=("avg_pool2d",)),
    Row("avg_pool2d_ceil_mode_exclude_pad", lambda a: F.avg_pool2d(a, 3, 2, 1, True, False),
       lambda a: P.avg_pool2d(a, (3, 3), (2, 2), (1, 1), True, False), [(1, 1, 6, 5)], covers=("avg_pool2d",)),
    Row("avg_pool2d_divisor_override", lambda a: F.avg_pool2d(a, (2, 3), 1, (1, 1), divisor_override=4),
       lambda a: P.avg_pool2d(a, (2, 3), (1, 1), (1, 1), divisor_override=4), [(1, 2, 4, 5)], covers=("avg_pool2d",)),
    Row("avg_pool2d_rectangular_unbatched", lambda a: F.avg_pool2d(a, (3, 2), (1, 2)),
       lambda a: P.avg_pool2d(a, (3, 2), (1, 2)), [(2, 5, 7)], covers=("avg_pool2d",)),
    Row("adaptive_avg_pool2d", lambda a: F.adaptive_avg_pool2d(a, (3, 4)),
       lambda a: P.adaptive_pool2d(a, (3, 4), np.mean), [(2, 1, 5, 7)]),
    Row("adaptive_avg_pool2d_global", lambda a: F.adaptive_avg_pool2d(a, 1), lambda a: a.mean((2, 3), keepdims=True),
       [(2, 3, 3, 5)], covers=("adaptive_avg_pool2d",)),
    Row("adaptive_avg_pool2d_none_unbatched", lambda a: F.adaptive_avg_pool2d(a, (None, 2)),
       lambda a: P.adaptive_pool2d(a, (None, 2), np.mean), [(2, 3, 5)], covers=("adaptive_avg_pool2d",)),
    Row("adaptive_max_pool2d", lambda a: F.adaptive_max_pool2d(a, (3, 4)),
       lambda a: P.adaptive_pool2d(a, (3, 4), np.max), [(2, 1, 5, 7)]),
    Row("adaptive_max_pool2d_larger_unbatched", lambda a: F.adaptive_max_pool2d(a, (4, 2)),
       lambda a: P.adaptive_pool2d(a, (4, 2), np.max), [(2, 3, 5)], covers=("adaptive_max_pool2d",)),
    Row("adaptive_max_pool2d_indices", lambda a: (lambda y, i: a.flatten(2).gather(2, i.flatten(2)).reshape(y.shape)
                                                 * y)(*F.adaptive_max_pool2d(a, 2, return_indices=True)),
       lambda a: P.adaptive_pool2d(a, (2, 2), np.max) ** 2, [(1, 2, 5, 3)], covers=("adaptive_max_pool2d", "gather")),
    Row("max_pool1d", lambda a: F.max_pool1d(a, 3, 2, 1), lambda a: P.as_line(P.max_pool2d, a, (1, 3), (1, 2), (0, 1)),
       [(2, 3, 7)]),
    Row("avg_pool1d", lambda a: F.avg_pool1d(a, 3, 2, 1, count_include_pad=False),
       lambda a: P.as_line(P.avg_pool2d, a, (1, 3), (1, 2), (0, 1), count_include_pad=False), [(3, 7)]),
    Row("adaptive_avg_pool1d", lambda a: F.adaptive_avg_pool1d(a, 3),
       lambda a: P.as_line(P.adaptive_pool2d, a, (1, 3), np.mean), [(2, 3, 7)]),
    Row("adaptive_max_pool1d", lambda a: F.adaptive_max_pool1d(a, 3),
       lambda a: P.as_line(P.adaptive_pool2d, a, (1, 3), np.max), [(2, 7)]),
]
