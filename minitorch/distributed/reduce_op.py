"""ReduceOp: how all_reduce, reduce and reduce_scatter_tensor combine the ranks' values, as torch.distributed's."""
from __future__ import annotations

import enum


class ReduceOp(enum.Enum):
    """How all_reduce, reduce and reduce_scatter_tensor combine the ranks' values."""

    SUM = "SUM"
    AVG = "AVG"  # a SUM, then divided by the world size (floating tensors only)
    PRODUCT = "PRODUCT"
    MIN = "MIN"
    MAX = "MAX"
