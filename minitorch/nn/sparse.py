"""Embedding: a lookup table of learnable vectors, one per index."""
from __future__ import annotations

from typing import Any

from .. import creation
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """y = weight[indices]: each index picks a row of weight (num_embeddings, embedding_dim), drawn from N(0, 1).

    Shapes: input (*) of int64 -> output (*, embedding_dim). The row at padding_idx starts at zero and
    gets no gradient.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError(f"Padding_idx must be within num_embeddings (got padding_idx={padding_idx} "
                                     f"for num_embeddings={num_embeddings})")
            padding_idx = padding_idx % num_embeddings
        self.padding_idx = padding_idx
        self.weight = Parameter(creation.empty((num_embeddings, embedding_dim), device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None) -> Embedding:
        """An Embedding whose weight is a copy of `embeddings` (rows, dim); frozen (no grad) by default."""
        if embeddings.ndim != 2:
            raise ValueError(f"Embeddings parameter is expected to be 2-dimensional, got shape {embeddings.shape}")
        rows, dim = embeddings.shape
        embedding = cls(rows, dim, padding_idx, device=embeddings.device, dtype=embeddings.dtype)
        with no_grad():
            embedding.weight.copy_(embeddings)
        embedding.weight.requires_grad_(not freeze)
        return embedding

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text if self.padding_idx is None else text + f", padding_idx={self.padding_idx}"
