"""Dropout: zero random elements (or whole channels) while training, as a regulariser."""
from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module


class Dropout(Module):
    """In training, each element is zeroed with probability p and the rest scaled by 1 / (1 - p); in eval, y = x.

    Shapes: input (*) -> output (*). The mask comes from minitorch's generator of input's device.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """In training, each channel (N, C) is zeroed whole with probability p and the rest scaled by 1 / (1 - p);
    in eval, y = x. Shapes: input (N, C, H, W) -> output (N, C, H, W) (a 3-d input is taken as (N, C, L), with
    PyTorch's warning)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)
